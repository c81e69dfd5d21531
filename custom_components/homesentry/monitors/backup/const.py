"""The option and entry-data keys of a backup job, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_PATH: Final = "path"
CONF_EXPECTED_HOURS: Final = "expected_hours"
