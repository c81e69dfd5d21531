"""hwmon and thermal-zone reading from built sysfs trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.homesentry.probes.hwmon import cpu_temperature, read_hwmon

from ..sysfs_tree import SysfsTree, home_server, write


def test_home_server_every_sensor_of_every_chip(tmp_path: Path) -> None:
    readings = read_hwmon(home_server(tmp_path).root)
    temps = {key: (t.chip, t.label, t.celsius) for key, t in readings.temperatures.items()}
    assert temps == {
        "coretemp_package_id_0": ("coretemp", "Package id 0", 45.0),
        "coretemp_core_0": ("coretemp", "Core 0", 43.0),
        "coretemp_core_1": ("coretemp", "Core 1", 44.0),
        "nct6775_systin": ("nct6775", "SYSTIN", 33.0),
        "nct6775_cputin": ("nct6775", "CPUTIN", 38.5),
        "acpitz_temp1": ("acpitz", "temp1", 27.8),
        # Two chips with one name: told apart by their device, which is
        # stable across reboots (hwmonN numbering is not).
        "nvme_nvme01_composite": ("nvme", "Composite", 36.85),
        "nvme_nvme02_composite": ("nvme", "Composite", 36.85),
    }
    package = readings.temperatures["coretemp_package_id_0"]
    assert (package.high, package.critical) == (80.0, 100.0)
    assert readings.temperatures["acpitz_temp1"].critical == 119.0
    assert readings.temperatures["nct6775_systin"].high is None
    fans = {key: (f.label, f.rpm) for key, f in readings.fans.items()}
    assert fans == {"nct6775_fan1": ("fan1", 1205), "nct6775_fan2": ("fan2", 0)}
    assert readings.temperatures["nvme_nvme01_composite"].source == "nvme nvme01"
    assert readings.temperatures["coretemp_core_0"].source == "coretemp"
    assert readings.skipped == 0


@pytest.mark.parametrize(
    ("builders", "expected"),
    [
        (("intel_coretemp", "acpitz", "nct6775"), ("coretemp", "Package id 0")),
        (("amd_k10temp", "acpitz"), ("k10temp", "Tctl")),
        (("raspberry_pi",), ("cpu_thermal", "temp1")),
        (("acpitz", "nct6775"), ("acpitz", "temp1")),
        (("nct6775",), None),
    ],
)
def test_cpu_temperature_rule(tmp_path: Path, builders: tuple[str, ...], expected: tuple[str, str] | None) -> None:
    tree = SysfsTree(tmp_path)
    for builder in builders:
        getattr(tree, builder)()
    chosen = cpu_temperature(read_hwmon(tmp_path).temperatures)
    assert (None if chosen is None else (chosen.chip, chosen.label)) == expected


def test_amd_tdie_preferred_over_tctl(tmp_path: Path) -> None:
    # Ryzen 1000/2000 X models report Tctl with a +10/+20 degree offset and
    # the true die temperature as Tdie.
    SysfsTree(tmp_path).hwmon("k10temp", "pci0000:00/0000:00:18.3", {1: ("Tctl", 62000), 2: ("Tdie", 42000)})
    chosen = cpu_temperature(read_hwmon(tmp_path).temperatures)
    assert chosen is not None
    assert (chosen.label, chosen.celsius) == ("Tdie", 42.0)


def test_unreadable_sensor_is_skipped_and_counted(tmp_path: Path) -> None:
    tree = SysfsTree(tmp_path)
    attributes = tree.intel_coretemp()
    # A sensor whose read fails (EIO on real hardware) is left out, not fatal.
    (attributes / "temp2_input").unlink()
    (attributes / "temp2_input").mkdir()
    write(attributes / "temp3_input", "garbage")
    readings = read_hwmon(tmp_path)
    assert list(readings.temperatures) == ["coretemp_package_id_0"]
    assert readings.skipped == 2


def test_older_kernel_device_subdirectory(tmp_path: Path) -> None:
    SysfsTree(tmp_path).hwmon("it8728", "platform/it87.2608", {1: (None, 30000)}, {1: (None, 900)}, in_device_dir=True)
    readings = read_hwmon(tmp_path)
    assert readings.temperatures["it8728_temp1"].celsius == 30.0
    assert readings.fans["it8728_fan1"].rpm == 900


def test_thermal_zones_when_hwmon_has_no_temperature(tmp_path: Path) -> None:
    zone = tmp_path / "class" / "thermal" / "thermal_zone0"
    write(zone / "type", "x86_pkg_temp")
    write(zone / "temp", 51000)
    write(zone / "trip_point_0_type", "passive")
    write(zone / "trip_point_0_temp", 90000)
    write(zone / "trip_point_1_type", "critical")
    write(zone / "trip_point_1_temp", 105000)
    broken = tmp_path / "class" / "thermal" / "thermal_zone1"
    write(broken / "type", "acpitz")
    readings = read_hwmon(tmp_path)
    reading = readings.temperatures["x86_pkg_temp"]
    assert (reading.celsius, reading.critical) == (51.0, 105.0)
    assert readings.skipped == 1


def test_no_sensors_at_all(tmp_path: Path) -> None:
    readings = read_hwmon(tmp_path)
    assert (dict(readings.temperatures), dict(readings.fans)) == ({}, {})


def test_unlistable_hwmon_class_raises(tmp_path: Path) -> None:
    write(tmp_path / "class" / "hwmon", "not a directory")
    with pytest.raises(OSError, match="Not a directory"):
        read_hwmon(tmp_path)


def test_real_machine_agrees_with_psutil() -> None:
    # This machine's own /sys, read by psutil as the reference: the same
    # sensors (on a VM possibly none at all), at the same temperatures.
    import psutil

    ours = sorted((t.chip, t.celsius) for t in read_hwmon(Path("/sys")).temperatures.values())
    theirs = sorted((chip, t.current) for chip, temps in psutil.sensors_temperatures().items() for t in temps)
    assert [chip for chip, _ in ours] == [chip for chip, _ in theirs]
    for (_, mine), (_, reference) in zip(ours, theirs, strict=True):
        assert mine == pytest.approx(reference, abs=3)


def test_reader_finds_sensors_once_and_again_when_chips_go(tmp_path: Path) -> None:
    from custom_components.homesentry.probes.hwmon import HwmonReader

    tree = SysfsTree(tmp_path)
    attributes = tree.intel_coretemp()
    reader = HwmonReader(tmp_path)
    assert reader.read().temperatures["coretemp_package_id_0"].celsius == 45.0
    # Labels are read once; values every time.
    write(attributes / "temp1_label", "Renamed")
    write(attributes / "temp1_input", 61000)
    reading = reader.read().temperatures["coretemp_package_id_0"]
    assert (reading.label, reading.celsius) == ("Package id 0", 61.0)
    # The driver is unloaded: nothing reads, that is an error, and the next
    # read looks for sensors anew (and finds the new label).
    for name in ("temp1_input", "temp2_input", "temp3_input"):
        (attributes / name).rename(attributes / f"{name}.gone")
    with pytest.raises(OSError, match="none of the 3 sensors"):
        reader.read()
    for name in ("temp1_input", "temp2_input", "temp3_input"):
        (attributes / f"{name}.gone").rename(attributes / name)
    assert "coretemp_renamed" in reader.read().temperatures
