"""Measured power: Intel/AMD RAPL, battery discharge, NVIDIA GPUs.

RAPL (``/sys/class/powercap/intel-rapl:*``; AMD Zen uses the same driver)
counts energy in microjoules per domain: package, core, uncore, dram, and
psys (the whole platform, on laptops and NUC-class machines). Power is the
counter's change over the time between two reads; a counter that passed its
``max_energy_range_uj`` wrapped and is unwrapped. Since Linux 5.10 the
counters are readable by root only (CVE-2020-8694, "Platypus"): a denied read
is reported, with the fix, instead of a number.

A battery that discharges (laptops, mini PCs with a battery) reports what it
gives the machine: ``power_now`` (µW), else ``current_now`` x ``voltage_now``.

NVIDIA GPUs are read through ``nvidia-smi`` (NVML's command-line face), so no
NVIDIA library is needed where there is no NVIDIA GPU.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import os
from pathlib import Path
import re
import subprocess
import time
from typing import Final

import psutil

from .diskstats import DiskCounters, physical_disks, rates as disk_rates, read_diskstats
from .procfs import read_stat

NVIDIA_SMI_TIMEOUT: Final = 10.0
TOP: Final = 5  # consumers listed
_RAPL_NAMES: Final = {"package": "package", "core": "core", "uncore": "uncore", "dram": "dram", "psys": "psys"}


@dataclass(frozen=True, slots=True)
class RaplDomain:
    """One RAPL energy counter."""

    key: str  # "package_0", "dram_0", "core_0", "psys"
    path: Path  # the counter file
    max_range_uj: int


@dataclass(frozen=True, slots=True)
class GpuPower:
    """One GPU's draw."""

    index: str
    name: str
    watts: float | None


@dataclass(frozen=True, slots=True)
class PowerReadings:
    """What the hardware measured this cycle, in watts."""

    rapl: Mapping[str, float] = field(default_factory=dict)
    rapl_denied: tuple[str, ...] = ()  # counter files this process may not read
    battery_watts: float | None = None  # drawn from the battery (None: on mains, or no battery)
    gpus: tuple[GpuPower, ...] = ()


def find_rapl(sysfs_root: Path) -> list[RaplDomain]:
    """The RAPL counters of the machine, named by kind and package (the MMIO twins are left out)."""
    powercap = sysfs_root / "class" / "powercap"
    try:
        zones = sorted(os.listdir(powercap))
    except OSError:
        return []
    domains: list[RaplDomain] = []
    for zone in zones:
        if not zone.startswith("intel-rapl:"):
            continue  # intel-rapl (the control type) and intel-rapl-mmio (a duplicate package counter)
        directory = powercap / zone
        try:
            name = (directory / "name").read_text().strip()
            max_range = int((directory / "max_energy_range_uj").read_text())
        except OSError, ValueError:
            continue
        kind = name.split("-", 1)[0]
        if kind not in _RAPL_NAMES:
            continue
        package = zone.split(":")[1]
        key = kind if kind == "psys" else f"{kind}_{package}"
        domains.append(RaplDomain(key, directory / "energy_uj", max_range))
    return domains


class RaplReader:
    """Power of each RAPL domain from two reads of its counter (the first read gives none)."""

    def __init__(self, domains: list[RaplDomain]) -> None:
        """Read these counters."""
        self.domains = domains
        self._last: dict[str, tuple[float, int]] = {}

    def read(self, now: float) -> tuple[dict[str, float], tuple[str, ...]]:
        """Watts per domain since the previous read at monotonic time ``now``, and the denied counters."""
        watts: dict[str, float] = {}
        denied: list[str] = []
        for domain in self.domains:
            try:
                energy = int(domain.path.read_text())
            except PermissionError:
                denied.append(str(domain.path))
                continue
            except OSError, ValueError:
                continue
            previous = self._last.get(domain.key)
            self._last[domain.key] = (now, energy)
            if previous is None or (seconds := now - previous[0]) <= 0:
                continue
            used = energy - previous[1]
            if used < 0:  # the counter wrapped at max_energy_range_uj
                used += domain.max_range_uj + 1
            watts[domain.key] = round(used / seconds / 1_000_000, 2)
        return watts, tuple(denied)


def read_battery_watts(sysfs_root: Path) -> float | None:
    """What the batteries give the machine while discharging, in watts; None when none discharges."""
    supplies = sysfs_root / "class" / "power_supply"
    try:
        names = sorted(os.listdir(supplies))
    except OSError:
        return None
    total: float | None = None
    for name in names:
        directory = supplies / name
        try:
            if (directory / "type").read_text().strip() != "Battery":
                continue
            if (directory / "status").read_text().strip() != "Discharging":
                continue
        except OSError:
            continue
        watts = _battery_power(directory)
        if watts is not None:
            total = (total or 0.0) + watts
    return None if total is None else round(total, 2)


def _battery_power(directory: Path) -> float | None:
    def number(name: str) -> int | None:
        try:
            return abs(int((directory / name).read_text()))
        except OSError, ValueError:
            return None

    if (power := number("power_now")) is not None:
        return power / 1_000_000
    current, voltage = number("current_now"), number("voltage_now")
    if current is not None and voltage is not None:
        return current * voltage / 1_000_000_000_000
    return None


