"""The backup metrics follower on real files: appends, partial lines, rotation, truncation, garbage."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path

import pytest

from custom_components.homesentry.probes.backup import MetricsFollower, parse_run


def _line(day: int, success: bool = True, **extra: object) -> str:
    return json.dumps({"timestamp": f"2026-11-{day:02d}T03:00:00Z", "success": success, **extra}) + "\n"


def _append(path: Path, text: str) -> None:
    with path.open("a") as file:
        file.write(text)


def test_follows_appends_partial_lines_rotation_and_truncation(tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    follower = MetricsFollower(path)
    missing = follower.read()
    assert (missing.runs, missing.malformed, missing.exists) == ((), 0, False)

    _append(path, _line(1, backup_id="a", duration_total=60, duration_upload=45.5, size_bytes=1000))
    _append(path, "not json\n" + json.dumps([1, 2]) + "\n" + '{"timestamp": "2026-11-02T03:00:00Z"}\n')
    _append(path, _line(2)[:20])  # a line still being written
    first = follower.read()
    assert [run.timestamp.day for run in first.runs] == [1]
    run = first.runs[0]
    assert (run.backup_id, run.duration_total, run.size_bytes) == ("a", 60.0, 1000)
    assert run.phases == {"upload": 45.5}
    assert first.malformed == 3  # not JSON, not an object, no success field
    _append(path, _line(2)[20:])  # the writer finishes the line
    assert [run.timestamp.day for run in follower.read().runs] == [2]
    assert follower.read().runs == ()  # nothing new

    # Rotation: the old file gains one more line before it is moved away.
    _append(path, _line(3, success=False))
    path.rename(tmp_path / "backup.jsonl.1")
    _append(path, _line(4))
    rotated = follower.read()
    assert [(r.timestamp.day, r.success) for r in rotated.runs] == [(3, False), (4, True)]

    # Truncation: the file starts again.
    path.write_text(_line(5))
    assert [r.timestamp.day for r in follower.read().runs] == [5]

    path.unlink()
    assert follower.read().exists is False
    _append(path, _line(6))
    assert [r.timestamp.day for r in follower.read().runs] == [6]
    follower.close()


def test_an_endless_line_is_counted_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    path.write_text("x" * 70_000)
    follower = MetricsFollower(path)
    assert follower.read().malformed == 1
    _append(path, "\n" + _line(1))
    assert [r.timestamp.day for r in follower.read().runs] == [1]
    follower.close()


def test_parse_run_rules() -> None:
    naive = parse_run({"timestamp": "2026-11-23T03:00:00", "success": True})
    assert naive.timestamp == datetime(2026, 11, 23, 3, tzinfo=UTC)
    for bad in (
        {"success": True},
        {"timestamp": "2026-11-23T03:00:00Z", "success": "yes"},
        {"timestamp": "yesterday", "success": True},
        {"timestamp": "2026-11-23T03:00:00Z", "success": True, "duration_total": -1},
        {"timestamp": "2026-11-23T03:00:00Z", "success": True, "size_bytes": True},
    ):
        with pytest.raises(ValueError, match=r"."):
            parse_run(bad)
    full = parse_run({"timestamp": "2026-11-23T03:00:00Z", "success": True, "duration_dump": 3, "backup_id": 7})
    assert parse_run(full.as_dict()) == full
