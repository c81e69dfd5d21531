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
    image_updates: bool = True  # an update entity per container (README: why on by default)
    update_hours: float = 6  # each image is checked at most this often
    registry: str = ""  # a private registry's host (and port) the login below is for
    registry_username: str = ""
    registry_password: str = ""


DEFAULT_DOCKER_OPTIONS: Final = DockerOptions.defaults()
