"""The options of a Docker engine: control, how often it and the containers' usage are read, cleanup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class DockerOptions(MonitorOptions):
    """The Docker entry's options."""

    control: bool = False
    scan_interval: float = 15
    stats_interval: float = 60
    remove_after_hours: float = 168


DEFAULT_DOCKER_OPTIONS: Final = DockerOptions.defaults()
