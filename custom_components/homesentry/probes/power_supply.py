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


def read_batteries(sysfs_root: Path) -> Mapping[str, BatteryReading]:
    """Return every battery (``type`` == Battery) that reports a charge level.

    ``capacity`` is used when present, else ``energy_now / energy_full`` or
    ``charge_now / charge_full`` (as psutil does). UPS-class supplies that the
    kernel also lists here (USB HID UPS) are batteries too.
    """
    base = sysfs_root / "class" / "power_supply"
    if not base.exists():
        return {}
    batteries: dict[str, BatteryReading] = {}
    for name in sorted(os.listdir(base)):
        supply = base / name
        if read_text(supply / "type") != "Battery":
            continue
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
