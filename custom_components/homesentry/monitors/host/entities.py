"""The entities of This server: the host's sensors and binary sensors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    REVOLUTIONS_PER_MINUTE,
    EntityCategory,
    UnitOfDataRate,
    UnitOfFrequency,
    UnitOfInformation,
    UnitOfTemperature,
)

from ...entity import (
    MIB,
    RATE_SHARE,
    Attributes,
    HomeSentryBinarySensorEntityDescription,
    HomeSentrySensorEntityDescription,
)
from ...health import PROBLEM_ON, Threshold
from ...probes.host import Category, HostSnapshot
from ...probes.hwmon import TemperatureReading


@dataclass(frozen=True, kw_only=True)
class HostSensorDescription(HomeSentrySensorEntityDescription[HostSnapshot, Category]):
    """A sensor of the This server device."""


def _temperature_attributes(reading: TemperatureReading | None) -> Attributes:
    if reading is None:
        return {}
    return {"chip": reading.chip, "label": reading.label, "high": reading.high, "critical": reading.critical}


def _cpu(data: HostSnapshot, _: str) -> float | None:
    return data.cpu_percent


def _core(data: HostSnapshot, core: str) -> float | None:
    return None if data.cpu_per_core is None else data.cpu_per_core[int(core)]


def _cores(data: HostSnapshot) -> Mapping[str, str]:
    return {str(i): str(i) for i in range(len(data.cpu_per_core or ()))}


TEMPERATURE_STEP: Final = 0.5  # °C

# Steps (``HomeSentrySensorEntityDescription.step``) where the display precision is finer than
# a move worth a row: CPU and disk busy by 1 %, load by 0.1, memory by 0.5 % or 50 MiB,
# processes by 5, temperatures by 0.5 °C, fans by 50 rpm. A sensor without one moves by
# what its display precision shows.


def _load(attribute: str) -> HostSensorDescription:
    minutes = attribute.removeprefix("load_").removesuffix("m")
    return HostSensorDescription(
        key=attribute,
        translation_key=attribute,
        category=Category.LOAD,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        step=0.1,
        value_fn=lambda data, _: None if data.load is None else getattr(data.load, _LOAD_FIELDS[minutes]),
    )


_LOAD_FIELDS = {"1": "one", "5": "five", "15": "fifteen"}


def _memory_size(key: str, field: str) -> HostSensorDescription:
    return HostSensorDescription(
        key=key,
        translation_key=key,
        category=Category.MEMORY,
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        step=50 * MIB,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: None if data.memory is None else getattr(data.memory, field),
    )


def _mounts(data: HostSnapshot) -> Mapping[str, str]:
    """Mounts that answered this cycle: a stale one's usage is unavailable."""
    return {key: path for key, path in data.mounts.items() if key in data.filesystems}


def _filesystem(
    key: str, field: str, *, enabled: bool = True, health: Threshold | None = None
) -> HostSensorDescription:
    size = field != "percent"
    return HostSensorDescription(
        key=key,
        translation_key=key,
        placeholder="mount",
        category=Category.FILESYSTEMS,
        device_class=SensorDeviceClass.DATA_SIZE if size else None,
        native_unit_of_measurement=UnitOfInformation.BYTES if size else PERCENTAGE,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES if size else None,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
        objects_fn=_mounts,
        value_fn=lambda data, name: getattr(data.filesystems[name], field) if name in data.filesystems else None,
        health=health,
    )


BUSY_SHARE: Final = 0.1  # a busy disk's move worth a state row: a tenth of the share shown (1 point at least)
RATE_FLOOR: Final = 12_500.0  # bytes/s: 0.1 Mbit/s, the least move of a link's rate worth a state row


def _network(key: str, field: str) -> HostSensorDescription:
    return HostSensorDescription(
        key=key,
        translation_key=key,
        placeholder="interface",
        category=Category.NETWORK,
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEGABITS_PER_SECOND,
        suggested_display_precision=2,
        # News on a quiet link and on a busy one: 0.1 Mbit/s, or a fifth of the rate shown (a transfer
        # starting, stopping, doubling or halving), not the wiggle of a busy link on every cycle.
        step=RATE_FLOOR,
        relative_step=RATE_SHARE,  # and a fifth of the rate shown, on a busy link
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, name: getattr(data.network[name], field) if name in data.network else None,
        objects_fn=lambda data: {name: name for name in data.interfaces},
    )


def _disk_io(key: str, field: str, *, enabled: bool) -> HostSensorDescription:
    busy = field == "busy"
    return HostSensorDescription(
        key=key,
        translation_key=key,
        placeholder="disk",
        category=Category.DISK_IO,
        device_class=None if busy else SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=PERCENTAGE if busy else UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=None if busy else UnitOfDataRate.MEGABYTES_PER_SECOND,
        suggested_display_precision=1,
        step=1.0 if busy else None,
        # A rate, as a link's; busy by a point or a tenth of itself (a busy disk's 40 % by 4).
        relative_step=BUSY_SHARE if busy else RATE_SHARE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
        value_fn=lambda data, name: getattr(data.disk_io[name], field) if name in data.disk_io else None,
        objects_fn=lambda data: {name: name for name in data.disks},
    )


def _pressure(resource: str) -> HostSensorDescription:
    return HostSensorDescription(
        key=f"{resource}_pressure",
        translation_key=f"{resource}_pressure",
        category=Category.PRESSURE,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda data, _: data.pressure[resource].some_avg60 if resource in data.pressure else None,
    )


