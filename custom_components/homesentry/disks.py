"""The "Disks" concern: SMART of every physical disk and every md RAID array.

Two coordinators per entry: SMART (slow, default every 30 minutes; smartctl
runs in one executor job per cycle and never wakes a sleeping disk) and RAID
(every minute; two small kernel files per array). Each disk and each array is
a device of its own, under the entry's "Disks" device.

When smartctl is missing or may not open the disks, a repair issue says what
to do and the SMART side shows that state; RAID keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import logging
import os
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTemperature, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from . import const
from .const import CONF_RAID_INTERVAL, CONF_SMART_MINUTES, CONF_SMARTCTL, DOMAIN
from .coordinator import SubscribingCoordinator, entry_option
from .entity import (
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
)
from .health import thresholds
from .probes.mdraid import ArrayHealth, MdArray, SyncAction, read_arrays
from .probes.smart import (
    DiskReading,
    ScanEntry,
    SelfTestOutcome,
    SmartctlError,
    SmartctlMissing,
    SmartctlNotPermitted,
    SmartReader,
)
from .probes.smart_health import Prediction, Verdict, predict

if TYPE_CHECKING:
    from . import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

ISSUE_MISSING: Final = "smartctl_missing"
ISSUE_NOT_PERMITTED: Final = "smartctl_not_permitted"
ARRAY_STATES: Final = ["clean", "checking", "resyncing", "recovering", "reshaping", "degraded", "failed", "inactive"]


class SmartStatus(StrEnum):
    """Whether SMART can be read on this machine."""

    OK = "ok"
    NO_DISKS = "no_disks"  # smartctl runs, but finds no disk it can open (a VM's virtio disks)
    SMARTCTL_MISSING = "smartctl_missing"
    NOT_PERMITTED = "not_permitted"


class DiskCategory(StrEnum):
    """What a Disks coordinator collects."""

    SMART = "smart"
    RAID = "raid"


@dataclass(frozen=True, slots=True)
class DiskState:
    """A disk as last read: its values stay while it sleeps."""

    entry: ScanEntry
    reading: DiskReading
    prediction: Prediction
    read_at: datetime
    asleep: bool = False


@dataclass(frozen=True, slots=True)
class SmartSnapshot:
    """Every disk of the machine, and whether SMART works here."""

    status: SmartStatus
    smartctl: str | None
    disks: Mapping[str, DiskState] = field(default_factory=dict)
    unreadable: Mapping[str, str] = field(default_factory=dict)  # path: why this disk gave nothing this cycle


def find_smartctl(configured: str | None) -> str | None:
    """The smartctl to run: the configured one, else the first one installed."""
    if configured:
        return configured
    return next((path for path in const.SMARTCTL_SEARCH if os.access(path, os.X_OK)), None)


def _under_hub(coordinator: SmartCoordinator | RaidCoordinator, object_key: str, info: DeviceInfo) -> DeviceInfo:
    """A disk's or array's device: identified by the entry and the object, under the entry's Disks device."""
    device = DeviceInfo(**info, identifiers={(DOMAIN, f"{coordinator.config_entry.unique_id}_{object_key}")})
    if coordinator.hub_device_id:
        device["via_device_id"] = coordinator.hub_device_id
    return device


