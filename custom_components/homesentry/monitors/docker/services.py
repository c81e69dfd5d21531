"""Actions on a Docker container's device: restart, start and stop it (when its engine allows control)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
import probatio

from ...const import DOMAIN
from ...probes.docker import ContainerAction
from .coordinator import DockerCoordinators, container_name

if TYPE_CHECKING:
    from ..base import HomeSentryConfigEntry

CONTAINER_SCHEMA = probatio.Schema({probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string])})


async def _async_act(call: ServiceCall, action: ContainerAction) -> None:
    """Run ``action`` on every container device the call names."""
    targets: list[tuple[DockerCoordinators, str]] = []
    for device_id in call.data[ATTR_DEVICE_ID]:
        device, entry = service.async_get_device_and_config_entry(
            call.hass, DOMAIN, device_id, include_child_devices=False
        )
        config_entry: HomeSentryConfigEntry = entry
        docker = config_entry.runtime_data.monitor
        name = container_name(config_entry, device) if isinstance(docker, DockerCoordinators) else None
        if not isinstance(docker, DockerCoordinators) or name is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_container",
                translation_placeholders={"device": device.name_by_user or device.name or device_id},
            )
        if not docker.control:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="control_disabled",
                translation_placeholders={"engine": config_entry.title},
            )
        targets.append((docker, name))
    for docker, name in targets:
        await docker.engine.async_act(name, action)


async def _async_restart(call: ServiceCall) -> None:
    await _async_act(call, ContainerAction.RESTART)


async def _async_start(call: ServiceCall) -> None:
    await _async_act(call, ContainerAction.START)


async def _async_stop(call: ServiceCall) -> None:
    await _async_act(call, ContainerAction.STOP)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the container actions (admin only: they change the server)."""
    for action, handler in (
        (ContainerAction.RESTART, _async_restart),
        (ContainerAction.START, _async_start),
        (ContainerAction.STOP, _async_stop),
    ):
        service.async_register_admin_service(hass, DOMAIN, f"container_{action}", handler, CONTAINER_SCHEMA)
