"""Disks: what a SMART cycle, a RAID cycle and disk I/O cost.

Run from the repository root:  .venv/bin/python -m benchmarks.disks_cycle

- SMART, HomeSentry's own share: parsing one disk's recorded `smartctl -a`
  output (pySMART, plus the prediction), with smartctl's run replaced by the
  recording already in memory. smartctl itself is a separate process; its cost
  is timed apart: the real Debian smartctl's `--scan` and one `-n standby -a`
  of a disk it cannot read here (this VM has no SMART disk), as child CPU time.
- RAID: one read of a real /proc/mdstat with three arrays plus their sysfs files.
- Disk I/O: the host probe's disk category alone (real /proc/diskstats).
- The kernel reader against smartctl (``--guest``): in the guest-kernel rig
  (tests/guest.py, QEMU under TCG: both run far slower than on hardware, the
  ratio is the figure), one read of the emulated NVMe and SATA drive by each,
  as wall time, smartctl's fork and pySMART's parsing included.
"""

from __future__ import annotations

import os
from pathlib import Path
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.contained import contain
from custom_components.homesentry.probes import smart
from custom_components.homesentry.probes.host import Category, HostProbe
from custom_components.homesentry.probes.mdraid import read_arrays
from custom_components.homesentry.probes.smart import ScanEntry, SmartReader
from custom_components.homesentry.probes.smart_health import predict

DATA = Path(__file__).parent.parent / "tests" / "data"
RUNS = 300
DISKS = {
    "ATA HDD (Seagate)": ("sat_hdd_0_issue70", ScanEntry("/dev/sg2", "sat"), "_-d_sat_--all__dev_sg2"),
    "NVMe (Samsung)": ("nvme_1_issue_37", ScanEntry("/dev/nvme0", "nvme"), "_-d_nvme_--all__dev_nvme0"),
    "SAS HDD (HGST)": ("sas_hdd_0_issue_51", ScanEntry("/dev/sdc", "scsi"), None),
}


class _InMemory(smart._Smartctl):
    """smartctl's answers from memory: what remains is HomeSentry's and pySMART's own work."""

    def __init__(self, recordings: Path) -> None:
        super().__init__("replay", 60.0)
        self.recordings = recordings

    def _exec(self, cmd: list[str]) -> tuple[list[str], int]:
        args = [a for a in cmd[1:] if a not in ("-n", "standby")]
        name = "_" + "_".join(args).replace("/", "_")
        path = self.recordings / name
        return (path.read_text().splitlines(), 0) if path.is_file() else ([], 1)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def smart_parse() -> None:
    for label, (directory, entry, _) in DISKS.items():
        recordings = DATA / "pysmart" / "singletests" / directory
        cpus = []
        for _ in range(RUNS):
            original = smart._Smartctl
            smart._Smartctl = lambda path, timeout, r=recordings: _InMemory(r)  # type: ignore[misc,assignment]
            try:
                start = time.process_time()
                reading = SmartReader("replay").read(entry)
                assert reading is not None
                predict(reading)
                cpus.append(time.process_time() - start)
            finally:
                smart._Smartctl = original  # type: ignore[misc]
        print(f"SMART parse + prediction, {label}: {_median_ms(cpus):.2f} ms CPU (median of {RUNS})")


def smartctl_itself() -> None:
    binary = shutil.which("smartctl")
    if binary is None:
        print("smartctl not installed: its own cost not measured")
        return
    for args in (["--scan"], ["-n", "standby", "-d", "sat", "-a", "/dev/vda"]):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        for _ in range(50):
            subprocess.run([binary, *args], capture_output=True, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 50
        wall_ms = (time.perf_counter() - wall) / 50 * 1000
        print(f"smartctl {' '.join(args)}: {cpu * 1000:.2f} ms CPU, {wall_ms:.2f} ms wall")


def raid() -> None:
    root = Path(tempfile.mkdtemp(prefix="hs-bench-md-"))
    try:
        (root / "proc").mkdir()
        shutil.copy(DATA / "mdstat" / "raid5_reshape_synology.txt", root / "proc" / "mdstat")
        for name in ("md0", "md1", "md2"):
            md = root / "sys" / "block" / name / "md"
            md.mkdir(parents=True)
            for attribute, value in (("array_state", "clean"), ("sync_action", "idle"), ("mismatch_cnt", "0")):
                (md / attribute).write_text(value + "\n")
        cpus = []
        for _ in range(RUNS):
            start = time.process_time()
            read_arrays(root / "proc", root / "sys")
            cpus.append(time.process_time() - start)
        print(f"RAID read (3 arrays, mdstat + sysfs): {_median_ms(cpus):.3f} ms CPU (median of {RUNS})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def disk_io() -> None:
    probe = HostProbe(sleep=lambda _: None)
    probe.collect([Category.DISK_IO])
    cpus = []
    for _ in range(RUNS):
        start = time.process_time()
        probe.collect([Category.DISK_IO])
        cpus.append(time.process_time() - start)
    disks = len(probe.collect([Category.DISK_IO]).disks)
    print(f"Disk I/O ({disks} disk(s), /proc/diskstats): {_median_ms(cpus):.3f} ms CPU (median of {RUNS})")


def kernel_vs_smartctl(runs: int = 15) -> None:
    """Boot the guest, time both readers on its drives, print each and the ratio."""
    import json

    from tests.guest import booted

    with tempfile.TemporaryDirectory() as folder, booted(Path(folder)) as guest:
        ran = guest.python("tests/guest_read.py", "--bench", str(runs), timeout=600)
    times = json.loads(ran.stdout)
    for drive, by_reader in times.items():
        kernel, smartctl = by_reader["kernel"], by_reader["smartctl"]
        print(f"{drive}: kernel reader {kernel:.1f} ms, smartctl {smartctl:.1f} ms a read "
              f"(ratio {kernel / smartctl:.3f}; medians of {runs}, in the TCG guest)")  # fmt: skip


if __name__ == "__main__":
    contain()
    print(f"pid {os.getpid()}")
    smart_parse()
    smartctl_itself()
    raid()
    disk_io()
    if "--guest" in sys.argv:
        kernel_vs_smartctl()
