"""Outage bookkeeping: when the line went down, for how long, how often.

A cycle fails when no internet target answered. The line counts as down only
after ``threshold`` consecutive failed cycles (one lost burst is no outage),
and the outage starts at the first of them; one good cycle ends it. The state
is plain data that a Store keeps across restarts, so an outage that spans a
Home Assistant restart is one outage with its real start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

KEEP = timedelta(days=31)


@dataclass(slots=True)
class OutageTracker:
    """Consecutive failures, the ongoing outage and the finished ones."""

    threshold: int = 2
    failures: int = 0
    first_failure: datetime | None = None
    down_since: datetime | None = None
    history: list[tuple[datetime, datetime]] = field(default_factory=list)

    @property
    def connected(self) -> bool:
        """False from the confirmed start of an outage until it ends."""
        return self.down_since is None

    def record(self, ok: bool, now: datetime) -> bool:
        """Take one cycle's verdict; True when ``connected`` changed."""
        if ok:
            self.failures = 0
            self.first_failure = None
            if self.down_since is None:
                return False
            self.history.append((self.down_since, now))
            self.down_since = None
            self.history = [(s, e) for s, e in self.history if e >= now - KEEP]
            return True
        self.failures += 1
        if self.first_failure is None:
            self.first_failure = now
        if self.down_since is None and self.failures >= self.threshold:
            self.down_since = self.first_failure
            return True
        return False

    def _outages(self, now: datetime) -> list[tuple[datetime, datetime]]:
        ongoing = [] if self.down_since is None else [(self.down_since, now)]
        return [*self.history, *ongoing]

    def count_since(self, since: datetime, now: datetime) -> int:
        """Outages that were going on at some time after ``since``."""
        ongoing = 0 if self.down_since is None else 1
        return sum(1 for _, end in self.history if end > since) + ongoing

    def downtime_since(self, since: datetime, now: datetime) -> timedelta:
        """Time spent down after ``since``."""
        return sum(
            (end - max(start, since) for start, end in self._outages(now) if end > since),
            timedelta(),
        )

    @property
    def last(self) -> tuple[datetime, datetime] | None:
        """The last finished outage."""
        return self.history[-1] if self.history else None

    def current(self, now: datetime) -> timedelta:
        """How long the ongoing outage has lasted; zero while connected."""
        return timedelta() if self.down_since is None else now - self.down_since

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a Store."""
        return {
            "failures": self.failures,
            "first_failure": _iso(self.first_failure),
            "down_since": _iso(self.down_since),
            "history": [[s.isoformat(), e.isoformat()] for s, e in self.history],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, threshold: int) -> OutageTracker:
        """Restore what ``as_dict`` saved; anything unreadable starts afresh."""
        tracker = cls(threshold=threshold)
        if not data:
            return tracker
        try:
            tracker.failures = int(data.get("failures", 0))
            tracker.first_failure = _parse(data.get("first_failure"))
            tracker.down_since = _parse(data.get("down_since"))
            tracker.history = [(datetime.fromisoformat(s), datetime.fromisoformat(e)) for s, e in data["history"]]
        except KeyError, TypeError, ValueError:
            return cls(threshold=threshold)
        return tracker


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
