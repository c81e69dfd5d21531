"""The options of the Disks entry: how often SMART and the RAID arrays are read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class DisksOptions(MonitorOptions):
    """The Disks entry's options."""

    smart_minutes: float = 30
    raid_interval: float = 60


DEFAULT_DISKS_OPTIONS: Final = DisksOptions.defaults()
