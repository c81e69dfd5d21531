"""The option and entry-data keys of the Internet connection, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_TARGETS: Final = "targets"
CONF_GATEWAY: Final = "gateway"
CONF_PING_GATEWAY: Final = "ping_gateway"
CONF_PING_COUNT: Final = "ping_count"
CONF_TCP_PORT: Final = "tcp_port"
CONF_RESOLVERS: Final = "resolvers"
CONF_DNS_NAMES: Final = "dns_names"
CONF_PUBLIC_IP_INTERVAL: Final = "public_ip_interval"
CONF_SPEED_TEST_URL: Final = "speed_test_url"
CONF_SPEED_TEST_HOURS: Final = "speed_test_hours"
CONF_SPEED_TEST_STREAMS: Final = "speed_test_streams"
CONF_SPEED_TEST_MAX_MB: Final = "speed_test_max_mb"
SPEED_TEST_MAX_SECONDS: Final = 10.0
