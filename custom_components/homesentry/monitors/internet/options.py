"""The options of the Internet connection: what is pinged and resolved, how often, the speed test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..options import MonitorOptions


@dataclass(frozen=True, slots=True)
class InternetOptions(MonitorOptions):
    """The Internet entry's options."""

    targets: tuple[str, ...] = ("1.1.1.1", "8.8.8.8", "9.9.9.9")
    ping_gateway: bool = True
    gateway: str = ""
    ping_count: int = 5
    tcp_port: int = 443
    resolvers: tuple[str, ...] = ("system", "1.1.1.1", "8.8.8.8")
    dns_names: tuple[str, ...] = ("cloudflare.com",)
    failure_threshold: int = 2
    scan_interval: float = 30
    public_ip_interval: float = 300
    speed_test_url: str = "https://speed.cloudflare.com"
    speed_test_hours: float = 0
    speed_test_streams: int = 4
    speed_test_max_mb: int = 100


DEFAULT_INTERNET_OPTIONS: Final = InternetOptions.defaults()
