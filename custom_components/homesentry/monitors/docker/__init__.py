"""Docker: an engine and its containers, followed by the engine's events."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from ...const import MonitorKind
from ..base import MonitorRuntime, MonitorSpec
from .coordinator import DockerCoordinators, async_setup_docker, container_name
from .entities import (
    CONTAINER_BINARY_SENSORS,
    CONTAINER_SENSORS,
    ENGINE_BINARY_SENSORS,
    ENGINE_SENSORS,
    RESTART_BUTTON,
    USAGE_SENSORS,
)
from .flow import DockerConfigFlow, DockerOptionsFlow
from .options import DEFAULT_DOCKER_OPTIONS
from .services import async_setup_services
from .updates import IMAGE_UPDATE


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[DockerCoordinators]:
    """Connect, read the engine once and follow its events; restart buttons only when control is allowed."""
    docker = await async_setup_docker(hass, entry)
    engine = docker.engine

    def removable(device: DeviceEntry) -> bool:
        """A container's device, once the engine answers without it."""
        if engine.data is None or not engine.data.reachable:
            return False
        name = container_name(entry, device)
        return name is not None and name not in engine.data.engine.containers

    async def async_stop() -> None:
        await hass.async_add_executor_job(docker.stop)

    def container_names() -> Mapping[str, str]:
        return {c.id: c.name for c in engine.data.engine.containers.values()}

    return MonitorRuntime(
        monitor=docker,
        coordinators={
            "docker_engine": engine,
            "docker_usage": docker.usage,
            **({"docker_images": docker.images} if docker.images is not None else {}),
        },
        sensors=((engine, ENGINE_SENSORS + CONTAINER_SENSORS), (docker.usage, USAGE_SENSORS)),
        binary_sensors=((engine, ENGINE_BINARY_SENSORS + CONTAINER_BINARY_SENSORS),),
        buttons=((engine, (RESTART_BUTTON,)),) if docker.control else (),
        updates=((docker.images, (IMAGE_UPDATE,)),) if docker.images is not None else (),
        removable=removable,
        stop=async_stop,
        container_names=container_names,
    )


SPEC = MonitorSpec(
    kind=MonitorKind.DOCKER,
    name="Docker containers",
    async_setup=async_setup,
    config_flow=DockerConfigFlow,
    options_flow=DockerOptionsFlow,
    default_options=DEFAULT_DOCKER_OPTIONS,
    sensors=(*ENGINE_SENSORS, *CONTAINER_SENSORS, *USAGE_SENSORS),
    binary_sensors=(*ENGINE_BINARY_SENSORS, *CONTAINER_BINARY_SENSORS),
    buttons=(RESTART_BUTTON,),
    updates=(IMAGE_UPDATE,),
    stores=("docker",),
    # Whatever a health check printed may hold a token; the private registry's login.
    redact=frozenset({"health_output", "registry_username", "registry_password"}),
    async_setup_services=async_setup_services,
)
