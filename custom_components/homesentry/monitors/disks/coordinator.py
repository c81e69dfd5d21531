"""The "Disks" monitor: SMART of every physical disk, every md RAID array, every ZFS and btrfs pool.

Three coordinators per entry: SMART (slow, default every 30 minutes; one
executor job per cycle, never waking a sleeping disk), RAID (every minute;
two small kernel files per array) and the pools (``pools.py``; every RAID
interval). Each disk, array and pool is a device of its own, under the
entry's "Disks" device.

SMART has two readers (the entry's ``smart_reader``): smartctl through pySMART
where smartctl is installed (it brings smartmontools' drive database), the
kernel reader (:mod:`...probes.kernel_smart`) where it is not, as on Home
Assistant OS and the Container image; either can be forced. The snapshot says
which one ran and why. When smartctl is forced but missing, or the process may
not open the disks, a repair issue says what to do (for the kernel reader, the
exact ``--device`` and ``--cap-add`` a container needs); RAID keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ... import world
from ...const import DOMAIN
from ...coordinator import SubscribingCoordinator
from ...health import Threshold, thresholds
from ...probes.kernel_smart import KernelNotPermitted, KernelSmartReader
from ...probes.mdraid import MdArray, read_arrays
from ...probes.smart import (
    DiskReading,
    HealthData,
    ScanEntry,
    SmartctlError,
    SmartctlMissing,
    SmartctlNotPermitted,
    SmartReader,
)
from ...probes.smart_health import FAILED_AFR, WARNING_AFR, Prediction, predict
from .const import CONF_SMART_READER, CONF_SMARTCTL
from .options import DisksOptions
from .pools import PoolCoordinator, find_program

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

ISSUE_MISSING: Final = "smartctl_missing"
ISSUE_NOT_PERMITTED: Final = "smartctl_not_permitted"
ISSUE_KERNEL_NOT_PERMITTED: Final = "kernel_not_permitted"
READERS: Final = ("auto", "smartctl", "kernel")
WITH_HEALTH_DATA: Final = frozenset({HealthData.SMART, HealthData.EMMC})
# A disk's predicted annual failure rate (%/year): its Health thresholds, which the prediction uses too.
FAILURE_RATE: Final = Threshold(above=True, warning=WARNING_AFR, critical=FAILED_AFR, unit="%")
ARRAY_STATES: Final = ["clean", "checking", "resyncing", "recovering", "reshaping", "degraded", "failed", "inactive"]


class SmartStatus(StrEnum):
    """Whether SMART can be read on this machine."""

    OK = "ok"
    NO_DISKS = "no_disks"  # the reader runs, but finds no disk it can read
    VIRTUAL = "virtual"  # every disk is a hypervisor's: their health lives on the hypervisor
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
    reader: str | None = None  # "smartctl" or "kernel"
    reason: str = ""  # why that reader
    fixes: Mapping[str, str] = field(default_factory=dict)  # path: what a container needs to read it

    @property
    def with_health_data(self) -> list[str]:
        """The disks that give health data (SMART or eMMC's own), by key."""
        return [key for key, state in self.disks.items() if state.reading.health_data in WITH_HEALTH_DATA]


@dataclass(frozen=True, slots=True)
class ReaderChoice:
    """The SMART reader an entry uses, and why."""

    reader: SmartReader | KernelSmartReader | None
    name: str | None
    reason: str


def choose_reader(wanted: str, smartctl: str | None, kernel: KernelSmartReader) -> ReaderChoice:
    """The reader: smartctl where it is installed (``auto``), else the kernel reader; ``wanted`` forces either."""
    if wanted == "kernel":
        return ReaderChoice(kernel, "kernel", "the kernel reader is chosen in the Disks entry")
    if smartctl:
        reason = "smartctl is chosen in the Disks entry" if wanted == "smartctl" else f"smartctl is at {smartctl}"
        return ReaderChoice(SmartReader(smartctl, timeout=world.SMARTCTL_TIMEOUT), "smartctl", reason)
    if wanted == "smartctl":
        return ReaderChoice(None, None, "smartctl is chosen in the Disks entry, and is not installed")
    return ReaderChoice(kernel, "kernel", "smartctl is not installed: the kernel reader reads the disks")


def find_smartctl(configured: str | None) -> str | None:
    """The smartctl to run: the configured one, else the first one installed."""
    if configured:
        return configured
    return find_program(world.SMARTCTL_SEARCH)


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
        self.choice = ReaderChoice(None, None, "not chosen yet")
        self.kernel_reader = KernelSmartReader(world.SYSFS_ROOT, world.DEV_ROOT)
        # The Health options' SMART prediction limits.
        limit = thresholds(config_entry.options, {"failure_rate": FAILURE_RATE})["failure_rate"]
        self.failure_rate_limits = (limit.warning, limit.critical)
        self._unreadable_logged: set[str] = set()

    @property
    def reader(self) -> SmartReader | KernelSmartReader | None:
        """The reader that runs."""
        return self.choice.reader

    async def async_find_smartctl(self) -> None:
        """Look for smartctl (file system calls: in the executor) and choose the reader."""
        configured = self.config_entry.data.get(CONF_SMARTCTL)
        self.smartctl = await self.hass.async_add_executor_job(find_smartctl, configured)
        wanted = self.config_entry.data.get(CONF_SMART_READER) or "auto"
        self.choice = choose_reader(wanted, self.smartctl, self.kernel_reader)

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """The entry's Disks device for "", a disk's own device for its key."""
        if not object_key:
            return self.device_info
        state = self.data.disks.get(object_key) if self.data is not None else None
        reading = state.reading if state is not None else None
        return under_hub(self.config_entry, self.hub_device_id, object_key, disk_device(reading, object_key))

    async def _async_cycle(self, wanted: frozenset[DiskCategory]) -> SmartSnapshot:
        snapshot = await self.hass.async_add_executor_job(self._collect, self.data)
        self._raise_or_clear_issues(snapshot)
        for path, why in snapshot.unreadable.items():
            if path not in self._unreadable_logged:
                self.logger.warning("%s: cannot read SMART of %s: %s", self.name, path, why)
        for path in self._unreadable_logged - set(snapshot.unreadable):
            self.logger.info("%s: reading SMART of %s again", self.name, path)
        self._unreadable_logged = set(snapshot.unreadable)
        return snapshot

    def _collect(self, previous: SmartSnapshot | None) -> SmartSnapshot:
        """Scan, then read each disk; a sleeping disk keeps its last values."""
        choice = self.choice
        if choice.reader is None:
            return SmartSnapshot(SmartStatus.SMARTCTL_MISSING, None, reason=choice.reason)
        try:
            entries = choice.reader.scan()
        except SmartctlError as err:
            refused = {SmartctlMissing: SmartStatus.SMARTCTL_MISSING, SmartctlNotPermitted: SmartStatus.NOT_PERMITTED}
            why = {} if type(err) in refused else {"scan": str(err)}
            return SmartSnapshot(
                refused.get(type(err), SmartStatus.NO_DISKS), self.smartctl, {}, why, choice.name, choice.reason
            )
        last_by_path = {s.entry.path: s for s in previous.disks.values()} if previous is not None else {}
        disks: dict[str, DiskState] = {}
        unreadable: dict[str, str] = {}
        fixes: dict[str, str] = {}
        denied = 0
        now = dt_util.utcnow()
        for entry in entries:
            try:
                reading = choice.reader.read(entry)
            except SmartctlNotPermitted as err:
                denied += 1
                unreadable[entry.path] = str(err)
                if isinstance(err, KernelNotPermitted):
                    fixes[entry.path] = err.fix
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
        healthy = [s for s in disks.values() if s.reading.health_data in WITH_HEALTH_DATA]
        if denied and not healthy:
            status = SmartStatus.NOT_PERMITTED
        elif healthy:
            status = SmartStatus.OK
        elif disks and all(s.reading.health_data is HealthData.VIRTUAL for s in disks.values()):
            status = SmartStatus.VIRTUAL
        else:
            status = SmartStatus.NO_DISKS
        return SmartSnapshot(status, self.smartctl, disks, unreadable, choice.name, choice.reason, fixes)

    def _raise_or_clear_issues(self, snapshot: SmartSnapshot) -> None:
        """A repair issue while smartctl is missing or may not open the disks; none once it works.

        The kernel reader's says, disk by disk, what a container must be given:
        it is raised for any disk it may not read, even while others are read.
        """
        status = snapshot.status
        wanted: dict[str, dict[str, str]] = {}
        if status is SmartStatus.SMARTCTL_MISSING:
            wanted[ISSUE_MISSING] = {"smartctl": self.smartctl or "smartctl"}
        if status is SmartStatus.NOT_PERMITTED and not snapshot.fixes:
            wanted[ISSUE_NOT_PERMITTED] = {"smartctl": self.smartctl or "smartctl"}
        if snapshot.fixes:
            lines = "\n".join(f"- `{path}`: `{fix}`" for path, fix in sorted(snapshot.fixes.items()))
            wanted[ISSUE_KERNEL_NOT_PERMITTED] = {"fixes": lines}
        for issue in (ISSUE_MISSING, ISSUE_NOT_PERMITTED, ISSUE_KERNEL_NOT_PERMITTED):
            issue_id = f"{issue}_{self.config_entry.entry_id}"
            if issue in wanted:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=issue,
                    translation_placeholders=wanted[issue],
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
        return await self.hass.async_add_executor_job(read_arrays, world.PROCFS_ROOT, world.SYSFS_ROOT)


@dataclass(slots=True)
class DiskCoordinators:
    """The three coordinators of a Disks entry."""

    smart: SmartCoordinator
    raid: RaidCoordinator
    pools: PoolCoordinator

    def removable(self, device: dr.DeviceEntry) -> bool:
        """A disk's, array's or pool's device may be deleted once the machine no longer has it."""
        present = set(self.smart.data.disks if self.smart.data else ()) | set(self.raid.data or ())
        present |= self.pools.data.keys if self.pools.data else set()
        return gone(self.smart.config_entry, device, present)


def gone(entry: ConfigEntry, device: dr.DeviceEntry, present: set[str]) -> bool:
    """Whether ``device`` is one of the entry's objects (``under_hub``) and none of them is ``present``."""
    prefix = f"{entry.unique_id}_"
    keys = {i.removeprefix(prefix) for d, i in device.identifiers if d == DOMAIN and i.startswith(prefix)}
    return bool(keys) and not keys & present


async def async_setup_disks(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device_info: DeviceInfo
) -> DiskCoordinators:
    """Create and first-refresh the coordinators; a missing smartctl stops neither RAID nor the pools."""
    coordinators = DiskCoordinators(
        SmartCoordinator(hass, entry, device_info),
        RaidCoordinator(hass, entry, device_info),
        PoolCoordinator(hass, entry, device_info),
    )
    hub = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **device_info)
    for coordinator in (coordinators.smart, coordinators.raid, coordinators.pools):
        coordinator.hub_device_id = hub.id
    await coordinators.smart.async_find_smartctl()
    await coordinators.raid.async_config_entry_first_refresh()
    await coordinators.pools.async_config_entry_first_refresh()
    await coordinators.smart.async_config_entry_first_refresh()
    return coordinators
