"""The Disks entities: each disk's and array's sensors, and the self-test button."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTemperature, UnitOfTime

from ...entity import (
    Attributes,
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
)
from ...health import CRITICAL_ON, EnumRule, Level, Threshold
from ...probes.mdraid import ArrayHealth, MdArray, SyncAction
from ...probes.smart import (
    DiskReading,
    HealthData,
    SelfTestOutcome,
)
from ...probes.smart_health import Verdict
from .coordinator import (
    ARRAY_STATES,
    FAILURE_RATE,
    WITH_HEALTH_DATA,
    DiskCategory,
    SmartCoordinator,
    SmartSnapshot,
    SmartStatus,
)


@dataclass(frozen=True, kw_only=True)
class SmartSensorDescription(HomeSentrySensorEntityDescription[SmartSnapshot, DiskCategory]):
    """A sensor of the Disks device or of one disk."""

    category: DiskCategory = DiskCategory.SMART


@dataclass(frozen=True, kw_only=True)
class SmartBinarySensorDescription(HomeSentryBinarySensorEntityDescription[SmartSnapshot, DiskCategory]):
    """A binary sensor of one disk."""

    category: DiskCategory = DiskCategory.SMART


@dataclass(frozen=True, kw_only=True)
class RaidSensorDescription(HomeSentrySensorEntityDescription[Mapping[str, MdArray], DiskCategory]):
    """A sensor of one array."""

    category: DiskCategory = DiskCategory.RAID


@dataclass(frozen=True, kw_only=True)
class RaidBinarySensorDescription(HomeSentryBinarySensorEntityDescription[Mapping[str, MdArray], DiskCategory]):
    """A binary sensor of one array."""

    category: DiskCategory = DiskCategory.RAID


def _disks(data: SmartSnapshot) -> Mapping[str, str]:
    return {key: key for key in data.disks}


def _disks_with(test: Callable[[DiskReading], bool]) -> Callable[[SmartSnapshot], Mapping[str, str]]:
    def objects(data: SmartSnapshot) -> Mapping[str, str]:
        return {key: key for key, state in data.disks.items() if test(state.reading)}

    return objects


_judged = _disks_with(lambda r: r.health_data in WITH_HEALTH_DATA)


def _reading(data: SmartSnapshot, key: str) -> DiskReading | None:
    state = data.disks.get(key)
    return None if state is None else state.reading


def _findings(data: SmartSnapshot, key: str) -> Attributes:
    state = data.disks.get(key)
    if state is None:
        return {}
    return {
        "findings": [f"{f.source}: {f.detail}" for f in state.prediction.findings],
        "asleep": state.asleep,
        "last_read": state.read_at.isoformat(),
        "path": state.entry.path,
    }


def _attribute(key: str, number: int, *, enabled: bool = True, diagnostic: bool = False) -> SmartSensorDescription:
    def value(data: SmartSnapshot, disk: str) -> int | None:
        reading = _reading(data, disk)
        return None if reading is None else reading.count(number)

    return SmartSensorDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
        entity_category=EntityCategory.DIAGNOSTIC if diagnostic else None,
        objects_fn=_disks_with(lambda r: number in r.attributes),
        value_fn=value,
    )


def _nvme(key: str, field_name: str, *, unit: str | None = None, enabled: bool = True) -> SmartSensorDescription:
    return SmartSensorDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
        entity_category=None if enabled else EntityCategory.DIAGNOSTIC,
        objects_fn=_disks_with(lambda r: r.nvme is not None),
        value_fn=lambda data, disk: (
            getattr(r.nvme, field_name) if (r := _reading(data, disk)) is not None and r.nvme else None
        ),
    )


SMART_SENSORS: tuple[SmartSensorDescription, ...] = (
    SmartSensorDescription(
        key="smart_status",
        translation_key="smart_status",
        device_class=SensorDeviceClass.ENUM,
        options=[s.value for s in SmartStatus],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: data.status.value,
        attributes_fn=lambda data, _: {
            "reader": data.reader,
            "reason": data.reason,
            "smartctl": data.smartctl,
            "unreadable": dict(data.unreadable),
        },
    ),
    SmartSensorDescription(
        key="smart_disks",
        translation_key="smart_disks",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: len(data.with_health_data),
        attributes_fn=lambda data, _: {
            "failed": sorted(k for k, s in data.disks.items() if s.prediction.verdict is Verdict.FAILED),
            "warning": sorted(k for k, s in data.disks.items() if s.prediction.verdict is Verdict.WARNING),
            "asleep": sorted(k for k, s in data.disks.items() if s.asleep),
            "without_health_data": sorted(set(data.disks) - set(data.with_health_data)),
        },
    ),
    SmartSensorDescription(
        key="health_data",
        translation_key="health_data",
        device_class=SensorDeviceClass.ENUM,
        options=[h.value for h in HealthData],
        objects_fn=_disks_with(lambda r: r.health_data is not HealthData.SMART),  # says why there is no SMART
        value_fn=lambda data, disk: r.health_data.value if (r := _reading(data, disk)) is not None else None,
    ),
    SmartSensorDescription(
        key="emmc_wear",
        translation_key="emmc_wear",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        objects_fn=_disks_with(lambda r: r.emmc is not None),
        value_fn=lambda data, disk: r.emmc.percentage_used if (r := _reading(data, disk)) and r.emmc else None,
        attributes_fn=lambda data, disk: (
            {"life_time_a": r.emmc.life_time_a, "life_time_b": r.emmc.life_time_b, "pre_eol": r.emmc.pre_eol}
            if (r := _reading(data, disk)) and r.emmc
            else {}
        ),
    ),
    SmartSensorDescription(
        key="disk_health",
        translation_key="disk_health",
        health=EnumRule({"warning": Level.WARNING, "failed": Level.CRITICAL}),
        device_class=SensorDeviceClass.ENUM,
        options=[v.value for v in Verdict],
        objects_fn=_judged,
        value_fn=lambda data, disk: data.disks[disk].prediction.verdict.value if disk in data.disks else None,
        attributes_fn=_findings,
    ),
    SmartSensorDescription(
        key="failure_rate",
        translation_key="failure_rate",
        health=FAILURE_RATE,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        objects_fn=lambda data: {k: k for k, s in data.disks.items() if s.prediction.failure_rate is not None},
        value_fn=lambda data, disk: data.disks[disk].prediction.failure_rate if disk in data.disks else None,
    ),
    SmartSensorDescription(
        key="disk_temperature",
        translation_key="disk_temperature",
        health=Threshold(above=True, warning=50, critical=60, unit="°C"),
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        objects_fn=_disks_with(lambda r: r.temperature is not None),
        value_fn=lambda data, disk: r.temperature if (r := _reading(data, disk)) is not None else None,
        attributes_fn=lambda data, disk: {"asleep": data.disks[disk].asleep} if disk in data.disks else {},
    ),
    SmartSensorDescription(
        key="power_on_hours",
        translation_key="power_on_hours",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=0,
        state_class=SensorStateClass.TOTAL_INCREASING,
        objects_fn=_disks_with(lambda r: r.power_on_hours is not None),
        value_fn=lambda data, disk: r.power_on_hours if (r := _reading(data, disk)) is not None else None,
    ),
    SmartSensorDescription(
        key="power_cycles",
        translation_key="power_cycles",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        objects_fn=_disks_with(lambda r: r.power_cycles is not None),
        value_fn=lambda data, disk: r.power_cycles if (r := _reading(data, disk)) is not None else None,
    ),
    _attribute("reallocated_sectors", 5),
    _attribute("pending_sectors", 197),
    _attribute("offline_uncorrectable", 198, diagnostic=True),
    _attribute("udma_crc_errors", 199, diagnostic=True),
    _attribute("command_timeouts", 188, enabled=False, diagnostic=True),
    _nvme("percentage_used", "percentage_used", unit=PERCENTAGE),
    _nvme("available_spare", "available_spare", unit=PERCENTAGE, enabled=False),
    _nvme("media_errors", "media_errors"),
    _nvme("error_log_entries", "error_log_entries", enabled=False),
    _nvme("critical_warning", "critical_warning", enabled=False),
    SmartSensorDescription(
        key="self_assessment",
        translation_key="self_assessment",
        device_class=SensorDeviceClass.ENUM,
        options=["passed", "failed"],
        entity_category=EntityCategory.DIAGNOSTIC,
        objects_fn=_disks_with(lambda r: r.passed is not None),
        value_fn=lambda data, disk: (
            None if (r := _reading(data, disk)) is None or r.passed is None else ("passed" if r.passed else "failed")
        ),
    ),
    SmartSensorDescription(
        key="last_self_test",
        translation_key="last_self_test",
        device_class=SensorDeviceClass.ENUM,
        options=[o.value for o in SelfTestOutcome],
        objects_fn=_disks_with(lambda r: r.last_test is not None or r.test_running),
        value_fn=lambda data, disk: _self_test(_reading(data, disk)),
        attributes_fn=lambda data, disk: _self_test_details(_reading(data, disk)),
    ),
)


def _self_test(reading: DiskReading | None) -> str | None:
    if reading is None:
        return None
    if reading.test_running:
        return SelfTestOutcome.RUNNING.value
    return reading.last_test.outcome.value if reading.last_test is not None else None


def _self_test_details(reading: DiskReading | None) -> Attributes:
    if reading is None:
        return {}
    test = reading.last_test
    return {
        "test": test.kind if test is not None else None,
        "status": test.status if test is not None else None,
        "power_on_hours": test.hours if test is not None else None,
        "progress": reading.test_progress,
    }


SMART_BINARY_SENSORS: tuple[SmartBinarySensorDescription, ...] = (
    SmartBinarySensorDescription(
        key="disk_problem",
        translation_key="disk_problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_judged,
        value_fn=lambda data, disk: (
            data.disks[disk].prediction.verdict is not Verdict.OK if disk in data.disks else None
        ),
        attributes_fn=_findings,
    ),
)


async def _start_self_test(coordinator: SmartCoordinator, key: str) -> None:
    await coordinator.async_start_self_test(key)


SELF_TEST_BUTTON: Final = HomeSentryButtonDescription(
    key="run_short_self_test",
    translation_key="run_short_self_test",
    entity_category=EntityCategory.DIAGNOSTIC,
    objects_fn=_disks_with(lambda r: r.can_self_test),
    press_fn=_start_self_test,
)


def _arrays(data: Mapping[str, MdArray]) -> Mapping[str, str]:
    return {name: name for name in data}


def _array_details(data: Mapping[str, MdArray], name: str) -> Attributes:
    array = data.get(name)
    if array is None:
        return {}
    return {
        "problems": list(array.problems),
        "level": array.level,
        "members": [m.name for m in array.members],
        "failed_members": list(array.failed_members),
        "spares": list(array.spares),
        "missing": array.missing,
    }


def _arrays_with_progress(data: Mapping[str, MdArray]) -> Mapping[str, str]:
    """Arrays whose sync progress can be known (all of this machine's; a Remote server's where it says the level)."""
    return {name: name for name, array in data.items() if array.progress_known}


def _array(
    key: str, objects_fn: Callable[[Mapping[str, MdArray]], Mapping[str, str]] = _arrays, **kwargs: Any
) -> RaidSensorDescription:
    return RaidSensorDescription(key=key, translation_key=key, objects_fn=objects_fn, **kwargs)


RAID_SENSORS: tuple[RaidSensorDescription, ...] = (
    _array(
        "array_state",
        device_class=SensorDeviceClass.ENUM,
        options=ARRAY_STATES,
        value_fn=lambda data, name: data[name].state if name in data else None,
        attributes_fn=_array_details,
    ),
    _array(
        "array_health",
        health=EnumRule({"warning": Level.WARNING}),  # a problem is array_problem's
        device_class=SensorDeviceClass.ENUM,
        options=[h.value for h in ArrayHealth],
        value_fn=lambda data, name: data[name].health.value if name in data else None,
        attributes_fn=lambda data, name: {"mismatch_count": data[name].mismatch_count} if name in data else {},
    ),
    _array(
        "sync_action",
        device_class=SensorDeviceClass.ENUM,
        options=[a.value for a in SyncAction],
        value_fn=lambda data, name: data[name].sync_action.value if name in data else None,
    ),
    _array(
        "sync_progress",
        objects_fn=_arrays_with_progress,  # never an entity that is unknown on every sync
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data, name: data[name].sync_progress if name in data else None,
    ),
    _array(
        "array_members",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, name: data[name].in_sync if name in data else None,
        attributes_fn=lambda data, name: {"wanted": data[name].raid_disks} if name in data else {},
    ),
    _array(
        "failed_members",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, name: data[name].failed_count if name in data else None,
    ),
    _array(
        "mismatch_count",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, name: data[name].mismatch_count if name in data else None,
    ),
)

RAID_BINARY_SENSORS: tuple[RaidBinarySensorDescription, ...] = (
    RaidBinarySensorDescription(
        key="array_problem",
        translation_key="array_problem",
        health=CRITICAL_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_arrays,
        value_fn=lambda data, name: bool(data[name].problems) if name in data else None,
        attributes_fn=lambda data, name: {"problems": list(data[name].problems)} if name in data else {},
    ),
)