class SmartCoordinator(SubscribingCoordinator[SmartSnapshot, DiskCategory]):
    """Reads every disk's SMART in one executor job per cycle."""

    hub_device_id: str | None = None

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry) -> None:
        """Initialise from the entry's smartctl and interval."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"HomeSentry SMART {config_entry.title}",
            update_interval=timedelta(minutes=entry_option(config_entry, CONF_SMART_MINUTES)),
            all_categories=frozenset({DiskCategory.SMART}),
        )
        self.smartctl: str | None = None
        self.reader: SmartReader | None = None
        limit = thresholds(config_entry.options)["failure_rate"]  # the Health options' SMART prediction limits
        self.failure_rate_limits = (limit.warning, limit.critical)
        self._unreadable_logged: set[str] = set()

    async def async_find_smartctl(self) -> None:
        """Look for smartctl (file system calls: in the executor)."""
        configured = self.config_entry.data.get(CONF_SMARTCTL)
        self.smartctl = await self.hass.async_add_executor_job(find_smartctl, configured)
        self.reader = SmartReader(self.smartctl, timeout=const.SMARTCTL_TIMEOUT) if self.smartctl else None

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """The entry's Disks device for "", a disk's own device for its key."""
        if not object_key:
            return self.device_info
        state = self.data.disks.get(object_key) if self.data is not None else None
        reading = state.reading if state is not None else None
        name = object_key
        if reading is not None:
            name = f"{reading.model or reading.path} ({reading.serial[-4:]})" if reading.serial else reading.path
        return _under_hub(
            self,
            object_key,
            DeviceInfo(
                name=name,
                model=reading.model if reading is not None else None,
                serial_number=reading.serial if reading is not None else None,
                sw_version=reading.firmware if reading is not None else None,
            ),
        )

    async def _async_update_data(self) -> SmartSnapshot:
        async with self.cycle_lock:
            snapshot = await self.hass.async_add_executor_job(self._collect, self.data)
            self.mark_discovered()
        self._raise_or_clear_issues(snapshot.status)
        for path, why in snapshot.unreadable.items():
            if path not in self._unreadable_logged:
                self.logger.warning("%s: cannot read SMART of %s: %s", self.name, path, why)
        for path in self._unreadable_logged - set(snapshot.unreadable):
            self.logger.info("%s: reading SMART of %s again", self.name, path)
        self._unreadable_logged = set(snapshot.unreadable)
        return snapshot

    def _collect(self, previous: SmartSnapshot | None) -> SmartSnapshot:
        """Scan, then read each disk; a sleeping disk keeps its last values."""
        if self.reader is None:
            return SmartSnapshot(SmartStatus.SMARTCTL_MISSING, None)
        try:
            entries = self.reader.scan()
        except SmartctlMissing:
            return SmartSnapshot(SmartStatus.SMARTCTL_MISSING, self.smartctl)
        except SmartctlNotPermitted:
            return SmartSnapshot(SmartStatus.NOT_PERMITTED, self.smartctl)
        except SmartctlError as err:
            return SmartSnapshot(SmartStatus.NO_DISKS, self.smartctl, unreadable={"scan": str(err)})
        last_by_path = {s.entry.path: s for s in previous.disks.values()} if previous is not None else {}
        disks: dict[str, DiskState] = {}
        unreadable: dict[str, str] = {}
        denied = 0
        now = dt_util.utcnow()
        for entry in entries:
            try:
                reading = self.reader.read(entry)
            except SmartctlNotPermitted as err:
                denied += 1
                unreadable[entry.path] = str(err)
                continue
            except SmartctlError as err:
                unreadable[entry.path] = str(err)
                continue
            if reading is None:
                if (last := last_by_path.get(entry.path)) is not None:
                    disks[last.reading.key] = DiskState(entry, last.reading, last.prediction, last.read_at, True)
                continue
            if reading.identified:
                disks[reading.key] = DiskState(entry, reading, predict(reading, *self.failure_rate_limits), now)
        if denied and not disks:
            return SmartSnapshot(SmartStatus.NOT_PERMITTED, self.smartctl, unreadable=unreadable)
        status = SmartStatus.OK if disks else SmartStatus.NO_DISKS
        return SmartSnapshot(status, self.smartctl, disks, unreadable)

    def _raise_or_clear_issues(self, status: SmartStatus) -> None:
        """A repair issue while smartctl is missing or may not open the disks; none once it works."""
        wanted = {SmartStatus.SMARTCTL_MISSING: ISSUE_MISSING, SmartStatus.NOT_PERMITTED: ISSUE_NOT_PERMITTED}
        for issue in wanted.values():
            issue_id = f"{issue}_{self.config_entry.entry_id}"
            if wanted.get(status) == issue:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=issue,
                    translation_placeholders={"smartctl": self.smartctl or "smartctl"},
                    learn_more_url="https://github.com/homesentry/homesentry#disks",
                )
            else:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    async def async_start_self_test(self, key: str) -> None:
        """Start a short self-test of one disk, then read it again to show it running."""
        state = self.data.disks.get(key) if self.data is not None else None
        if state is None or self.reader is None:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="disk_unavailable")
        reader = self.reader
        try:
            await self.hass.async_add_executor_job(reader.start_short_test, state.entry)
        except SmartctlError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="self_test_failed",
                translation_placeholders={"disk": state.entry.path, "error": str(err)},
            ) from err
        await self.async_request_refresh()


class RaidCoordinator(SubscribingCoordinator[Mapping[str, MdArray], DiskCategory]):
    """Reads /proc/mdstat and each array's sysfs directory."""

    hub_device_id: str | None = None

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry) -> None:
        """Initialise from the entry's RAID interval."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"HomeSentry RAID {config_entry.title}",
            update_interval=timedelta(seconds=entry_option(config_entry, CONF_RAID_INTERVAL)),
            all_categories=frozenset({DiskCategory.RAID}),
        )

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """An array's own device."""
        array = self.data.get(object_key) if self.data is not None else None
        model = (array.level or "md") if array is not None else None
        return _under_hub(self, object_key, DeviceInfo(name=f"RAID {object_key}", manufacturer="Linux md", model=model))

    async def _async_update_data(self) -> Mapping[str, MdArray]:
        async with self.cycle_lock:
            arrays = await self.hass.async_add_executor_job(read_arrays, const.PROCFS_ROOT, const.SYSFS_ROOT)
            self.mark_discovered()
        return arrays


