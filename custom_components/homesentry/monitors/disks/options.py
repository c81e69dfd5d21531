"""The options of the Disks entry: how often SMART, the RAID arrays and the pools are read; when a scrub is due."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class DisksOptions(MonitorOptions):
    """The Disks entry's options."""

    smart_minutes: float = 30
    raid_interval: float = 60  # the md arrays and the ZFS and btrfs pools
    scrub_overdue_days: float = 35  # Debian and Ubuntu scrub ZFS monthly


DEFAULT_DISKS_OPTIONS: Final = DisksOptions.defaults()
