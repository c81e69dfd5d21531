"""Temperatures and fans from hwmon (and thermal zones where hwmon has none).

Reads ``<sysfs_root>/class/hwmon`` like lm-sensors and psutil do, but from a
root given as a parameter. Every sensor of every chip is returned (not just
the first one per chip), each with a key that is stable across reboots: hwmon
numbering is not, so keys are built from the chip name and its label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import os
from pathlib import Path
import re

from .sysfs import read_int, read_raw_int, read_text, slug

_TEMP_RE = re.compile(r"^temp(\d+)_input$")
_FAN_RE = re.compile(r"^fan(\d+)_input$")


@dataclass(frozen=True, slots=True)
class TemperatureReading:
    """One temperature sensor; ``source`` names its chip for people (the chip
    name, plus its device where two chips share a name).
    """

    key: str
    chip: str
    source: str
    label: str
    celsius: float
    high: float | None
    critical: float | None


@dataclass(frozen=True, slots=True)
class FanReading:
    """One fan tachometer; ``source`` as for temperatures."""

    key: str
    chip: str
    source: str
    label: str
    rpm: int


@dataclass(frozen=True, slots=True)
class HwmonReadings:
    """Everything hwmon reported in one read."""

    temperatures: Mapping[str, TemperatureReading]
    fans: Mapping[str, FanReading]
    skipped: int


@dataclass(frozen=True, slots=True)
class _Chip:
    name: str
    directories: tuple[Path, ...]
    ident: str
    source: str


def _chips(sysfs_root: Path) -> list[_Chip]:
    """List hwmon chips with a unique, reboot-stable identifier each.

    Raises OSError when the hwmon class directory exists but cannot be listed.
    """
    hwmon_dir = sysfs_root / "class" / "hwmon"
    if not hwmon_dir.exists():
        return []
    found: list[tuple[str, tuple[Path, ...], str]] = []
    for entry in sorted(os.listdir(hwmon_dir), key=_natural_key):
        base = hwmon_dir / entry
        name = read_text(base / "name") or entry
        # Older kernels keep the attributes in an intermediate device/ directory.
        directories = (base, base / "device")
        device = base / "device"
        device_id = os.path.basename(os.path.realpath(device)) if device.exists() else entry
        found.append((name, directories, device_id))
    counts: dict[str, int] = {}
    for name, _, _ in found:
        counts[name] = counts.get(name, 0) + 1
    return [
        _Chip(
            name=name,
            directories=directories,
            ident=slug(name) if counts[name] == 1 else slug(f"{name}_{device_id}"),
            source=name if counts[name] == 1 else f"{name} {device_id}",
        )
        for name, directories, device_id in found
    ]


def _natural_key(text: str) -> tuple[str, int]:
    match = re.match(r"^(\D*)(\d+)$", text)
    if match is None:
        return (text, -1)
    return (match.group(1), int(match.group(2)))


def _inputs(directories: Iterable[Path], pattern: re.Pattern[str]) -> list[tuple[Path, int]]:
    """Return (directory, index) of each ``*_input`` attribute matching pattern."""
    seen: set[int] = set()
    result: list[tuple[Path, int]] = []
    for directory in directories:
        try:
            names = os.listdir(directory)
        except FileNotFoundError, NotADirectoryError:
            continue
        for name in names:
            match = pattern.match(name)
            if match is not None and (index := int(match.group(1))) not in seen:
                seen.add(index)
                result.append((directory, index))
    return sorted(result, key=lambda item: item[1])


def _millidegrees(path: Path) -> float | None:
    value = read_int(path)
    return None if value is None else value / 1000.0


@dataclass(frozen=True, slots=True)
class _Input:
    """A discovered sensor: its static description and the file of its value."""

    key: str
    chip: str
    source: str
    label: str
    path: str
    high: float | None = None
    critical: float | None = None


@dataclass(frozen=True, slots=True)
class _Layout:
    temperatures: tuple[_Input, ...]
    fans: tuple[_Input, ...]
    thermal_zones: bool


def _discover(sysfs_root: Path) -> _Layout:
    """Find every sensor once.

    Names, labels and limits do not change while the machine runs, so each
    cycle only reads the value files.
    """
    temps: dict[str, _Input] = {}
    fans: dict[str, _Input] = {}
    for chip in _chips(sysfs_root):
        for directory, index in _inputs(chip.directories, _TEMP_RE):
            label = read_text(directory / f"temp{index}_label") or f"temp{index}"
            key = unique_key(f"{chip.ident}_{slug(label)}", temps)
            temps[key] = _Input(
                key=key,
                chip=chip.name,
                source=chip.source,
                label=label,
                path=str(directory / f"temp{index}_input"),
                high=_millidegrees(directory / f"temp{index}_max"),
                critical=_millidegrees(directory / f"temp{index}_crit"),
            )
        for directory, index in _inputs(chip.directories, _FAN_RE):
            label = read_text(directory / f"fan{index}_label") or f"fan{index}"
            key = unique_key(f"{chip.ident}_{slug(label)}", fans)
            fans[key] = _Input(
                key=key, chip=chip.name, source=chip.source, label=label, path=str(directory / f"fan{index}_input")
            )
    if temps:
        return _Layout(tuple(temps.values()), tuple(fans.values()), thermal_zones=False)
    return _Layout(_thermal_zones(sysfs_root), tuple(fans.values()), thermal_zones=True)


class HwmonReader:
    """Reads hwmon (or thermal zones) below a sysfs root, discovering once."""

    def __init__(self, sysfs_root: Path) -> None:
        """Read below ``sysfs_root``; nothing is touched until the first read."""
        self.sysfs_root = sysfs_root
        self._layout: _Layout | None = None

    def read(self, *, temperatures: bool = True, fans: bool = True) -> HwmonReadings:
        """Read the current values of every discovered sensor.

        A sensor whose value cannot be read (EIO is common) is skipped and
        counted. If sensors were found but none reads (the chips went away),
        the layout is found anew next time and OSError is raised now; an
        unlistable hwmon class directory raises OSError too.
        """
        if self._layout is None:
            self._layout = _discover(self.sysfs_root)
        layout = self._layout
        temps, skipped_temps = _read_values(layout.temperatures if temperatures else ())
        fan_values, skipped_fans = _read_values(layout.fans if fans else ())
        skipped = skipped_temps + skipped_fans
        temperature_readings = {
            sensor.key: TemperatureReading(
                key=sensor.key,
                chip=sensor.chip,
                source=sensor.source,
                label=sensor.label,
                celsius=value / 1000.0,
                high=sensor.high,
                critical=sensor.critical,
            )
            for sensor, value in temps
        }
        fan_readings = {
            sensor.key: FanReading(
                key=sensor.key, chip=sensor.chip, source=sensor.source, label=sensor.label, rpm=value
            )
            for sensor, value in fan_values
        }
        if skipped and not temperature_readings and not fan_readings:
            self._layout = None
            raise OSError(f"none of the {skipped} sensors below {self.sysfs_root} could be read")
        return HwmonReadings(temperatures=temperature_readings, fans=fan_readings, skipped=skipped)


def _read_values(sensors: Iterable[_Input]) -> tuple[list[tuple[_Input, int]], int]:
    """Each readable sensor with its raw value, and how many could not be read."""
    values: list[tuple[_Input, int]] = []
    skipped = 0
    for sensor in sensors:
        value = read_raw_int(sensor.path)
        if value is None:
            skipped += 1
        else:
            values.append((sensor, value))
    return values, skipped


def read_hwmon(sysfs_root: Path, *, fans: bool = True, temperatures: bool = True) -> HwmonReadings:
    """Discover and read every temperature and fan sensor below ``sysfs_root``."""
    return HwmonReader(sysfs_root).read(fans=fans, temperatures=temperatures)


def unique_key(key: str, taken: Mapping[str, object]) -> str:
    """``key``, or ``key_2``, ``key_3``... where it is taken already."""
    if key not in taken:
        return key
    suffix = 2
    while f"{key}_{suffix}" in taken:
        suffix += 1
    return f"{key}_{suffix}"


def _thermal_zones(sysfs_root: Path) -> tuple[_Input, ...]:
    """Fallback when hwmon has no temperature: ``class/thermal/thermal_zone*``."""
    thermal = sysfs_root / "class" / "thermal"
    zones_found: dict[str, _Input] = {}
    try:
        zones = sorted((z for z in os.listdir(thermal) if z.startswith("thermal_zone")), key=_natural_key)
    except FileNotFoundError, NotADirectoryError:
        return ()
    for zone in zones:
        base = thermal / zone
        name = read_text(base / "type") or zone
        critical: float | None = None
        for trip in range(16):
            trip_type = read_text(base / f"trip_point_{trip}_type")
            if trip_type is None:
                break
            if trip_type == "critical":
                critical = _millidegrees(base / f"trip_point_{trip}_temp")
        key = unique_key(slug(name), zones_found)
        zones_found[key] = _Input(
            key=key, chip=name, source=name, label=name, path=str(base / "temp"), critical=critical
        )
    return tuple(zones_found.values())


# Which sensor is "the CPU temperature": the first rule that matches wins.
# Intel: the package sensor (lowest package id); AMD: Tdie (true die
# temperature) before Tctl (control value, offset on some Ryzen models);
# ARM boards (Raspberry Pi and most SoCs): the cpu_thermal / soc zone; then
# the ACPI thermal zone; last resort: any core sensor of coretemp.
CPU_TEMPERATURE_RULES: tuple[tuple[str, str | None], ...] = (
    ("coretemp", "package id"),
    ("k10temp", "tdie"),
    ("zenpower", "tdie"),
    ("k10temp", "tctl"),
    ("zenpower", "tctl"),
    ("k10temp", None),
    ("cpu_thermal", None),
    ("cpu-thermal", None),
    ("soc_thermal", None),
    ("soc-thermal", None),
    ("acpitz", None),
    ("coretemp", None),
)


def cpu_temperature(temperatures: Mapping[str, TemperatureReading]) -> TemperatureReading | None:
    """Pick the CPU temperature by ``CPU_TEMPERATURE_RULES``."""
    ordered = sorted(temperatures.values(), key=lambda t: t.key)
    for chip, label_prefix in CPU_TEMPERATURE_RULES:
        for reading in ordered:
            if reading.chip != chip:
                continue
            if label_prefix is None or reading.label.lower().startswith(label_prefix):
                return reading
    return None
