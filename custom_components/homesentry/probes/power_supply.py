"""Batteries from ``<sysfs_root>/class/power_supply``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import os
from pathlib import Path

from .sysfs import read_int, read_text, slug


@dataclass(frozen=True, slots=True)
class BatteryReading:
    """One battery's charge."""

    key: str
    name: str
    percent: float
    status: str | None


def find_batteries(sysfs_root: Path) -> list[Path]:
    """Every power supply of type Battery (USB HID UPSes the kernel lists here too)."""
    base = sysfs_root / "class" / "power_supply"
    if not base.exists():
        return []
    return [base / name for name in sorted(os.listdir(base)) if read_text(base / name / "type") == "Battery"]


def read_batteries(sysfs_root: Path, supplies: list[Path] | None = None) -> Mapping[str, BatteryReading]:
    """Return every battery that is present and reports a charge level.

    ``supplies`` are the battery directories found earlier (found now if not
    given). ``capacity`` is used when present, else ``energy_now /
    energy_full`` or ``charge_now / charge_full`` (as psutil does).
    """
    batteries: dict[str, BatteryReading] = {}
    for supply in find_batteries(sysfs_root) if supplies is None else supplies:
        name = supply.name
        if read_text(supply / "present") == "0":
            continue
        percent = _percent(supply)
        if percent is None:
            continue
        key = slug(name)
        batteries[key] = BatteryReading(key=key, name=name, percent=percent, status=read_text(supply / "status"))
    return batteries


def _percent(supply: Path) -> float | None:
    capacity = read_int(supply / "capacity")
    if capacity is not None:
        return float(min(max(capacity, 0), 100))
    for now, full in (("energy_now", "energy_full"), ("charge_now", "charge_full")):
        numerator = read_int(supply / now)
        denominator = read_int(supply / full)
        if numerator is not None and denominator:
            return round(min(100.0, 100.0 * numerator / denominator), 1)
    return None
