"""Pressure stall information from ``<procfs_root>/pressure``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

RESOURCES = ("cpu", "memory", "io")


@dataclass(frozen=True, slots=True)
class PressureReading:
    """Share of time (%) some task stalled on a resource, 60 s average."""

    resource: str
    some_avg60: float


def parse_pressure(resource: str, text: str) -> PressureReading | None:
    """Parse one ``/proc/pressure/<resource>`` file; None if malformed."""
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind != "some":
            continue
        fields = dict(part.split("=", 1) for part in rest.split() if "=" in part)
        try:
            return PressureReading(resource=resource, some_avg60=float(fields["avg60"]))
        except KeyError, ValueError:
            return None
    return None


def read_pressure(procfs_root: Path) -> Mapping[str, PressureReading]:
    """Return PSI for cpu, memory and io; empty when the kernel has no PSI.

    Raises OSError if a pressure file exists but cannot be read.
    """
    readings: dict[str, PressureReading] = {}
    for resource in RESOURCES:
        path = procfs_root / "pressure" / resource
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            continue
        reading = parse_pressure(resource, text)
        if reading is not None:
            readings[resource] = reading
    return readings