HOST_SENSORS: tuple[HostSensorDescription, ...] = (
    HostSensorDescription(
        key="cpu_usage",
        translation_key="cpu_usage",
        category=Category.CPU,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=1.0,
        value_fn=_cpu,
    ),
    HostSensorDescription(
        key="core_usage",
        translation_key="core_usage",
        placeholder="core",
        category=Category.CPU_PER_CORE,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=1.0,
        entity_registry_enabled_default=False,
        value_fn=_core,
        objects_fn=_cores,
    ),
    _load("load_1m"),
    _load("load_5m"),
    _load("load_15m"),
    HostSensorDescription(
        key="cpu_frequency",
        translation_key="cpu_frequency",
        category=Category.CPU_FREQUENCY,
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.MEGAHERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: data.cpu_frequency_mhz,
    ),
    HostSensorDescription(
        key="cpu_temperature",
        translation_key="cpu_temperature",
        health=Threshold(above=True, warning=80, critical=90, unit="°C"),
        category=Category.TEMPERATURES,
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=TEMPERATURE_STEP,
        value_fn=lambda data, _: None if data.cpu_temperature is None else data.cpu_temperature.celsius,
        attributes_fn=lambda data, _: _temperature_attributes(data.cpu_temperature),
    ),
    HostSensorDescription(
        key="temperature",
        translation_key="temperature",
        placeholder="sensor",
        category=Category.TEMPERATURES,
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=TEMPERATURE_STEP,
        value_fn=lambda data, key: data.temperatures[key].celsius if key in data.temperatures else None,
        objects_fn=lambda data: {key: f"{t.source} {t.label}" for key, t in data.temperatures.items()},
        attributes_fn=lambda data, key: _temperature_attributes(data.temperatures.get(key)),
    ),
    HostSensorDescription(
        key="fan_speed",
        translation_key="fan_speed",
        placeholder="fan",
        category=Category.FANS,
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        step=50,  # a fan's reading wanders by tens of rpm at a steady speed
        value_fn=lambda data, key: data.fans[key].rpm if key in data.fans else None,
        objects_fn=lambda data: {key: f"{fan.source} {fan.label}" for key, fan in data.fans.items()},
    ),
    HostSensorDescription(
        key="battery",
        translation_key="battery",
        placeholder="battery",
        category=Category.BATTERY,
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, key: data.batteries[key].percent if key in data.batteries else None,
        objects_fn=lambda data: {key: battery.name for key, battery in data.batteries.items()},
        attributes_fn=lambda data, key: {"status": data.batteries[key].status} if key in data.batteries else {},
    ),
    HostSensorDescription(
        key="throttle_events",
        translation_key="throttle_events",
        category=Category.THROTTLE,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: None if data.throttle is None else data.throttle.total,
        attributes_fn=lambda data, _: (
            {}
            if data.throttle is None
            else {"core_events": data.throttle.core_events, "package_events": data.throttle.package_events}
        ),
    ),
    HostSensorDescription(
        key="memory_usage",
        translation_key="memory_usage",
        health=Threshold(above=True, warning=90, critical=97, unit="%"),
        category=Category.MEMORY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=0.5,
        value_fn=lambda data, _: None if data.memory is None else data.memory.percent,
    ),
    _memory_size("memory_used", "used"),
    _memory_size("memory_available", "available"),
    HostSensorDescription(
        key="swap_usage",
        translation_key="swap_usage",
        category=Category.SWAP,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data, _: None if data.swap is None else data.swap.percent,
        attributes_fn=lambda data, _: {} if data.swap is None else {"total_bytes": data.swap.total},
    ),
    HostSensorDescription(
        key="last_boot",
        translation_key="last_boot",
        category=Category.BOOT,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data, _: data.boot_time,
    ),
    HostSensorDescription(
        key="process_count",
        translation_key="process_count",
        category=Category.PROCESS_COUNT,
        state_class=SensorStateClass.MEASUREMENT,
        step=5,
        value_fn=lambda data, _: data.process_count,
    ),
    _pressure("cpu"),
    _pressure("memory"),
    _pressure("io"),
    _filesystem("disk_usage", "percent", health=Threshold(above=True, warning=85, critical=95, unit="%")),
    _filesystem("disk_free", "free"),
    _filesystem("disk_used", "used", enabled=False),
    _disk_io("disk_busy", "busy", enabled=True),
    _disk_io("disk_read", "read", enabled=False),
    _disk_io("disk_write", "written", enabled=False),
    _network("network_received", "received"),
    _network("network_sent", "sent"),
    HostSensorDescription(
        key="top_process",
        translation_key="top_process",
        category=Category.TOP_PROCESSES,
        entity_registry_enabled_default=False,
        value_fn=lambda data, _: data.top_processes[0].name if data.top_processes else None,
        attributes_fn=lambda data, _: {
            "processes": [
                {"pid": p.pid, "name": p.name, "cpu_percent": p.cpu_percent, "memory_bytes": p.memory_bytes}
                for p in data.top_processes or ()
            ]
        },
    ),
    HostSensorDescription(
        key="listening_ports",
        translation_key="listening_ports",
        category=Category.LISTENING_PORTS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda data, _: None if data.listening is None else len(data.listening),
        attributes_fn=lambda data, _: {
            "ports": [
                {"protocol": s.protocol, "address": s.address, "port": s.port, "process": s.process}
                for s in data.listening or ()
            ]
        },
    ),
)


@dataclass(frozen=True, kw_only=True)
class HostBinarySensorDescription(HomeSentryBinarySensorEntityDescription[HostSnapshot, Category]):
    """A binary sensor of the This server device."""


HOST_BINARY_SENSORS: tuple[HostBinarySensorDescription, ...] = (
    HostBinarySensorDescription(
        key="stale_mount",
        translation_key="stale_mount",
        health=PROBLEM_ON,
        placeholder="mount",
        category=Category.FILESYSTEMS,
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        objects_fn=lambda data: dict(data.mounts),
        value_fn=lambda data, name: name in data.stale_mounts,
    ),
)
