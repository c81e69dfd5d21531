"""Disk I/O of physical disks from ``/proc/diskstats``.

The kernel counts, per block device since boot, sectors read and written (in
512-byte units whatever the disk's sector size) and the milliseconds the
device had I/O in flight (``io_ticks``). Rates are their change over a cycle;
busy % is the share of the cycle the disk was doing I/O, as iostat's %util.
Physical disks are those with a ``device`` link in ``/sys/block``: not loop,
ram, zram, md or device-mapper devices, nor partitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import os
from pathlib import Path
from typing import Final

SECTOR_BYTES: Final = 512


@dataclass(frozen=True, slots=True)
class DiskCounters:
    """One disk's cumulative counters."""

    read_sectors: int
    written_sectors: int
    io_ms: int


@dataclass(frozen=True, slots=True)
class DiskIoRate:
    """One disk's I/O over the last cycle."""

    read: float  # bytes per second
    written: float  # bytes per second
    busy: float  # percent of the cycle with I/O in flight


def physical_disks(sysfs_root: Path) -> list[str]:
    """Block devices backed by hardware (a ``device`` link), sorted."""
    block = sysfs_root / "block"
    try:
        names = os.listdir(block)
    except OSError:
        return []
    return sorted(name for name in names if os.path.exists(block / name / "device"))


def read_diskstats(procfs_root: Path, disks: list[str]) -> Mapping[str, DiskCounters]:
    """The counters of ``disks``; a malformed or missing line is left out."""
    wanted = set(disks)
    counters: dict[str, DiskCounters] = {}
    with open(procfs_root / "diskstats", encoding="ascii", errors="replace") as stats:
        for line in stats:
            fields = line.split()
            if len(fields) < 13 or fields[2] not in wanted:
                continue
            try:
                counters[fields[2]] = DiskCounters(int(fields[5]), int(fields[9]), int(fields[12]))
            except ValueError:
                continue
    return counters


def rates(
    previous: Mapping[str, DiskCounters], current: Mapping[str, DiskCounters], seconds: float
) -> dict[str, DiskIoRate]:
    """I/O per disk between two samples ``seconds`` apart; a counter that went back (a reset) gives nothing."""
    found: dict[str, DiskIoRate] = {}
    if seconds <= 0:
        return found
    for name, now in current.items():
        before = previous.get(name)
        if before is None or now.read_sectors < before.read_sectors or now.written_sectors < before.written_sectors:
            continue
        if now.io_ms < before.io_ms:
            continue
        found[name] = DiskIoRate(
            read=round((now.read_sectors - before.read_sectors) * SECTOR_BYTES / seconds, 1),
            written=round((now.written_sectors - before.written_sectors) * SECTOR_BYTES / seconds, 1),
            busy=round(min(100.0, (now.io_ms - before.io_ms) / (seconds * 10.0)), 1),
        )
    return found
