"""Energy from power readings: the trapezoid between two readings, never across a gap.

Shared by the UPS (its output watts) and This server (the server's power).
Two readings further apart than ``max_gap`` seconds (the source was away, or
Home Assistant was stopped) add nothing: no energy is made up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class EnergyMeter:
    """A kWh total that grows with each power reading."""

    def __init__(self, kwh: float = 0.0) -> None:
        """Start from a restored total."""
        self.kwh = kwh
        self._last: tuple[datetime, float] | None = None

    def add(self, now: datetime, watts: float | None, max_gap: float) -> float:
        """Add the energy since the previous reading; returns the kWh added (0 across a gap or without watts)."""
        if watts is None:
            self._last = None
            return 0.0
        added = 0.0
        if self._last is not None and 0 < (seconds := (now - self._last[0]).total_seconds()) <= max_gap:
            added = (self._last[1] + watts) / 2 * seconds / 3_600_000
            self.kwh += added
        self._last = (now, watts)
        return added

    def gap(self) -> None:
        """The source went away: the next reading starts afresh."""
        self._last = None

    def as_dict(self) -> dict[str, Any]:
        """What a Store keeps."""
        return {"energy_kwh": self.kwh}
