"""Backup runs from a JSON Lines metrics file that backup scripts append to.

One object per line and run::

    {"timestamp": "2026-11-23T03:00:00+00:00", "backup_id": "nightly", "success": true,
     "duration_total": 812.4, "duration_upload": 610.0, "size_bytes": 41234567890}

``timestamp`` and ``success`` are required; the rest is optional. The file
is followed like ``tail -F``: only what was appended since the last read is
read; a line still being written waits for its newline; a rotated file is
read to its end before the new one; a truncated or rewritten file (shorter,
or its first bytes changed) is read again from the start; a missing file is
no error. Lines that are not such an object are
skipped and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import os
from pathlib import Path
from typing import IO, Any

# A line longer than this is not a metrics line (and is never buffered whole).
MAX_LINE = 65_536
# How much of the file's start is compared each read to notice it was rewritten.
HEAD_BYTES = 256


@dataclass(frozen=True, slots=True)
class BackupRun:
    """One run of a backup job."""

    timestamp: datetime
    success: bool
    backup_id: str | None = None
    duration_total: float | None = None
    size_bytes: int | None = None
    phases: Mapping[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What identifies a run when the same line is read twice."""
        return f"{self.timestamp.isoformat()}|{self.backup_id or ''}"

    def as_dict(self) -> dict[str, object]:
        """The run as a metrics line's object."""
        line: dict[str, object] = {"timestamp": self.timestamp.isoformat(), "success": self.success}
        if self.backup_id is not None:
            line["backup_id"] = self.backup_id
        if self.duration_total is not None:
            line["duration_total"] = self.duration_total
        if self.size_bytes is not None:
            line["size_bytes"] = self.size_bytes
        line |= {f"duration_{phase}": seconds for phase, seconds in self.phases.items()}
        return line


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(value)
    return float(value)


def parse_run(fields: Mapping[str, object]) -> BackupRun:
    """A metrics object as a run; ``ValueError`` when it is not one."""
    raw_time = fields.get("timestamp")
    if not isinstance(raw_time, str):
        raise ValueError("timestamp")
    timestamp = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    success = fields.get("success")
    if not isinstance(success, bool):
        raise ValueError("success")
    backup_id = fields.get("backup_id")
    total = fields.get("duration_total")
    size = fields.get("size_bytes")
    return BackupRun(
        timestamp=timestamp,
        success=success,
        backup_id=None if backup_id is None else str(backup_id),
        duration_total=None if total is None else _number(total),
        size_bytes=None if size is None else int(_number(size)),
        phases={
            key.removeprefix("duration_"): _number(value)
            for key, value in fields.items()
            if key.startswith("duration_") and key != "duration_total"
        },
    )


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What one read found."""

    runs: tuple[BackupRun, ...]
    malformed: int
    exists: bool


class MetricsFollower:
    """Follows one metrics file across appends, rotation and truncation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._inode: tuple[int, int] | None = None
        self._partial = b""
        self._head = b""  # the file's first bytes: if they change, it was rewritten

    def position(self) -> dict[str, object]:
        """Where reading stands, to resume after a restart (JSON-friendly)."""
        if self._file is None or self._inode is None:
            return {}
        return {
            "inode": list(self._inode),
            "offset": self._file.tell() - len(self._partial),
            "head": self._head.hex(),
        }

    def resume(self, position: Mapping[str, Any]) -> None:
        """Go on from ``position`` if the file is still the one it describes, else from the start."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return
        head = bytes.fromhex(position.get("head", ""))
        if [status.st_dev, status.st_ino] != position.get("inode") or status.st_size < position.get("offset", 0):
            return
        file = self.path.open("rb")
        if os.pread(file.fileno(), len(head), 0) != head:
            file.close()
            return
        file.seek(int(position["offset"]))
        self._file, self._inode, self._head, self._partial = file, (status.st_dev, status.st_ino), head, b""

    def close(self) -> None:
        """Let go of the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def read(self) -> ReadResult:
        """Every complete line appended since the last read."""
        runs: list[BackupRun] = []
        malformed = 0
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            status = None
        inode = None if status is None else (status.st_dev, status.st_ino)
        if self._file is not None and inode != self._inode:
            # Rotated or deleted: the old file's last lines first, then the new file.
            found, bad = self._read_lines(final=True)
            runs += found
            malformed += bad
            self.close()
        if status is None:
            return ReadResult(tuple(runs), malformed, exists=False)
        if self._file is None:
            self._file = self.path.open("rb")
            self._inode = inode
            self._partial = self._head = b""
        elif status.st_size < self._file.tell() or os.pread(self._file.fileno(), len(self._head), 0) != self._head:
            self._file.seek(0)  # truncated or rewritten: read it again from the start
            self._partial = self._head = b""
        if not self._head:
            self._head = os.pread(self._file.fileno(), HEAD_BYTES, 0)
        found, bad = self._read_lines(final=False)
        return ReadResult(tuple(runs + found), malformed + bad, exists=True)

    def _read_lines(self, *, final: bool) -> tuple[list[BackupRun], int]:
        assert self._file is not None
        data = self._partial + self._file.read()
        lines = data.split(b"\n")
        self._partial = b"" if final else lines.pop()
        if len(self._partial) > MAX_LINE:
            lines.append(self._partial)  # no newline coming: count it, do not hold it
            self._partial = b""
        runs: list[BackupRun] = []
        malformed = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
                if not isinstance(fields, dict):
                    raise ValueError("not an object")
                runs.append(parse_run(fields))
            except ValueError, UnicodeDecodeError, OverflowError:
                malformed += 1
        return runs, malformed
