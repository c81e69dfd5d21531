"""The options of This server: how often it is read, which interfaces and filesystems, its power section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ...const import MACHINE_AUTO
from ..options import NOT_STORED, MonitorOptions


@dataclass(frozen=True, slots=True)
class HostOptions(MonitorOptions):
    """The This server entry's options."""

    scan_interval: float = 30
    interfaces: tuple[str, ...] = field(default=(), metadata=NOT_STORED)  # the flow stores the machine's own
    mounts: tuple[str, ...] | None = None  # None: never chosen, the default filesystems are watched


@dataclass(frozen=True, slots=True)
class PowerOptions(MonitorOptions):
    """The power section of This server's options; None: the machine class's figure, or nothing."""

    machine_class: str = MACHINE_AUTO
    idle_watts: float | None = None
    max_watts: float | None = None
    hdd_idle_watts: float = 4.5
    hdd_active_watts: float = 6.5
    power_entity: str | None = None
    price: float | None = None
    price_entity: str | None = None


DEFAULT_HOST_OPTIONS: Final = HostOptions.defaults()
DEFAULT_POWER_OPTIONS: Final = PowerOptions.defaults()
