"""Small helpers to read sysfs/procfs attribute files."""

from __future__ import annotations

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
