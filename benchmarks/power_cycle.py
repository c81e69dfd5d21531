"""Server power: what one cycle costs.

Run from the repository root:  .venv/bin/python -m benchmarks.power_cycle

- the power probe's sample on this machine (real /proc: CPU, disks; a sysfs
  tree with four RAPL counters and a psys counter, as on an Intel desktop),
  without and with the per-process scan behind *Top power consumer*;
- the calibration step with a full one-day window (2880 samples).
"""

from __future__ import annotations

from pathlib import Path
import random
import shutil
import statistics
import tempfile
import time

from benchmarks.contained import contain
from custom_components.homesentry.probes.power import PowerProbe
from custom_components.homesentry.probes.power_model import Calibration
from tests.probes.test_power import rapl_tree

RUNS = 200


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def probe() -> None:
    root = Path(tempfile.mkdtemp(prefix="hs-bench-power-"))
    try:
        rapl_tree(root, {"package-0": 1, "psys": 1})
        for disk in (p.name for p in Path("/sys/block").iterdir() if (p / "device").exists()):
            (root / "block" / disk / "device").mkdir(parents=True)
            (root / "block" / disk / "queue").mkdir()
            (root / "block" / disk / "queue" / "rotational").write_text("1\n")
        power = PowerProbe(sysfs_root=root, procfs_root=Path("/proc"))
        for processes in (False, True):
            power.sample(processes=processes)
            cpus = []
            for _ in range(RUNS):
                start = time.process_time()
                power.sample(processes=processes)
                cpus.append(time.process_time() - start)
            label = "with the process scan" if processes else "CPU, disks, RAPL, battery"
            print(f"Power probe, {label}: {_median_ms(cpus):.3f} ms CPU (median of {RUNS})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def calibration() -> None:
    calibrator = Calibration()
    rng = random.Random(1)
    for _ in range(2880):
        u = rng.random()
        calibrator.add(u, 40 + 110 * u, 40 + 110 * u)
    cpus = []
    for _ in range(RUNS):
        u = rng.random()
        start = time.process_time()
        calibrator.add(u, 40 + 110 * u, 40 + 110 * u)
        cpus.append(time.process_time() - start)
    print(f"Calibration step, full day window: {_median_ms(cpus):.3f} ms CPU (median of {RUNS})")


if __name__ == "__main__":
    contain()
    probe()
    calibration()
