"""The option and entry-data keys of a Docker engine, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_CONTROL: Final = "control"
CONF_STATS_INTERVAL: Final = "stats_interval"
CONF_REMOVE_AFTER_HOURS: Final = "remove_after_hours"
