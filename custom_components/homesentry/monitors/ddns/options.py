"""The options of a dynamic DNS hostname: update or only verify, how often, the grace period, reachability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions
from .const import MODE_UPDATE


@dataclass(frozen=True, slots=True)
class DdnsOptions(MonitorOptions):
    """A DDNS entry's options."""

    mode: str = MODE_UPDATE
    scan_interval: float = 300
    grace_minutes: float = 10
    reachability: tuple[str, ...] = ()


DEFAULT_DDNS_OPTIONS: Final = DdnsOptions.defaults()
