"""What is constant across HomeSentry: the domain, the registry of monitors, shared keys, events.

Where the world is (roots, services, waits that tests point elsewhere) is world.py's; each monitor's
own option keys are in its package's const.py.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "homesentry"

CONF_KIND: Final = "kind"  # entry data: which monitor (MonitorKind)
# Keys more than one monitor stores; each monitor's own are in monitors/<kind>/const.py.
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_FAILURE_THRESHOLD: Final = "failure_threshold"  # Internet connection, web service
CONF_URL: Final = "url"  # Docker engine, web service
CONF_HOST: Final = "host"  # web service, UPS
CONF_PORT: Final = "port"  # web service, UPS
CONF_POWER: Final = "power"  # This server's and a Remote server's power section
MACHINE_AUTO: Final = "auto"
CONF_GRACE_MINUTES: Final = "grace_minutes"  # the Health section; DDNS's grace after an update


class DdnsProvider(StrEnum):
    """Who keeps a hostname's record (``none``: the router does; only verify)."""

    DUCKDNS = "duckdns"
    NOIP = "noip"
    DYNDNS2 = "dyndns2"
    FREEDNS = "freedns"
    CLOUDFLARE = "cloudflare"
    UPDATE_URL = "update_url"
    NONE = "none"


EVENT_PUBLIC_IP_CHANGED: Final = "homesentry_public_ip_changed"
EVENT_HEALTH_CHANGED: Final = "homesentry_health_changed"


class MonitorKind(StrEnum):
    """What one config entry monitors: the registry of monitors (each has its package, monitors/<value>)."""

    HOST = "host"
    DISKS = "disks"
    INTERNET = "internet"
    DOCKER = "docker"
    WEB_SERVICE = "web_service"
    BACKUP = "backup"
    UPS = "ups"
    DDNS = "ddns"
    REMOTE = "remote"
