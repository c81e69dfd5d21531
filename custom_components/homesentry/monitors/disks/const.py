"""The option and entry-data keys of Disks, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_SMARTCTL: Final = "smartctl_path"
CONF_SMART_READER: Final = "smart_reader"  # auto, smartctl or kernel (monitors/disks/coordinator.py)
CONF_SMART_MINUTES: Final = "smart_minutes"
CONF_RAID_INTERVAL: Final = "raid_interval"
CONF_SCRUB_OVERDUE_DAYS: Final = "scrub_overdue_days"
