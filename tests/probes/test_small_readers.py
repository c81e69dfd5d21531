"""Battery, throttle, pressure and network counter readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.homesentry.probes.network import list_interfaces, physical_interfaces, read_counters
from custom_components.homesentry.probes.power_supply import read_batteries
from custom_components.homesentry.probes.pressure import parse_pressure, read_pressure
from custom_components.homesentry.probes.throttle import read_throttle

from ..sysfs_tree import SysfsTree, home_server, write


def test_battery_capacity_and_status(tmp_path: Path) -> None:
    home_server(tmp_path)
    batteries = read_batteries(tmp_path)
    assert list(batteries) == ["bat0"]  # the Mains supply is not a battery
    assert (batteries["bat0"].percent, batteries["bat0"].status) == (87.0, "Discharging")


def test_battery_from_energy_counters_and_absent_ones(tmp_path: Path) -> None:
    supplies = tmp_path / "class" / "power_supply"
    write(supplies / "BAT1" / "type", "Battery")
    write(supplies / "BAT1" / "energy_now", 30_000_000)
    write(supplies / "BAT1" / "energy_full", 40_000_000)
    write(supplies / "BAT2" / "type", "Battery")
    write(supplies / "BAT2" / "present", 0)
    write(supplies / "BAT3" / "type", "Battery")  # reports no level at all
    batteries = read_batteries(tmp_path)
    assert {k: b.percent for k, b in batteries.items()} == {"bat1": 75.0}
    assert read_batteries(tmp_path / "nothing") == {}


def test_throttle_counts_packages_once(tmp_path: Path) -> None:
    tree = SysfsTree(tmp_path)
    tree.throttle({0: (3, 7), 1: (2, 7)}, package=0)
    tree.throttle({2: (1, 4), 3: (0, 4)}, package=1)
    counts = read_throttle(tmp_path)
    assert counts is not None
    assert (counts.core_events, counts.package_events, counts.total) == (6, 11, 17)


def test_throttle_absent(tmp_path: Path) -> None:
    assert read_throttle(tmp_path) is None
    write(tmp_path / "devices" / "system" / "cpu" / "cpu0" / "topology" / "core_id", 0)
    assert read_throttle(tmp_path) is None


REAL_PSI = """some avg10=0.02 avg60=2.83 avg300=2.25 total=10534330
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
"""


def test_parse_pressure() -> None:
    reading = parse_pressure("cpu", REAL_PSI)
    assert reading is not None
    assert reading.some_avg60 == 2.83
    assert parse_pressure("cpu", "some avg10=0.02 total=1\n") is None
    assert parse_pressure("cpu", "some avg60=abc\n") is None
    assert parse_pressure("cpu", "") is None


def test_read_pressure_from_root(tmp_path: Path) -> None:
    write(tmp_path / "pressure" / "cpu", REAL_PSI.strip())
    write(tmp_path / "pressure" / "io", "garbage")
    assert {k: r.some_avg60 for k, r in read_pressure(tmp_path).items()} == {"cpu": 2.83}


@pytest.mark.skipif(not Path("/proc/pressure/cpu").exists(), reason="kernel without PSI")
def test_read_pressure_real_proc() -> None:
    readings = read_pressure(Path("/proc"))
    assert set(readings) == {"cpu", "memory", "io"}
    assert all(0 <= r.some_avg60 <= 100 for r in readings.values())


def test_physical_interfaces_and_counters(tmp_path: Path) -> None:
    home_server(tmp_path)
    assert list_interfaces(tmp_path) == ["docker0", "eth0", "lo", "veth1a2b3c"]
    assert physical_interfaces(tmp_path) == ["eth0"]
    counters = read_counters(tmp_path, ["eth0", "lo", "wlan9"])
    assert {n: (c.rx_bytes, c.tx_bytes) for n, c in counters.items()} == {"eth0": (10_000, 5_000), "lo": (999, 999)}
    assert list_interfaces(tmp_path / "nothing") == []


def test_real_machine_interfaces() -> None:
    # On this machine's real /sys loopback is never physical.
    assert "lo" in list_interfaces(Path("/sys"))
    assert "lo" not in physical_interfaces(Path("/sys"))
