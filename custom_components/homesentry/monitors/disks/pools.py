"""Storage pools of the Disks monitor: ZFS pools and btrfs filesystems, each a device of its own.

One coordinator reads both, every RAID interval:

- ZFS: the kernel's ``/proc/spl/kstat/zfs/<pool>/state`` on every cycle (no
  command); ``zpool list`` and ``zpool status`` only while an entity wants
  more than the state and the kernel names a pool (a machine without ZFS
  never runs it);
- btrfs: sysfs and ``/proc/mounts`` (no command); ``btrfs scrub status``
  only while the last-scrub entities are enabled and btrfs-progs is here.

A command that fails or hangs (each has a time limit) costs what it reads,
logged once; the pools' states keep coming from the kernel. A Remote
server's pools come from its scrapes (``monitors/remote/pools.py``) into the
same snapshot and entities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
import os
from typing import TYPE_CHECKING, Final, override

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ... import world
from ...coordinator import SubscribingCoordinator
from ...probes.btrfs import BtrfsFilesystem, read_filesystems, read_scrub
from ...probes.zfs import ZfsPool, ZpoolError, ZpoolReader, read_states, run
from .options import DisksOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

ZFS_PREFIX: Final = "zfs_"
BTRFS_PREFIX: Final = "btrfs_"


class PoolCategory(StrEnum):
    """What the pools coordinator reads."""

    POOLS = "pools"  # kernel files: every pool's state, every btrfs filesystem
    ZPOOL = "zpool"  # the zpool command: capacity, vdevs, scrubs
    BTRFS_SCRUB = "btrfs_scrub"  # the btrfs command: the last scrub


@dataclass(frozen=True, slots=True)
class PoolSnapshot:
    """Every pool of the machine, keyed ``zfs_<name>`` and ``btrfs_<uuid>``."""

    zfs: Mapping[str, ZfsPool] = field(default_factory=dict)
    btrfs: Mapping[str, BtrfsFilesystem] = field(default_factory=dict)
    scrub_overdue_days: float = 35
    at: datetime = field(default_factory=dt_util.utcnow)  # when it was read: a scrub's age is counted from here
    failing: Mapping[PoolCategory, str] = field(default_factory=dict)  # why a command said nothing this cycle
    collected: frozenset[PoolCategory] = frozenset()  # what this cycle asked for
    zpool: str | None = None  # the zpool that runs (None: not installed, or no pool to ask of)

    def pool(self, key: str) -> ZfsPool | None:
        """The ZFS pool of an object key."""
        return self.zfs.get(key.removeprefix(ZFS_PREFIX)) if key.startswith(ZFS_PREFIX) else None

    def filesystem(self, key: str) -> BtrfsFilesystem | None:
        """The btrfs filesystem of an object key."""
        return self.btrfs.get(key.removeprefix(BTRFS_PREFIX)) if key.startswith(BTRFS_PREFIX) else None

    @property
    def keys(self) -> set[str]:
        """Every pool's object key."""
        return {ZFS_PREFIX + name for name in self.zfs} | {BTRFS_PREFIX + uuid for uuid in self.btrfs}


def pool_device(snapshot: PoolSnapshot | None, key: str, prefix: str = "") -> DeviceInfo:
    """What a pool's device says of it: "ZFS tank" or "btrfs data" (after ``prefix``)."""
    if key.startswith(ZFS_PREFIX):
        return DeviceInfo(name=f"{prefix}ZFS {key.removeprefix(ZFS_PREFIX)}", manufacturer="OpenZFS", model="pool")
    filesystem = snapshot.filesystem(key) if snapshot is not None else None
    name = filesystem.name if filesystem is not None else key.removeprefix(BTRFS_PREFIX)[:8]
    return DeviceInfo(name=f"{prefix}btrfs {name}", manufacturer="Linux btrfs", model="filesystem")


def find_program(search: tuple[str, ...]) -> str | None:
    """The first of ``search`` this process may run."""
    return next((path for path in search if os.access(path, os.X_OK)), None)


class PoolCoordinator(SubscribingCoordinator[PoolSnapshot, PoolCategory]):
    """Reads the machine's ZFS pools and btrfs filesystems."""

    all_categories = frozenset(PoolCategory)

    hub_device_id: str | None = None

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's RAID interval and scrub limit."""
        options = DisksOptions.of(config_entry.options)
        super().__init__(hass, config_entry, f"pools {config_entry.title}", options.raid_interval, device_info)
        self.scrub_overdue_days = options.scrub_overdue_days
        self.reader: ZpoolReader | None = None
        self.zpool: str | None = None

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """A pool's own device."""
        from .coordinator import under_hub  # noqa: PLC0415  (coordinator.py sets this module's coordinator up)

        return under_hub(self.config_entry, self.hub_device_id, object_key, pool_device(self.data, object_key))

    async def _async_cycle(self, wanted: frozenset[PoolCategory]) -> PoolSnapshot:
        return await self.hass.async_add_executor_job(self._collect, wanted)

    @override
    def failures_in(self, data: PoolSnapshot) -> tuple[Mapping[PoolCategory, str], frozenset[PoolCategory]]:
        """A command that failed or hung: its entities are unavailable, and it is logged once."""
        return data.failing, data.collected

    def _collect(self, wanted: frozenset[PoolCategory]) -> PoolSnapshot:
        """The kernel's files; a command only where wanted, installed, and with a pool to ask of.

        Without zpool (Home Assistant's Container on a ZFS host sees the host's
        kstat but has no zpool) a pool shows its state alone; without btrfs-progs
        a filesystem shows no scrub. Neither is a failure: those entities are not made.
        """
        failing: dict[PoolCategory, str] = {}
        states = read_states(world.PROCFS_ROOT)
        zfs = {name: ZfsPool(name, state) for name, state in states.items()}
        zpool = None
        if states and PoolCategory.ZPOOL in wanted:
            if self.reader is None and (found := find_program(world.ZPOOL_SEARCH)) is not None:
                self.reader = ZpoolReader(run(found, world.POOL_COMMAND_TIMEOUT))
                self.zpool = found
            if self.reader is not None:
                zpool = self.zpool
                try:
                    zfs |= {name: pool for name, pool in self.reader.read(states).items() if name in states}
                except ZpoolError as err:
                    failing[PoolCategory.ZPOOL] = str(err)
        btrfs = read_filesystems(world.SYSFS_ROOT, world.PROCFS_ROOT)
        if btrfs and PoolCategory.BTRFS_SCRUB in wanted:
            btrfs = self._with_scrubs(btrfs, failing)
        return PoolSnapshot(zfs, btrfs, self.scrub_overdue_days, dt_util.utcnow(), failing, wanted, zpool)

    def _with_scrubs(
        self, filesystems: Mapping[str, BtrfsFilesystem], failing: dict[PoolCategory, str]
    ) -> dict[str, BtrfsFilesystem]:
        program = find_program(world.BTRFS_SEARCH)
        if program is None:
            return dict(filesystems)
        result: dict[str, BtrfsFilesystem] = {}
        for uuid, filesystem in filesystems.items():
            if filesystem.mountpoint is None:
                result[uuid] = filesystem
                continue
            try:
                scrub = read_scrub(program, filesystem.mountpoint, world.POOL_COMMAND_TIMEOUT)
            except OSError as err:
                failing[PoolCategory.BTRFS_SCRUB] = str(err)
                result[uuid] = filesystem
                continue
            result[uuid] = replace(filesystem, scrub=scrub, scrub_known=True)
        return result