def read_gpus(nvidia_smi: str | None) -> tuple[GpuPower, ...]:
    """Each NVIDIA GPU's draw from ``nvidia-smi``; nothing without one (or without nvidia-smi)."""
    if not nvidia_smi:
        return ()
    try:
        done = subprocess.run(
            [nvidia_smi, "--query-gpu=index,name,power.draw", "--format=csv,noheader,nounits"],
            capture_output=True,
            timeout=NVIDIA_SMI_TIMEOUT,
            check=False,
            text=True,
        )
    except OSError, subprocess.TimeoutExpired:
        return ()
    if done.returncode != 0:
        return ()
    gpus: list[GpuPower] = []
    for line in done.stdout.splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) < 3:
            continue
        try:
            watts: float | None = float(parts[-1])
        except ValueError:
            watts = None  # "[N/A]" on GPUs without a power sensor
        gpus.append(GpuPower(parts[0], ", ".join(parts[1:-1]), watts))
    return tuple(gpus)


_CONTAINER_ID = re.compile(r"(?:docker[-/]|/docker/|libpod-)([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class Consumer:
    """A process or a container and its share of the CPU time used in the interval (0-1)."""

    name: str
    share: float


@dataclass(frozen=True, slots=True)
class PowerSample:
    """One cycle of what power is estimated and measured from."""

    utilisation: float | None  # whole-machine CPU, 0-1 (None on the first cycle)
    hdd_busy: tuple[float, ...]  # each rotational disk's busy share, 0-1
    readings: PowerReadings
    processes: tuple[Consumer, ...] = ()
    containers: tuple[Consumer, ...] = ()


def container_of(procfs_root: Path, pid: int) -> str | None:
    """The Docker/Podman container id a process runs in (from its cgroup), if any."""
    try:
        text = (procfs_root / str(pid) / "cgroup").read_text()
    except OSError:
        return None
    match = _CONTAINER_ID.search(text)
    return match.group(1) if match else None


class PowerProbe:
    """Samples CPU, disks, RAPL, batteries, GPUs and (when asked) processes; one call per cycle."""

    def __init__(
        self,
        *,
        sysfs_root: Path,
        procfs_root: Path,
        nvidia_smi: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Read the machine under these roots."""
        self.sysfs_root = sysfs_root
        self.procfs_root = procfs_root
        self.nvidia_smi = nvidia_smi
        self._clock = clock
        self.rapl = RaplReader(find_rapl(sysfs_root))
        self._hdds = [d for d in physical_disks(sysfs_root) if _rotational(sysfs_root, d)]
        self._cpu: tuple[int, int] | None = None
        self._disks: tuple[float, Mapping[str, DiskCounters]] | None = None
        self._processes: dict[tuple[int, float], tuple[str, float]] = {}

    def sample(self, *, processes: bool) -> PowerSample:
        """One cycle's sample; ``processes`` adds the per-process and per-container shares."""
        now = self._clock()
        stat = read_stat(self.procfs_root).cpu
        utilisation = None
        if self._cpu is not None and stat.total > self._cpu[1]:
            utilisation = min(max((stat.busy - self._cpu[0]) / (stat.total - self._cpu[1]), 0.0), 1.0)
        self._cpu = (stat.busy, stat.total)
        hdd_busy: tuple[float, ...] = ()
        if self._hdds:
            counters = read_diskstats(self.procfs_root, self._hdds)
            if self._disks is not None:
                found = disk_rates(self._disks[1], counters, now - self._disks[0])
                hdd_busy = tuple(round(found[d].busy / 100, 3) for d in self._hdds if d in found)
            self._disks = (now, counters)
        watts, denied = self.rapl.read(now)
        readings = PowerReadings(watts, denied, read_battery_watts(self.sysfs_root), read_gpus(self.nvidia_smi))
        if not processes:
            return PowerSample(utilisation, hdd_busy, readings)
        top, containers = self._shares()
        return PowerSample(utilisation, hdd_busy, readings, top, containers)

    def _shares(self) -> tuple[tuple[Consumer, ...], tuple[Consumer, ...]]:
        """Each process's and container's share of the CPU seconds used since the last call."""
        current: dict[tuple[int, float], tuple[str, float]] = {}
        for process in psutil.process_iter(["name", "cpu_times", "create_time"]):
            info = process.info
            times = info.get("cpu_times")
            if times is None:
                continue
            current[(process.pid, info.get("create_time") or 0.0)] = (
                info.get("name") or "?",
                times.user + times.system,
            )
        previous, self._processes = self._processes, current
        used: dict[tuple[int, float], float] = {}
        for key, (_, seconds) in current.items():
            if key in previous and (delta := seconds - previous[key][1]) > 0:
                used[key] = delta
        total = sum(used.values())
        if not previous or total <= 0:
            return (), ()
        by_name: dict[str, float] = {}
        by_container: dict[str, float] = {}
        for key, seconds in used.items():
            name = current[key][0]
            by_name[name] = by_name.get(name, 0.0) + seconds
            if (container := container_of(self.procfs_root, key[0])) is not None:
                by_container[container] = by_container.get(container, 0.0) + seconds

        def ranked(usage: dict[str, float]) -> tuple[Consumer, ...]:
            top = sorted(usage.items(), key=lambda item: item[1], reverse=True)[:TOP]
            return tuple(Consumer(name, round(seconds / total, 4)) for name, seconds in top)

        return ranked(by_name), ranked(by_container)


def _rotational(sysfs_root: Path, disk: str) -> bool:
    try:
        return (sysfs_root / "block" / disk / "queue" / "rotational").read_text().strip() == "1"
    except OSError:
        return False
