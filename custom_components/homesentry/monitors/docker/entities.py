"""A Docker engine's entities: the engine's, each container's, and the restart button."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfDataRate,
    UnitOfInformation,
)

from ...entity import (
    MIB,
    RATE_SHARE,
    Attributes,
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
)
from ...health import CRITICAL_OFF, PROBLEM_ON
from ...probes.docker import (
    ContainerAction,
    ContainerState,
    Health,
)
from .coordinator import DockerCategory, DockerSnapshot, EngineCoordinator, Problem, UsageSnapshot


@dataclass(frozen=True, kw_only=True)
class EngineSensorDescription(HomeSentrySensorEntityDescription[DockerSnapshot, DockerCategory]):
    """A sensor of the engine coordinator."""

    category: DockerCategory = DockerCategory.CONTAINERS


@dataclass(frozen=True, kw_only=True)
class EngineBinarySensorDescription(HomeSentryBinarySensorEntityDescription[DockerSnapshot, DockerCategory]):
    """A binary sensor of the engine coordinator."""

    category: DockerCategory = DockerCategory.CONTAINERS


@dataclass(frozen=True, kw_only=True)
class UsageSensorDescription(HomeSentrySensorEntityDescription[UsageSnapshot, DockerCategory]):
    """A resource sensor of a container."""

    category: DockerCategory = DockerCategory.USAGE


def _containers(data: DockerSnapshot) -> Mapping[str, str]:
    return {name: name for name in data.engine.containers}


def _usage_containers(data: UsageSnapshot) -> Mapping[str, str]:
    return {name: name for name in data.names}


def _engine_count(key: str, count: Any) -> EngineSensorDescription:
    return EngineSensorDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: count(data.engine),
    )


def _field(name: str, field_name: str, data: DockerSnapshot) -> Any:
    container = data.container(name)
    return None if container is None else getattr(container, field_name)


def _container_sensor(key: str, field_name: str, **kwargs: Any) -> EngineSensorDescription:
    """A sensor per container showing one field of its inspect result."""
    return EngineSensorDescription(
        key=key,
        translation_key=key,
        objects_fn=_containers,
        value_fn=lambda data, name: _field(name, field_name, data),
        **kwargs,
    )


def _started_at(data: DockerSnapshot, name: str) -> datetime | None:
    container = data.container(name)
    return container.started_at if container is not None and container.running else None


def _exit_code(data: DockerSnapshot, name: str) -> int | None:
    container = data.container(name)
    if container is not None and not container.running and container.finished_at is not None:
        return container.exit_code
    return data.last_exit.get(name)


def _problem_attributes(data: DockerSnapshot, name: str) -> Attributes:
    container = data.container(name)
    problem = data.problems.get(name)
    if container is None or problem is None:
        return {}
    attributes: dict[str, Any] = {"reason": problem.value}
    if problem == Problem.EXITED_WITH_ERROR:
        attributes["exit_code"] = container.exit_code
    elif problem == Problem.UNHEALTHY and container.health_output:
        attributes["health_output"] = container.health_output
    elif problem == Problem.CRASH_LOOP:
        attributes["restarts_last_10_minutes"] = data.recent_restarts.get(name, 0)
    return attributes


def _usage_sensor(key: str, field_name: str, **kwargs: Any) -> UsageSensorDescription:
    """A resource sensor per container: a measurement with long-term statistics."""
    return UsageSensorDescription(
        key=key,
        translation_key=key,
        objects_fn=_usage_containers,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data, name: data.value(name, field_name),
        **kwargs,
    )


ENGINE_SENSORS: tuple[EngineSensorDescription, ...] = (
    EngineSensorDescription(
        key="engine_version",
        translation_key="engine_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: data.engine.info.version,
    ),
    _engine_count("containers_running", lambda engine: engine.running),
    _engine_count("containers_stopped", lambda engine: engine.stopped),
    _engine_count("containers_total", lambda engine: len(engine.containers)),
    _engine_count("images", lambda engine: engine.images),
)

CONTAINER_SENSORS: tuple[EngineSensorDescription, ...] = (
    _container_sensor(
        "container_state",
        "state",
        device_class=SensorDeviceClass.ENUM,
        options=[s.value for s in ContainerState],
        # Podman: the pod it belongs to (its own device stays its own).
        attributes_fn=lambda data, name: {"pod": c.pod} if (c := data.container(name)) is not None and c.pod else {},
    ),
    _container_sensor(
        "container_health", "health", device_class=SensorDeviceClass.ENUM, options=[h.value for h in Health]
    ),
    _container_sensor("restart_count", "restart_count", state_class=SensorStateClass.TOTAL_INCREASING),
    EngineSensorDescription(
        key="started_at",
        translation_key="started_at",
        objects_fn=_containers,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_started_at,
    ),
    EngineSensorDescription(key="exit_code", translation_key="exit_code", objects_fn=_containers, value_fn=_exit_code),
    _container_sensor("image", "image", entity_category=EntityCategory.DIAGNOSTIC),
)

USAGE_SENSORS: tuple[UsageSensorDescription, ...] = (
    _usage_sensor("container_cpu", "cpu_percent", native_unit_of_measurement=PERCENTAGE, step=1.0),  # as the host's
    _usage_sensor(
        "container_memory_used",
        "memory_used",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.MEBIBYTES,
        step=MIB,  # an idle container's memory moves by pages every minute
    ),
    _usage_sensor("container_memory_percent", "memory_percent", native_unit_of_measurement=PERCENTAGE),
    *(
        _usage_sensor(
            f"container_network_{direction}",
            field_name,
            category=DockerCategory.NETWORK,
            device_class=SensorDeviceClass.DATA_RATE,
            native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
            suggested_unit_of_measurement=UnitOfDataRate.KILOBYTES_PER_SECOND,
            relative_step=RATE_SHARE,  # a rate, as a link's
            entity_registry_enabled_default=False,
        )
        for direction, field_name in (("in", "rx_rate"), ("out", "tx_rate"))
    ),
)

ENGINE_BINARY_SENSORS: tuple[EngineBinarySensorDescription, ...] = (
    EngineBinarySensorDescription(
        key="engine_reachable",
        translation_key="engine_reachable",
        health=CRITICAL_OFF,
        category=DockerCategory.REACHABLE,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda data, _: data.reachable,
    ),
)

CONTAINER_BINARY_SENSORS: tuple[EngineBinarySensorDescription, ...] = (
    EngineBinarySensorDescription(
        key="container_running",
        translation_key="container_running",
        objects_fn=_containers,
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda data, name: None if (c := data.container(name)) is None else c.running,
    ),
    EngineBinarySensorDescription(
        key="container_problem",
        translation_key="container_problem",
        health=PROBLEM_ON,
        objects_fn=_containers,
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data, name: name in data.problems,
        attributes_fn=_problem_attributes,
    ),
)


async def _restart(coordinator: EngineCoordinator, name: str) -> None:
    await coordinator.async_act(name, ContainerAction.RESTART)


RESTART_BUTTON = HomeSentryButtonDescription(
    key="container_restart",
    translation_key="container_restart",
    device_class=ButtonDeviceClass.RESTART,
    objects_fn=_containers,
    press_fn=_restart,
)
