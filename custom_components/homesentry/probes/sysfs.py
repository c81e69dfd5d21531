"""Small helpers to read sysfs/procfs attribute files."""

from __future__ import annotations

import os
from pathlib import Path
import re

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def read_text(path: Path) -> str | None:
    """Return the stripped text of an attribute file, or None if unreadable."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def read_int(path: Path) -> int | None:
    """Return an attribute file as int, or None if missing or malformed."""
    text = read_text(path)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def slug(text: str) -> str:
    """Return a stable identifier made of lowercase letters, digits and '_'."""
    return _SLUG_RE.sub("_", text.lower()).strip("_") or "unnamed"


def read_raw(path: str, limit: int = 4096) -> bytes:
    """Read a small kernel attribute file with the fewest system calls.

    Raises OSError. Cheaper than pathlib/text-mode reads, which matters for
    the handful of files read every cycle.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def read_all(path: str) -> bytes:
    """Read a whole procfs file (``/proc/stat`` can exceed one page)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_raw_int(path: str) -> int | None:
    """An integer attribute, or None when unreadable or malformed."""
    try:
        return int(read_raw(path, 64))
    except OSError, ValueError:
        return None
