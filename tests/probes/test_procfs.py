"""procfs readers: recorded kernel texts, and psutil on this machine as the reference."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from custom_components.homesentry.probes.host import Category, HostProbe
from custom_components.homesentry.probes.procfs import (
    count_processes,
    parse_meminfo,
    parse_stat,
    read_cpu_frequency,
    read_meminfo,
    read_stat,
)

from ..sysfs_tree import write

# /proc/stat of a 2-core guest (Linux 6.x): a guest's time is part of user.
STAT = """cpu  1000 20 300 5000 100 10 5 7 200 0
cpu0 500 10 150 2500 50 5 3 4 100 0
cpu1 500 10 150 2500 50 5 2 3 100 0
intr 123456 0 9 0 0 0 0 0 0 0 0 0 0 0 0 0 0
ctxt 987654
btime 1795446957
processes 4321
procs_running 1
procs_blocked 0
"""

# /proc/meminfo from a Debian 12 server (abridged).
MEMINFO = """MemTotal:       16310572 kB
MemFree:          824332 kB
MemAvailable:   11953704 kB
Buffers:          523016 kB
Cached:         10039532 kB
SwapCached:          712 kB
Active:          6172748 kB
SReclaimable:     611548 kB
SwapTotal:       4194300 kB
SwapFree:        4186876 kB
HugePages_Total:       0
"""


def test_parse_stat() -> None:
    stat = parse_stat(STAT)
    # total = all fields - guest - guest_nice; busy = total - idle - iowait
    assert (stat.cpu.total, stat.cpu.busy) == (6442, 1342)
    assert [(c.total, c.busy) for c in stat.cores] == [(3222, 672), (3220, 670)]
    assert stat.boot_time == 1795446957
    with pytest.raises(ValueError, match="btime"):
        parse_stat("cpu  1 2 3 4\n")


def test_parse_meminfo() -> None:
    info = parse_meminfo(MEMINFO)
    assert (info.total, info.available) == (16310572 * 1024, 11953704 * 1024)
    assert (info.swap_total, info.swap_free) == (4194300 * 1024, 4186876 * 1024)


def test_meminfo_without_memavailable_and_lxc_values() -> None:
    # Kernels before 3.14: free + buffers + cached + reclaimable slab.
    old = parse_meminfo(MEMINFO.replace("MemAvailable:   11953704 kB\n", ""))
    assert old.available == (824332 + 523016 + 10039532 + 611548) * 1024
    # LXC can report an available above total: free is used instead.
    lxc = parse_meminfo(MEMINFO.replace("11953704", "99999999"))
    assert lxc.available == 824332 * 1024


def test_against_psutil_on_this_machine() -> None:
    info = read_meminfo(Path("/proc"))
    memory = psutil.virtual_memory()
    assert info.total == memory.total
    assert abs(info.available - memory.available) < 64 * 1024**2
    swap = psutil.swap_memory()
    assert (info.swap_total, info.swap_total - info.swap_free) == (swap.total, swap.used)
    stat = read_stat(Path("/proc"))
    assert stat.boot_time == int(psutil.boot_time())
    assert len(stat.cores) == psutil.cpu_count()
    ticks = os.sysconf("SC_CLK_TCK")
    idle = psutil.cpu_times().idle
    assert (stat.cpu.total - stat.cpu.busy) / ticks >= idle - 5
    assert abs(count_processes(Path("/proc")) - len(psutil.pids())) <= 10


def test_cpu_frequency_from_cpufreq_policies(tmp_path: Path) -> None:
    sysfs = tmp_path / "sys"
    for policy, khz in (("policy0", 3_400_000), ("policy4", 1_800_000)):
        write(sysfs / "devices" / "system" / "cpu" / "cpufreq" / policy / "scaling_cur_freq", khz)
    assert read_cpu_frequency(sysfs, tmp_path / "proc") == 2600.0
    write(sysfs / "devices" / "system" / "cpu" / "cpufreq" / "policy0" / "scaling_cur_freq", 1_000_000)
    probe = HostProbe(sysfs_root=sysfs, procfs_root=tmp_path / "proc")
    assert probe.collect({Category.CPU_FREQUENCY}).cpu_frequency_mhz == 1400.0
    # Live: a policy's frequency changes, the next cycle shows it.
    write(sysfs / "devices" / "system" / "cpu" / "cpufreq" / "policy4" / "scaling_cur_freq", 3_000_000)
    assert probe.collect({Category.CPU_FREQUENCY}).cpu_frequency_mhz == 2000.0


def test_cpu_frequency_from_cpuinfo_read_once(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    write(proc / "cpuinfo", "processor\t: 0\ncpu MHz\t\t: 2445.424\nprocessor\t: 1\ncpu MHz\t\t: 2445.426\n")
    probe = HostProbe(sysfs_root=tmp_path / "sys", procfs_root=proc)
    assert probe.collect({Category.CPU_FREQUENCY}).cpu_frequency_mhz == 2445.4
    (proc / "cpuinfo").unlink()  # no cpufreq driver: the nominal value is not read again
    assert probe.collect({Category.CPU_FREQUENCY}).cpu_frequency_mhz == 2445.4
    assert read_cpu_frequency(tmp_path / "sys", proc) is None
    write(proc / "cpuinfo", "processor\t: 0\nBogoMIPS\t: 108.00\n")  # ARM: no MHz line
    assert read_cpu_frequency(tmp_path / "sys", proc) is None


def test_real_machine_frequency() -> None:
    frequency = read_cpu_frequency(Path("/sys"), Path("/proc"))
    reference = psutil.cpu_freq()
    if reference is None:
        assert frequency is None
    else:
        assert frequency == pytest.approx(reference.current, rel=0.25)
