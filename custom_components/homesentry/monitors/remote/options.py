"""The options of a Remote server: how often its node_exporter is scraped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class RemoteOptions(MonitorOptions):
    """A Remote server entry's options."""

    scan_interval: float = 30


DEFAULT_REMOTE_OPTIONS: Final = RemoteOptions.defaults()
