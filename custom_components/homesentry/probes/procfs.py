"""Readers of ``/proc`` (from a procfs root given as a parameter).

They read each file once for everything a cycle needs from it (``stat`` for
CPU times, per-core times and boot time; ``meminfo`` for memory and swap), and
define values as psutil 7 does (tests compare them with psutil on the real
machine), at a fraction of psutil's generic parsing cost.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import re

from .sysfs import read_all, read_raw_int


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """Busy and total time of one CPU (or all) in clock ticks since boot.

    Busy excludes idle and iowait; guest time is already part of user/nice,
    so it is not counted twice (as psutil and top count them).
    """

    busy: int
    total: int


@dataclass(frozen=True, slots=True)
class KernelStat:
    """What one read of ``/proc/stat`` gives."""

    cpu: CpuTimes
    cores: tuple[CpuTimes, ...]
    boot_time: int


def _cpu_times(fields: list[str]) -> CpuTimes:
    # user nice system idle iowait irq softirq steal guest guest_nice
    values = [int(v) for v in fields] + [0] * 10
    idle, iowait, guest, guest_nice = values[3], values[4], values[8], values[9]
    total = sum(values) - guest - guest_nice
    return CpuTimes(busy=total - idle - iowait, total=total)


def parse_stat(text: str) -> KernelStat:
    """Parse ``/proc/stat``; ValueError if it has no cpu or btime line."""
    cpu: CpuTimes | None = None
    cores: list[CpuTimes] = []
    boot_time: int | None = None
    for line in text.splitlines():
        name, _, rest = line.partition(" ")
        if name == "cpu":
            cpu = _cpu_times(rest.split())
        elif name.startswith("cpu"):
            cores.append(_cpu_times(rest.split()))
        elif name == "btime":
            boot_time = int(rest)
    if cpu is None or boot_time is None:
        raise ValueError("/proc/stat without cpu or btime line")
    return KernelStat(cpu=cpu, cores=tuple(cores), boot_time=boot_time)


def read_stat(procfs_root: Path) -> KernelStat:
    """Read and parse ``<procfs_root>/stat``."""
    return parse_stat(read_all(f"{procfs_root}/stat").decode("ascii"))


_MEMINFO_FIELDS = re.compile(
    r"^(MemTotal|MemFree|MemAvailable|Buffers|Cached|SReclaimable|SwapTotal|SwapFree):\s+(\d+)", re.MULTILINE
)


@dataclass(frozen=True, slots=True)
class MemoryInfo:
    """RAM and swap in bytes."""

    total: int
    available: int
    swap_total: int
    swap_free: int


def parse_meminfo(text: str) -> MemoryInfo:
    """Parse ``/proc/meminfo`` as psutil 7 does.

    Available is MemAvailable, or (kernels before 3.14, or a zero reading)
    free + buffers + cached + reclaimable slab; never above total (LXC
    containers can report host values).
    """
    kib = {key: int(value) for key, value in _MEMINFO_FIELDS.findall(text)}
    total = kib["MemTotal"] * 1024
    available = kib.get("MemAvailable", 0) * 1024
    if available == 0:
        available = sum(kib.get(k, 0) for k in ("MemFree", "Buffers", "Cached", "SReclaimable")) * 1024
    if available > total:
        available = kib.get("MemFree", 0) * 1024
    return MemoryInfo(
        total=total,
        available=max(available, 0),
        swap_total=kib.get("SwapTotal", 0) * 1024,
        swap_free=kib.get("SwapFree", 0) * 1024,
    )


def read_meminfo(procfs_root: Path) -> MemoryInfo:
    """Read and parse ``<procfs_root>/meminfo``."""
    return parse_meminfo(read_all(f"{procfs_root}/meminfo").decode("ascii"))


def count_processes(procfs_root: Path) -> int:
    """Number of processes (the numeric entries of procfs)."""
    return sum(1 for name in os.listdir(procfs_root) if name.isdigit())


_CPUINFO_MHZ = re.compile(r"^cpu MHz\s*:\s*([\d.]+)", re.MULTILINE)


def find_cpufreq_files(sysfs_root: Path) -> list[str]:
    """The current-frequency file of every cpufreq policy (none on most VMs)."""
    cpufreq = sysfs_root / "devices" / "system" / "cpu" / "cpufreq"
    try:
        policies = sorted(p for p in os.listdir(cpufreq) if p.startswith("policy"))
    except FileNotFoundError, NotADirectoryError:
        return []
    return [str(cpufreq / p / "scaling_cur_freq") for p in policies]


def read_cpu_frequency(sysfs_root: Path, procfs_root: Path, files: list[str] | None = None) -> float | None:
    """Mean current CPU frequency in MHz: cpufreq policies, else /proc/cpuinfo.

    ``files`` are the policy files found earlier (found now if not given).
    None where neither reports it (some ARM virtual machines).
    """
    policy_files = find_cpufreq_files(sysfs_root) if files is None else files
    khz = [v for path in policy_files if (v := read_raw_int(path)) is not None]
    if khz:
        return round(sum(khz) / len(khz) / 1000, 1)
    try:
        cpuinfo = (procfs_root / "cpuinfo").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    mhz = [float(m) for m in _CPUINFO_MHZ.findall(cpuinfo)]
    return round(sum(mhz) / len(mhz), 1) if mhz else None
