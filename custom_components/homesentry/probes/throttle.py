"""CPU thermal-throttle event counters (Linux ``thermal_throttle``)."""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import re

from .sysfs import read_int, read_raw_int

_CPU_RE = re.compile(r"^cpu\d+$")


@dataclass(frozen=True, slots=True)
class ThrottleCounts:
    """Throttle events since boot: per-core events summed over all cores,
    package events summed over physical packages (each package counted once,
    although every core of it exposes the same counter).
    """

    core_events: int
    package_events: int

    @property
    def total(self) -> int:
        """All throttle events since boot."""
        return self.core_events + self.package_events


@dataclass(frozen=True, slots=True)
class ThrottleFiles:
    """Where one CPU's counters are, and which physical package it is in."""

    core: str
    package: str
    package_id: int


def find_throttle_files(sysfs_root: Path) -> list[ThrottleFiles]:
    """The counter files of every CPU that has them (none on VMs and ARM)."""
    cpus = sysfs_root / "devices" / "system" / "cpu"
    try:
        names = os.listdir(cpus)
    except FileNotFoundError, NotADirectoryError:
        return []
    files = []
    for name in sorted(n for n in names if _CPU_RE.match(n)):
        throttle = cpus / name / "thermal_throttle"
        if (throttle / "core_throttle_count").exists():
            package_id = read_int(cpus / name / "topology" / "physical_package_id") or 0
            files.append(
                ThrottleFiles(
                    core=str(throttle / "core_throttle_count"),
                    package=str(throttle / "package_throttle_count"),
                    package_id=package_id,
                )
            )
    return files


def read_throttle(sysfs_root: Path, files: list[ThrottleFiles] | None = None) -> ThrottleCounts | None:
    """Return throttle counters, or None when the kernel exposes none.

    ``files`` are the counter files found earlier (found now if not given).
    """
    core_events = 0
    packages: dict[int, int] = {}
    found = False
    for cpu in find_throttle_files(sysfs_root) if files is None else files:
        core = read_raw_int(cpu.core)
        if core is None:
            continue
        found = True
        core_events += core
        package = read_raw_int(cpu.package)
        if package is not None:
            packages[cpu.package_id] = max(packages.get(cpu.package_id, 0), package)
    if not found:
        return None
    return ThrottleCounts(core_events=core_events, package_events=sum(packages.values()))
