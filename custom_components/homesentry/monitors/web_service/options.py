"""The options of a web service check: how often, how many failures make it down, certificate warning days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class WebOptions(MonitorOptions):
    """A web service entry's options."""

    scan_interval: float = 60
    failure_threshold: int = 2
    certificate_days: int = 14


DEFAULT_WEB_OPTIONS: Final = WebOptions.defaults()
