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

from .sysfs import read_int, read_text, slug

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


def read_hwmon(sysfs_root: Path, *, fans: bool = True, temperatures: bool = True) -> HwmonReadings:
    """Read every temperature and fan sensor below ``sysfs_root``.

    Sensors whose value cannot be read (EIO is common) are skipped and counted;
    an unreadable hwmon class directory raises OSError.
    """
    temps: dict[str, TemperatureReading] = {}
    fan_readings: dict[str, FanReading] = {}
    skipped = 0
    for chip in _chips(sysfs_root):
        if temperatures:
            for directory, index in _inputs(chip.directories, _TEMP_RE):
                celsius = _millidegrees(directory / f"temp{index}_input")
                if celsius is None:
                    skipped += 1
                    continue
                label = read_text(directory / f"temp{index}_label") or f"temp{index}"
                key = _unique(f"{chip.ident}_{slug(label)}", temps)
                temps[key] = TemperatureReading(
                    key=key,
                    chip=chip.name,
                    source=chip.source,
                    label=label,
                    celsius=celsius,
                    high=_millidegrees(directory / f"temp{index}_max"),
                    critical=_millidegrees(directory / f"temp{index}_crit"),
                )
        if fans:
            for directory, index in _inputs(chip.directories, _FAN_RE):
                rpm = read_int(directory / f"fan{index}_input")
                if rpm is None:
                    skipped += 1
                    continue
                label = read_text(directory / f"fan{index}_label") or f"fan{index}"
                key = _unique(f"{chip.ident}_{slug(label)}", fan_readings)
                fan_readings[key] = FanReading(key=key, chip=chip.name, source=chip.source, label=label, rpm=rpm)
    if temperatures and not temps:
        temps, zone_skipped = _thermal_zones(sysfs_root)
        skipped += zone_skipped
    return HwmonReadings(temperatures=temps, fans=fan_readings, skipped=skipped)


def _unique(key: str, taken: Mapping[str, object]) -> str:
    if key not in taken:
        return key
    suffix = 2
    while f"{key}_{suffix}" in taken:
        suffix += 1
    return f"{key}_{suffix}"


def _thermal_zones(sysfs_root: Path) -> tuple[dict[str, TemperatureReading], int]:
    """Fallback when hwmon has no temperature: ``class/thermal/thermal_zone*``."""
    thermal = sysfs_root / "class" / "thermal"
    temps: dict[str, TemperatureReading] = {}
    skipped = 0
    try:
        zones = sorted((z for z in os.listdir(thermal) if z.startswith("thermal_zone")), key=_natural_key)
    except FileNotFoundError, NotADirectoryError:
        return temps, 0
    for zone in zones:
        base = thermal / zone
        celsius = _millidegrees(base / "temp")
        if celsius is None:
            skipped += 1
            continue
        name = read_text(base / "type") or zone
        critical: float | None = None
        for trip in range(16):
            trip_type = read_text(base / f"trip_point_{trip}_type")
            if trip_type is None:
                break
            if trip_type == "critical":
                critical = _millidegrees(base / f"trip_point_{trip}_temp")
        key = _unique(slug(name), temps)
        temps[key] = TemperatureReading(
            key=key, chip=name, source=name, label=name, celsius=celsius, high=None, critical=critical
        )
    return temps, skipped


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
