"""The options of a backup job: how often it should run, how often its file is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class BackupOptions(MonitorOptions):
    """A backup job's options."""

    expected_hours: float = 26
    scan_interval: float = 60


DEFAULT_BACKUP_OPTIONS: Final = BackupOptions.defaults()
