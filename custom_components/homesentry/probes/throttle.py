"""CPU thermal-throttle event counters (Linux ``thermal_throttle``)."""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import re

from .sysfs import read_int

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


def read_throttle(sysfs_root: Path) -> ThrottleCounts | None:
    """Return throttle counters, or None when the kernel exposes none."""
    cpus = sysfs_root / "devices" / "system" / "cpu"
    try:
        names = os.listdir(cpus)
    except FileNotFoundError, NotADirectoryError:
        return None
    core_events = 0
    packages: dict[int, int] = {}
    found = False
    for name in names:
        if not _CPU_RE.match(name):
            continue
        throttle = cpus / name / "thermal_throttle"
        core = read_int(throttle / "core_throttle_count")
        if core is None:
            continue
        found = True
        core_events += core
        package = read_int(throttle / "package_throttle_count")
        if package is not None:
            package_id = read_int(cpus / name / "topology" / "physical_package_id") or 0
            packages[package_id] = max(packages.get(package_id, 0), package)
    if not found:
        return None
    return ThrottleCounts(core_events=core_events, package_events=sum(packages.values()))
