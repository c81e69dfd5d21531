"""CPU cost of one host poll cycle: HomeSentry versus Home Assistant's systemmonitor.

Both run in this one process against this machine's real /proc and /sys, N
cycles each, interleaved so both see the same machine state. CPU time is
``time.process_time()`` around the work one cycle does in the executor (plus,
for systemmonitor, the load/cpu_percent calls its coordinator makes in the
event loop).

Each side subscribes what its setup would really create on this machine:

- HomeSentry: the categories of its default-enabled entities that exist here,
  and those it explores: a category some description made no entity of (a
  sensor, fan or battery the machine lacks) is read every cycle, so one that
  appears later gets its entity within a cycle.
- systemmonitor, defaults: what it collects after setup with its defaults.
  It enables none of its entities, so after the first cycle it reads nothing.
- systemmonitor, equivalent: the same measurements subscribed (CPU %, load,
  memory, swap, battery, network throughput, CPU temperature and fans where
  present, and its disk usage of the mounts HomeSentry watches), which is
  what a user who enables those entities pays. This is the fair comparison.
- HomeSentry on a built home-server sysfs (8 temperatures, 2 fans, battery,
  throttle counters), to show what sensors cost where they exist.
- HomeSentry collecting only what systemmonitor's equivalent set measures
  (its defaults add process count, disk I/O, CPU frequency and last boot,
  which systemmonitor has no per-cycle counterpart of).

Run: .venv/bin/python benchmarks/host_poll.py [--cycles N] [--interval S]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import os
from pathlib import Path
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant.components.systemmonitor.coordinator import SystemMonitorCoordinator
from homeassistant.components.systemmonitor.util import read_cpu_temperature
from homeassistant.core import HomeAssistant
import psutil_home_assistant as ha_psutil
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks.contained import contain
from custom_components.homesentry.monitors.host.entities import HOST_BINARY_SENSORS, HOST_SENSORS
from custom_components.homesentry.probes.filesystems import list_mounts
from custom_components.homesentry.probes.host import ALL_CATEGORIES, Category, HostProbe
from custom_components.homesentry.probes.network import physical_interfaces
from tests.sysfs_tree import home_server

EQUIVALENT = ("cpu_percent", "load", "memory", "swap", "battery", "io_counters")


# What systemmonitor's equivalent set measures too (its last boot is read once, at setup).
SAME_AS_SYSTEMMONITOR = frozenset({
    Category.CPU, Category.LOAD, Category.MEMORY, Category.SWAP, Category.NETWORK, Category.FILESYSTEMS,
    Category.TEMPERATURES, Category.FANS, Category.BATTERY,
})  # fmt: skip


def homesentry_cycle(
    sysfs_root: Path = Path("/sys"), only: frozenset[Category] = ALL_CATEGORIES
) -> tuple[Callable[[], object], frozenset[Category]]:
    probe = HostProbe(sysfs_root=sysfs_root, interfaces=physical_interfaces(sysfs_root), sleep=time.sleep)
    first = probe.collect(ALL_CATEGORIES)  # setup's first cycle
    described = (*HOST_SENSORS, *HOST_BINARY_SENSORS)
    subscribed = {d.category for d in described if d.entity_registry_enabled_default and d.objects(first)}
    explored = {d.category for d in described if not d.objects(first)}  # no entity: read to find one
    categories = only & frozenset(subscribed | explored)
    return (lambda: probe.collect(categories)), categories


def systemmonitor_cycle(
    hass: HomeAssistant, subscribed: tuple[str, ...], disks: list[str] | None = None
) -> Callable[[], object]:
    entry = MockConfigEntry(domain="systemmonitor", options={})
    coordinator = SystemMonitorCoordinator(hass, entry, ha_psutil.PsutilWrapper(), arguments=disks or [])
    psutil = coordinator._psutil
    first = coordinator.update_data()  # setup's first cycle collects everything
    psutil.cpu_percent(interval=None)
    coordinator._initial_update = False
    if subscribed:
        present = ("temperatures",) if read_cpu_temperature(first["temperatures"]) is not None else ()
        subscribed += present + (("fan_speed",) if first["fan_speed"] else ())
    for name in subscribed:
        coordinator.update_subscribers[(name, "")].add(f"sensor.{name}")
    for path in disks or []:  # its disk usage sensors of the same mounts
        coordinator.update_subscribers[("disks", path)].add(f"sensor.disk_use_{path}")

    def cycle() -> object:
        data = coordinator.update_data()
        # What _async_update_data adds in the event loop.
        if coordinator.update_subscribers[("load", "")]:
            os.getloadavg()
        if coordinator.update_subscribers[("cpu_percent", "")]:
            psutil.cpu_percent(interval=None)
        return data

    return cycle


def _mountinfo_lines() -> int:
    return len(Path("/proc/self/mountinfo").read_text().splitlines())


def cpu_ms(cycle: Callable[[], object]) -> float:
    start = time.process_time()
    cycle()
    return (time.process_time() - start) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--interval", type=float, default=30.0, help="HomeSentry's default update interval (s)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as config_dir:
        hass = HomeAssistant(config_dir)
        ours, categories = homesentry_cycle()
        mounts = [mount.path for mount in list_mounts(Path("/proc/self/mountinfo"))]  # what HomeSentry watches
        built, built_categories = homesentry_cycle(home_server(Path(config_dir) / "sys").root)
        runs = {
            "homesentry (default entities)": ours,
            "systemmonitor (its defaults: none enabled)": systemmonitor_cycle(hass, ()),
            "systemmonitor (equivalent entities enabled)": systemmonitor_cycle(hass, EQUIVALENT, mounts),
            "homesentry on a built home-server sysfs": built,
            "homesentry (the same measurements as that)": homesentry_cycle(only=SAME_AS_SYSTEMMONITOR)[0],
        }
        samples: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.cycles):
            for name, cycle in runs.items():
                samples[name].append(cpu_ms(cycle))
        await hass.async_stop(force=True)

    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"host poll cycle, CPU time per cycle, median of {args.cycles} (this machine: {os.cpu_count()} cores)")
    for name, median in medians.items():
        p90 = statistics.quantiles(samples[name], n=10)[-1]
        print(f"  {name:46s} {median:7.3f} ms   (p90 {p90:.3f} ms)")
    ours = medians["homesentry (default entities)"]
    equivalent = medians["systemmonitor (equivalent entities enabled)"]
    same = medians["homesentry (the same measurements as that)"]
    print(f"ratio homesentry / systemmonitor (equivalent): {ours / equivalent:.2f}")
    print(f"ratio for the same measurements: {same / equivalent:.2f} "
          f"(HomeSentry's defaults add: {', '.join(sorted(categories - SAME_AS_SYSTEMMONITOR))})")  # fmt: skip
    print(f"homesentry categories here: {', '.join(sorted(categories))}")
    table = _mountinfo_lines()
    print(f"mounts: {len(mounts)} watched of {table} in mountinfo (systemmonitor reads the same {len(mounts)})")
    print(f"homesentry categories on the home server: {', '.join(sorted(built_categories))}")
    print(
        f"homesentry CPU at the default {args.interval:.0f} s interval: "
        f"{ours / (args.interval * 1000) * 100:.4f} % of one core"
    )


if __name__ == "__main__":
    contain()
    asyncio.run(main())
