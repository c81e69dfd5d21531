"""Constants for HomeSentry."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

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
