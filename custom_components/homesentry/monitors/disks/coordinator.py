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
from datetime import datetime
from enum import StrEnum
import logging
import os
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ... import const
from ...const import CONF_SMARTCTL, DOMAIN
from ...coordinator import SubscribingCoordinator
from ...health import Threshold, thresholds
from ...probes.mdraid import MdArray, read_arrays
from ...probes.smart import (
    DiskReading,
    ScanEntry,
    SmartctlError,
    SmartctlMissing,
    SmartctlNotPermitted,
    SmartReader,
)
from ...probes.smart_health import FAILED_AFR, WARNING_AFR, Prediction, predict
from .options import DisksOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

ISSUE_MISSING: Final = "smartctl_missing"
ISSUE_NOT_PERMITTED: Final = "smartctl_not_permitted"
# A disk's predicted annual failure rate (%/year): its Health thresholds, which the prediction uses too.
FAILURE_RATE: Final = Threshold(True, WARNING_AFR, FAILED_AFR, "%")
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


def under_hub(entry: ConfigEntry, hub_device_id: str | None, object_key: str, info: DeviceInfo) -> DeviceInfo:
    """A disk's or array's device: identified by the entry and the object, under the entry's device."""
    device = DeviceInfo(**info, identifiers={(DOMAIN, f"{entry.unique_id}_{object_key}")})
    if hub_device_id:
        device["via_device_id"] = hub_device_id
    return device


def disk_device(reading: DiskReading | None, key: str) -> DeviceInfo:
    """What a disk's device says of it: model and the serial's end, serial number, firmware."""
    name = key
    if reading is not None:
        name = f"{reading.model or reading.path} ({reading.serial[-4:]})" if reading.serial else reading.path
    return DeviceInfo(
        name=name,
        model=reading.model if reading is not None else None,
        serial_number=reading.serial if reading is not None else None,
        sw_version=reading.firmware if reading is not None else None,
    )


def array_device(array: MdArray | None, name: str, prefix: str = "") -> DeviceInfo:
    """What an array's device says of it: "RAID md0" (after ``prefix``), Linux md, its level where known."""
    model = (array.level or "md") if array is not None else None
    return DeviceInfo(name=f"{prefix}RAID {name}", manufacturer="Linux md", model=model)


class SmartCoordinator(SubscribingCoordinator[SmartSnapshot, DiskCategory]):
    """Reads every disk's SMART in one executor job per cycle."""

    all_categories = frozenset({DiskCategory.SMART})

    hub_device_id: str | None = None

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's smartctl and interval."""
        options = DisksOptions.of(config_entry.options)
        super().__init__(hass, config_entry, f"SMART {config_entry.title}", options.smart_minutes * 60, device_info)
        self.smartctl: str | None = None
        self.reader: SmartReader | None = None
        # The Health options' SMART prediction limits.
        limit = thresholds(config_entry.options, {"failure_rate": FAILURE_RATE})["failure_rate"]
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
        return under_hub(self.config_entry, self.hub_device_id, object_key, disk_device(reading, object_key))

    async def _async_cycle(self, wanted: frozenset[DiskCategory]) -> SmartSnapshot:
        snapshot = await self.hass.async_add_executor_job(self._collect, self.data)
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

    all_categories = frozenset({DiskCategory.RAID})

    hub_device_id: str | None = None

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's RAID interval."""
        options = DisksOptions.of(config_entry.options)
        super().__init__(hass, config_entry, f"RAID {config_entry.title}", options.raid_interval, device_info)

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """An array's own device."""
        array = self.data.get(object_key) if self.data is not None else None
        return under_hub(self.config_entry, self.hub_device_id, object_key, array_device(array, object_key))

    async def _async_cycle(self, wanted: frozenset[DiskCategory]) -> Mapping[str, MdArray]:
        return await self.hass.async_add_executor_job(read_arrays, const.PROCFS_ROOT, const.SYSFS_ROOT)


@dataclass(slots=True)
class DiskCoordinators:
    """The two coordinators of a Disks entry."""

    smart: SmartCoordinator
    raid: RaidCoordinator

    def removable(self, device: dr.DeviceEntry) -> bool:
        """A disk's or array's device may be deleted once the machine no longer has it."""
        present = set(self.smart.data.disks if self.smart.data else ()) | set(self.raid.data or ())
        return gone(self.smart.config_entry, device, present)


def gone(entry: ConfigEntry, device: dr.DeviceEntry, present: set[str]) -> bool:
    """Whether ``device`` is one of the entry's objects (``under_hub``) and none of them is ``present``."""
    prefix = f"{entry.unique_id}_"
    keys = {i.removeprefix(prefix) for d, i in device.identifiers if d == DOMAIN and i.startswith(prefix)}
    return bool(keys) and not keys & present


async def async_setup_disks(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device_info: DeviceInfo
) -> DiskCoordinators:
    """Create and first-refresh both coordinators; a missing smartctl does not stop RAID."""
    coordinators = DiskCoordinators(
        SmartCoordinator(hass, entry, device_info), RaidCoordinator(hass, entry, device_info)
    )
    hub = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **device_info)
    for coordinator in (coordinators.smart, coordinators.raid):
        coordinator.hub_device_id = hub.id
    await coordinators.smart.async_find_smartctl()
    await coordinators.raid.async_config_entry_first_refresh()
    await coordinators.smart.async_config_entry_first_refresh()
    return coordinators
