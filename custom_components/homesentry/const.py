"""Constants for HomeSentry."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Final

DOMAIN: Final = "homesentry"

CONF_KIND: Final = "kind"
CONF_MACHINE_ID: Final = "machine_id"
CONF_INTERFACES: Final = "interfaces"
CONF_SCAN_INTERVAL: Final = "scan_interval"

DEFAULT_HOST_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 5
MAX_SCAN_INTERVAL: Final = 3600


class MonitorKind(StrEnum):
    """What one config entry monitors: the menu of the config flow."""

    HOST = "host"


# Where the host's kernel interfaces are. Looked up at call time (const.X), so
# tests can point the real readers at a recorded or built tree.
SYSFS_ROOT: Path = Path("/sys")
PROCFS_ROOT: Path = Path("/proc")
ETC_ROOT: Path = Path("/etc")
