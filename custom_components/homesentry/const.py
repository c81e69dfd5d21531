"""Constants for HomeSentry."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Final

from .probes.public_ip import DEFAULT_SERVICES, WhoamiService

DOMAIN: Final = "homesentry"

CONF_KIND: Final = "kind"
CONF_MACHINE_ID: Final = "machine_id"
CONF_INTERFACES: Final = "interfaces"
CONF_MOUNTS: Final = "mounts"
CONF_SCAN_INTERVAL: Final = "scan_interval"


# This server's power (a section of the This server options).
CONF_POWER: Final = "power"
CONF_MACHINE_CLASS: Final = "machine_class"
CONF_IDLE_WATTS: Final = "idle_watts"
CONF_MAX_WATTS: Final = "max_watts"
CONF_HDD_IDLE_WATTS: Final = "hdd_idle_watts"
CONF_HDD_ACTIVE_WATTS: Final = "hdd_active_watts"
CONF_POWER_ENTITY: Final = "power_entity"
CONF_PRICE: Final = "price"
CONF_PRICE_ENTITY: Final = "price_entity"
MACHINE_AUTO: Final = "auto"


# Internet connection options.
CONF_TARGETS: Final = "targets"
CONF_GATEWAY: Final = "gateway"
CONF_PING_GATEWAY: Final = "ping_gateway"
CONF_PING_COUNT: Final = "ping_count"
CONF_TCP_PORT: Final = "tcp_port"
CONF_RESOLVERS: Final = "resolvers"
CONF_DNS_NAMES: Final = "dns_names"
CONF_FAILURE_THRESHOLD: Final = "failure_threshold"
CONF_PUBLIC_IP_INTERVAL: Final = "public_ip_interval"
CONF_SPEED_TEST_URL: Final = "speed_test_url"
CONF_SPEED_TEST_HOURS: Final = "speed_test_hours"
CONF_SPEED_TEST_STREAMS: Final = "speed_test_streams"
CONF_SPEED_TEST_MAX_MB: Final = "speed_test_max_mb"

# Docker options.
CONF_URL: Final = "url"
CONF_CONTROL: Final = "control"
CONF_STATS_INTERVAL: Final = "stats_interval"
CONF_REMOVE_AFTER_HOURS: Final = "remove_after_hours"

# Web service checks (entry data) and options.
CONF_CHECK: Final = "check"
CONF_HOST: Final = "host"
CONF_PORT: Final = "port"
CONF_PRESET: Final = "preset"
CONF_METHOD: Final = "method"
CONF_STATUSES: Final = "statuses"
CONF_KEYWORD: Final = "keyword"
CONF_HEADERS: Final = "headers"
CONF_FOLLOW_REDIRECTS: Final = "follow_redirects"
CONF_VERIFY_TLS: Final = "verify_tls"
CONF_CERTIFICATE_DAYS: Final = "certificate_days"

# Backup jobs.
CONF_PATH: Final = "path"
CONF_EXPECTED_HOURS: Final = "expected_hours"

# UPS (NUT).
CONF_UPS: Final = "ups"
CONF_ZEROCONF_NAME: Final = "zeroconf_name"  # the NUT server's mDNS service name: follows it to a new address
DEFAULT_NUT_PORT: Final = 3493

# Remote servers.
CONF_SMART_ADDRESS: Final = "smart_address"  # the machine's smartctl_exporter, beside its node_exporter

# Dynamic DNS hostnames.
CONF_PROVIDER: Final = "provider"
CONF_HOSTNAME: Final = "hostname"
CONF_ZONE: Final = "zone"
CONF_SERVER_URL: Final = "server_url"
CONF_UPDATE_URL: Final = "update_url"
CONF_MODE: Final = "mode"
CONF_GRACE_MINUTES: Final = "grace_minutes"
CONF_REACHABILITY: Final = "reachability"
MODE_UPDATE: Final = "update"
MODE_VERIFY: Final = "verify"


class DdnsProvider(StrEnum):
    """Who keeps a hostname's record (``none``: the router does; only verify)."""

    DUCKDNS = "duckdns"
    NOIP = "noip"
    DYNDNS2 = "dyndns2"
    FREEDNS = "freedns"
    CLOUDFLARE = "cloudflare"
    UPDATE_URL = "update_url"
    NONE = "none"


PING_INTERVAL: Final = 0.2
PING_TIMEOUT: Final = 1.0
DNS_TIMEOUT: Final = 2.0
SPEED_TEST_MAX_SECONDS: Final = 10.0
EVENT_PUBLIC_IP_CHANGED: Final = "homesentry_public_ip_changed"
EVENT_HEALTH_CHANGED: Final = "homesentry_health_changed"
MIN_SCAN_INTERVAL: Final = 5
MAX_SCAN_INTERVAL: Final = 3600


# Disks: SMART and md RAID.
CONF_SMARTCTL: Final = "smartctl_path"
CONF_SMART_READER: Final = "smart_reader"  # auto, smartctl or kernel (monitors/disks/coordinator.py)
CONF_SMART_MINUTES: Final = "smart_minutes"
CONF_RAID_INTERVAL: Final = "raid_interval"


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


# Where the host's kernel interfaces are. Looked up at call time (const.X), so
# tests can point the real readers at a recorded or built tree.
SYSFS_ROOT: Path = Path("/sys")
PROCFS_ROOT: Path = Path("/proc")
DEV_ROOT: Path = Path("/dev")
ETC_ROOT: Path = Path("/etc")
# nvidia-smi, where NVIDIA GPUs are read (None: not looked for; tests point it at a recording).
NVIDIA_SMI: str | None = "nvidia-smi"
# Where smartctl is looked for when the Disks entry names none.
SMARTCTL_SEARCH: tuple[str, ...] = ("/usr/sbin/smartctl", "/usr/bin/smartctl", "/usr/local/sbin/smartctl")
# How long one smartctl call may take (a hung USB bridge costs its disk, not the cycle).
SMARTCTL_TIMEOUT: float = 60.0

# The whoami services the public-IP probe asks (tests point them at local servers).
WHOAMI_SERVICES: tuple[WhoamiService, ...] = DEFAULT_SERVICES

# Where each dynamic DNS provider is reached (tests point them at local servers;
# dyndns2 and update-URL entries carry their own).
DDNS_BASE_URLS: dict[DdnsProvider, str] = {
    DdnsProvider.DUCKDNS: "https://www.duckdns.org",
    DdnsProvider.NOIP: "https://dynupdate.no-ip.com/nic/update",
    DdnsProvider.FREEDNS: "https://sync.afraid.org",
    DdnsProvider.CLOUDFLARE: "https://api.cloudflare.com/client/v4",
}
# The recursive resolver that finds a hostname's zone (None: resolv.conf's first),
# the port its nameservers answer on, and the public resolvers asked too.
DDNS_BOOTSTRAP: str | None = None
DNS_PORT: int = 53
DDNS_PUBLIC_RESOLVERS: tuple[str, ...] = ("1.1.1.1", "8.8.8.8")
# After an update: ask the zone's servers every step until they all answer the
# new address, for at most this long.
DDNS_VERIFY_SECONDS: float = 180.0
DDNS_VERIFY_STEP: float = 5.0
# Waits after consecutive provider errors (1, 5, 15, 30 min, then 30 min).
DDNS_BACKOFF: tuple[int, ...] = (60, 300, 900, 1800)
