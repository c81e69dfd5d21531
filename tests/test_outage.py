"""Outage bookkeeping: thresholds, days, restarts, damaged storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.homesentry.monitors.internet.outage import OutageTracker

T0 = datetime(2026, 11, 22, 23, 50, tzinfo=UTC)
CYCLE = timedelta(seconds=30)


def test_threshold_dates_the_outage_from_its_first_failed_cycle() -> None:
    tracker = OutageTracker(threshold=3)
    assert not tracker.record(False, T0)
    assert not tracker.record(False, T0 + CYCLE)
    assert tracker.connected
    assert tracker.record(False, T0 + 2 * CYCLE)
    assert not tracker.connected
    assert tracker.down_since == T0
    assert tracker.current(T0 + 3 * CYCLE) == 3 * CYCLE
    assert tracker.record(True, T0 + 4 * CYCLE)
    assert tracker.last == (T0, T0 + 4 * CYCLE)
    assert tracker.current(T0 + 5 * CYCLE) == timedelta()
    # A short failing streak that recovers is no outage.
    tracker.record(False, T0 + 5 * CYCLE)
    assert not tracker.record(True, T0 + 6 * CYCLE)
    assert len(tracker.history) == 1


def test_today_counts_only_the_part_after_midnight() -> None:
    tracker = OutageTracker(threshold=1)
    tracker.record(False, T0)  # 23:50 yesterday
    tracker.record(True, T0 + timedelta(minutes=20))  # 00:10 today
    midnight = datetime(2026, 11, 23, tzinfo=UTC)
    now = midnight + timedelta(hours=1)
    assert tracker.count_since(midnight, now) == 1
    assert tracker.downtime_since(midnight, now) == timedelta(minutes=10)
    tracker.record(False, now)  # an ongoing one counts too
    later = now + timedelta(minutes=5)
    assert tracker.count_since(midnight, later) == 2
    assert tracker.downtime_since(midnight, later) == timedelta(minutes=15)
    assert tracker.count_since(later, later) == 1


def test_old_outages_are_forgotten_after_a_month() -> None:
    tracker = OutageTracker(threshold=1)
    tracker.record(False, T0)
    tracker.record(True, T0 + CYCLE)
    later = T0 + timedelta(days=40)
    tracker.record(False, later)
    tracker.record(True, later + CYCLE)
    assert tracker.history == [(later, later + CYCLE)]


def test_round_trip_through_storage_and_damaged_storage() -> None:
    tracker = OutageTracker(threshold=2)
    tracker.record(False, T0)
    tracker.record(False, T0 + CYCLE)
    restored = OutageTracker.from_dict(tracker.as_dict(), threshold=2)
    assert restored == tracker
    assert OutageTracker.from_dict(None, threshold=2) == OutageTracker(threshold=2)
    assert OutageTracker.from_dict({"history": [["not a date", "x"]]}, threshold=4) == OutageTracker(threshold=4)
