"""The options of a UPS: how often it is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class UpsOptions(MonitorOptions):
    """A UPS entry's options."""

    scan_interval: float = 15


DEFAULT_UPS_OPTIONS: Final = UpsOptions.defaults()