@dataclass(slots=True)
class DiskCoordinators:
    """The two coordinators of a Disks entry."""

    smart: SmartCoordinator
    raid: RaidCoordinator

    def removable(self, device: dr.DeviceEntry) -> bool:
        """A disk's or array's device may be deleted once the machine no longer has it."""
        prefix = f"{self.smart.config_entry.unique_id}_"
        keys = {i.removeprefix(prefix) for d, i in device.identifiers if d == DOMAIN and i.startswith(prefix)}
        present = set(self.smart.data.disks if self.smart.data else ()) | set(self.raid.data or ())
        return bool(keys) and not keys & present


async def async_setup_disks(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device_info: DeviceInfo
) -> DiskCoordinators:
    """Create and first-refresh both coordinators; a missing smartctl does not stop RAID."""
    coordinators = DiskCoordinators(SmartCoordinator(hass, entry), RaidCoordinator(hass, entry))
    hub = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **device_info)
    for coordinator in (coordinators.smart, coordinators.raid):
        coordinator.device_info = device_info
        coordinator.hub_device_id = hub.id
    await coordinators.smart.async_find_smartctl()
    await coordinators.raid.async_config_entry_first_refresh()
    await coordinators.smart.async_config_entry_first_refresh()
    return coordinators


# Entities.


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


def _disks_with(test: Any) -> Any:
    def objects(data: SmartSnapshot) -> Mapping[str, str]:
        return {key: key for key, state in data.disks.items() if test(state.reading)}

    return objects


def _reading(data: SmartSnapshot, key: str) -> DiskReading | None:
    state = data.disks.get(key)
    return None if state is None else state.reading


def _findings(data: SmartSnapshot, key: str) -> Mapping[str, Any]:
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
        attributes_fn=lambda data, _: {"smartctl": data.smartctl, "unreadable": dict(data.unreadable)},
    ),
    SmartSensorDescription(
        key="smart_disks",
        translation_key="smart_disks",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: len(data.disks),
        attributes_fn=lambda data, _: {
            "failed": sorted(k for k, s in data.disks.items() if s.prediction.verdict is Verdict.FAILED),
            "warning": sorted(k for k, s in data.disks.items() if s.prediction.verdict is Verdict.WARNING),
            "asleep": sorted(k for k, s in data.disks.items() if s.asleep),
        },
    ),
    SmartSensorDescription(
        key="disk_health",
        translation_key="disk_health",
        device_class=SensorDeviceClass.ENUM,
        options=[v.value for v in Verdict],
        objects_fn=_disks,
        value_fn=lambda data, disk: data.disks[disk].prediction.verdict.value if disk in data.disks else None,
        attributes_fn=_findings,
    ),
    SmartSensorDescription(
        key="failure_rate",
        translation_key="failure_rate",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        objects_fn=lambda data: {k: k for k, s in data.disks.items() if s.prediction.failure_rate is not None},
        value_fn=lambda data, disk: data.disks[disk].prediction.failure_rate if disk in data.disks else None,
    ),
    SmartSensorDescription(
        key="disk_temperature",
        translation_key="disk_temperature",
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


def _self_test_details(reading: DiskReading | None) -> Mapping[str, Any]:
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
        objects_fn=_disks,
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


def _array_details(data: Mapping[str, MdArray], name: str) -> Mapping[str, Any]:
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


def _array(key: str, **kwargs: Any) -> RaidSensorDescription:
    return RaidSensorDescription(key=key, translation_key=key, objects_fn=_arrays, **kwargs)


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
        value_fn=lambda data, name: len(data[name].failed_members) if name in data else None,
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
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_arrays,
        value_fn=lambda data, name: bool(data[name].problems) if name in data else None,
        attributes_fn=lambda data, name: {"problems": list(data[name].problems)} if name in data else {},
    ),
)
