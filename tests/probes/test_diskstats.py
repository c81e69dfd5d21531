"""Disk I/O from /proc/diskstats: the real one of this machine, and the arithmetic on known samples."""

from __future__ import annotations

import os
from pathlib import Path

from custom_components.homesentry.probes.diskstats import DiskCounters, physical_disks, rates, read_diskstats
from custom_components.homesentry.probes.host import Category, HostProbe

from ..sysfs_tree import write

# Two samples 10 s apart of a real /proc/diskstats (this VM's vda, a loop device and a partition).
BEFORE = """\
   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 174234 47474 9032810 103484 75655 175928 5387208 70460 0 25292 179686 54119 36 1323152 5123 10517 618
 254       1 vda1 170000 47000 9000000 100000 75000 175000 5380000 70000 0 25000 170000 0 0 0 0 0 0
"""
AFTER = """\
   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 174534 47474 9053290 103984 75955 175928 5489608 71460 0 27792 182186 54119 36 1323152 5123 10517 618
 254       1 vda1 170300 47000 9020480 100500 75300 175000 5482400 71000 0 27500 172500 0 0 0 0 0 0
 broken line
"""


def test_physical_disks_of_this_machine() -> None:
    disks = physical_disks(Path("/sys"))
    assert disks  # this VM has its virtio disk; loop and zram devices have no device link
    assert not any(d.startswith(("loop", "zram", "ram", "md", "dm-")) for d in disks)


def test_real_diskstats_count_a_real_write(tmp_path: Path) -> None:
    disks = physical_disks(Path("/sys"))
    before = read_diskstats(Path("/proc"), disks)
    assert set(before) == set(disks)
    path = tmp_path / "written"
    with path.open("wb") as file:
        file.write(os.urandom(4 << 20))
        file.flush()
        os.fsync(file.fileno())
    after = read_diskstats(Path("/proc"), disks)
    written = sum(a.written_sectors for a in after.values()) - sum(b.written_sectors for b in before.values())
    mounts = [line.split() for line in Path("/proc/self/mounts").read_text().splitlines()]
    fstype = max((m for m in mounts if str(tmp_path).startswith(m[1])), key=lambda m: len(m[1]))[2]
    if fstype in ("tmpfs", "overlay"):
        assert written >= 0  # the file never reached a disk of its own
    else:
        assert written >= (4 << 20) // 512  # the 4 MiB fsynced reached the disk


def test_rates_busy_and_resets(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    write(proc / "diskstats", BEFORE)
    first = read_diskstats(proc, ["vda", "sdb"])
    write(proc / "diskstats", AFTER)
    second = read_diskstats(proc, ["vda", "sdb"])
    assert set(first) == {"vda"}  # partitions and loop devices are not asked for; sdb is absent
    found = rates(first, second, 10.0)
    # 20480 sectors read, 102400 written, 2500 ms busy in 10 s
    assert (found["vda"].read, found["vda"].written, found["vda"].busy) == (1048576.0, 5242880.0, 25.0)
    assert rates(second, first, 10.0) == {}  # counters went back: the disk was reset, no rate
    assert rates(first, second, 0) == {}
    assert rates({"vda": DiskCounters(0, 0, 0)}, {"vda": DiskCounters(0, 0, 99_999)}, 1.0)["vda"].busy == 100.0


def test_host_probe_reports_disk_io_of_the_real_machine() -> None:
    clock = iter([100.0, 101.0, 131.0])
    probe = HostProbe(clock=lambda: next(clock), sleep=lambda _: None)
    snapshot = probe.collect([Category.DISK_IO])
    assert snapshot.disks == tuple(physical_disks(Path("/sys")))
    assert set(snapshot.disk_io) == set(snapshot.disks)  # primed: rates from the first cycle on
    assert all(rate.busy >= 0 and rate.read >= 0 for rate in snapshot.disk_io.values())
    assert probe.collect([Category.DISK_IO]).disk_io.keys() == snapshot.disk_io.keys()
