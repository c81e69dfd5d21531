"""The "Internet connection" monitor: three coordinators and their entities.

- ``ConnectionCoordinator`` (every 30 s by default): a ping burst to every
  target and the gateway, DNS lookups at every resolver, outage bookkeeping
  and fault localisation.
- ``PublicIpCoordinator`` (every 5 min): the public IPv4/IPv6 address by
  whoami consensus, with a change event.
- ``SpeedTestCoordinator`` (on demand, or every N hours if scheduled).

Outage history, the accepted public addresses and the last speed test live in
Stores, so they survive a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ... import world
from ...const import DOMAIN
from ...coordinator import SubscribingCoordinator, entry_store
from ...probes.dns import DnsResult, expand_resolvers, lookup_all, system_resolvers
from ...probes.network import default_gateway
from ...probes.ping import CombinedPing, PingMethod, PingResult, detect_method, ping
from ...probes.public_ip import PublicIpReading, public_address
from ...probes.speedtest import SpeedTestError, SpeedTestResult, run_speed_test
from ...probes.sysfs import slug
from ...public_ip import AddressHistory
from .const import SPEED_TEST_MAX_SECONDS
from .options import InternetOptions
from .outage import OutageTracker

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

GATEWAY = "gateway"


class InternetCategory(StrEnum):
    """What the Internet connection's coordinators collect."""

    PING = "ping"
    DNS = "dns"
    PUBLIC_IP = "public_ip"
    SPEED_TEST = "speed_test"


class Fault(StrEnum):
    """Where the trouble is, this cycle."""

    NONE = "none"
    LAN = "lan"
    ISP = "isp"
    DNS = "dns"
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------- connection


@dataclass(frozen=True, slots=True)
class ConnectionSnapshot:
    """One cycle of the connection: pings, DNS, outage state and fault."""

    targets: Mapping[str, PingResult]
    """Object key -> burst; the gateway's key is ``GATEWAY``."""
    method: PingMethod
    dns: Mapping[str, DnsResult] | None
    failures: int
    down_since: datetime | None
    outages_today: int
    outages_week: int
    downtime_today: timedelta
    last_outage: tuple[datetime, datetime] | None
    current_outage: timedelta

    @property
    def names(self) -> Mapping[str, str]:
        """Object key -> the name in entity names."""
        return {key: "Gateway" if key == GATEWAY else result.target for key, result in self.targets.items()}

    @property
    def internet(self) -> CombinedPing:
        """The internet targets (the gateway left out) as one connection."""
        return _internet(self.targets)

    @property
    def connected(self) -> bool:
        """Not in a confirmed outage."""
        return self.down_since is None

    @property
    def dns_problem(self) -> bool | None:
        """Any resolver failed; None when DNS was not checked."""
        if self.dns is None:
            return None
        return any(not result.ok for result in self.dns.values())

    @property
    def fault(self) -> Fault:
        """Gateway silent: LAN; gateway answers, internet silent: ISP; DNS failing alone: DNS."""
        if self.internet.reachable:
            return Fault.DNS if self.dns_problem else Fault.NONE
        if (gateway := self.targets.get(GATEWAY)) is None:
            return Fault.UNKNOWN
        return Fault.ISP if gateway.reachable else Fault.LAN


def _internet(targets: Mapping[str, PingResult]) -> CombinedPing:
    return CombinedPing(tuple(r for key, r in targets.items() if key != GATEWAY))


class ConnectionCoordinator(SubscribingCoordinator[ConnectionSnapshot, InternetCategory]):
    """Pings and DNS lookups, all at once, once per cycle."""

    all_categories = frozenset({InternetCategory.PING, InternetCategory.DNS})

    def __init__(
        self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, method: PingMethod, device_info: DeviceInfo
    ) -> None:
        """Initialise from the entry's options."""
        self.options = InternetOptions.of(config_entry.options)
        super().__init__(
            hass, config_entry, f"{config_entry.title} connection", self.options.scan_interval, device_info
        )
        self.method = method
        self.tracker = OutageTracker(threshold=self.options.failure_threshold)
        self.clock: Callable[[], datetime] = dt_util.utcnow  # when a cycle ended (a test runs a day faster)
        self.store = entry_store(hass, config_entry.entry_id, "outages")
        self.targets = {slug(t): t for t in self.options.targets}

    def diagnostics_extra(self) -> Mapping[str, Any]:
        """Whether the line is up, which fault, and the combined ping the entities show."""
        snapshot = self.data
        return {"connected": snapshot.connected, "fault": snapshot.fault.value, "internet": snapshot.internet}

    async def async_load(self) -> None:
        """Restore the outage history."""
        self.tracker = OutageTracker.from_dict(await self.store.async_load(), self.tracker.threshold)

    @property
    def wanted(self) -> frozenset[InternetCategory]:
        """Pings always run: outage history must not depend on enabled entities."""
        return super().wanted | {InternetCategory.PING}

    async def _async_cycle(self, wanted: frozenset[InternetCategory]) -> ConnectionSnapshot:
        targets = dict(self.targets)
        if (gateway := await self._gateway()) is not None:
            targets[GATEWAY] = gateway
        pings = [
            ping(
                target,
                method=self.method,
                count=self.options.ping_count,
                interval=world.PING_INTERVAL,
                wait=world.PING_TIMEOUT,
                tcp_port=self.options.tcp_port,
            )
            for target in targets.values()
        ]
        dns: Mapping[str, DnsResult] | None = None
        if InternetCategory.DNS in wanted:
            system = await self.hass.async_add_executor_job(system_resolvers, world.ETC_ROOT)
            resolvers = expand_resolvers(list(self.options.resolvers), system)
            results, dns = await asyncio.gather(
                asyncio.gather(*pings), lookup_all(resolvers, self.options.dns_names, lifetime=world.DNS_TIMEOUT)
            )
        else:
            results = await asyncio.gather(*pings)
        by_key = dict(zip(targets, results, strict=True))
        now = self.clock()
        if self._record(_internet(by_key).reachable, now):
            # Written at once (only while failing, or on a change), so a
            # restart or reload right after still finds it.
            await self.store.async_save(self.tracker.as_dict())
        return self._snapshot(by_key, dns, now)

    async def _gateway(self) -> str | None:
        if not self.options.ping_gateway:
            return None
        configured = self.options.gateway.strip()
        if configured:
            return configured
        return await self.hass.async_add_executor_job(default_gateway, world.PROCFS_ROOT)

    def _record(self, reachable: bool, now: datetime) -> bool:
        """Feed the outage tracker; True when what it stores changed."""
        was = (self.tracker.failures, self.tracker.connected)
        if self.tracker.record(reachable, now):
            if self.tracker.connected:
                _LOGGER.warning("%s: internet connection restored", self.name)
            else:
                _LOGGER.warning("%s: internet connection down since %s", self.name, self.tracker.down_since)
        return (self.tracker.failures, self.tracker.connected) != was

    def _snapshot(
        self, by_key: dict[str, PingResult], dns: Mapping[str, DnsResult] | None, now: datetime
    ) -> ConnectionSnapshot:
        today = dt_util.start_of_local_day(dt_util.as_local(now))
        return ConnectionSnapshot(
            targets=by_key,
            method=self.method,
            dns=dns,
            failures=self.tracker.failures,
            down_since=self.tracker.down_since,
            outages_today=self.tracker.count_since(today, now),
            outages_week=self.tracker.count_since(now - timedelta(days=7), now),
            downtime_today=self.tracker.downtime_since(today, now),
            last_outage=self.tracker.last,
            current_outage=self.tracker.current(now),
        )


# --------------------------------------------------------------------------- public IP


@dataclass(frozen=True, slots=True)
class PublicIpSnapshot:
    """The accepted public addresses and what the services said last."""

    addresses: Mapping[int, str | None]
    readings: Mapping[int, PublicIpReading]
    changes: tuple[Mapping[str, Any], ...] = ()


class PublicIpCoordinator(SubscribingCoordinator[PublicIpSnapshot, InternetCategory]):
    """Asks the whoami services; accepts an address when two agree."""

    all_categories = frozenset({InternetCategory.PUBLIC_IP})

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's options."""
        options = InternetOptions.of(config_entry.options)
        super().__init__(hass, config_entry, f"{config_entry.title} public IP", options.public_ip_interval, device_info)
        self.history = AddressHistory(hass, config_entry.entry_id, self.name)

    async def async_load(self) -> None:
        """Restore the accepted addresses and the change history."""
        await self.history.async_load()

    async def _async_cycle(self, wanted: frozenset[InternetCategory]) -> PublicIpSnapshot:
        services = world.WHOAMI_SERVICES
        readings = dict(
            zip((4, 6), await asyncio.gather(public_address(services, 4), public_address(services, 6)), strict=True)
        )
        await self.history.async_accept(readings)
        return PublicIpSnapshot(dict(self.history.addresses), readings, tuple(self.history.changes))


# --------------------------------------------------------------------------- speed test


class SpeedTestCoordinator(SubscribingCoordinator[SpeedTestResult | None, InternetCategory]):
    """Runs a speed test when asked, or on the optional schedule."""

    all_categories = frozenset({InternetCategory.SPEED_TEST})

    def __init__(
        self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, connection: ConnectionCoordinator
    ) -> None:
        """Initialise from the entry's options; no schedule unless hours > 0; on the connection's device."""
        self.options = InternetOptions.of(config_entry.options)
        hours = self.options.speed_test_hours
        super().__init__(
            hass,
            config_entry,
            f"{config_entry.title} speed test",
            hours * 3600 if hours > 0 else None,
            connection.device_info,
        )
        self.connection = connection
        self.store = entry_store(hass, config_entry.entry_id, "speed_test")
        self.data = None

    async def async_load(self) -> None:
        """Show the last test's figures until the next one runs."""
        stored = await self.store.async_load()
        if stored:
            try:
                self.data = SpeedTestResult(**stored)
            except TypeError:
                self.data = None

    async def async_run_now(self) -> None:
        """Run a test now (the button); errors are translated for the user."""
        if not self.connection.data.connected:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="speed_test_during_outage")
        try:
            async with self.cycle_lock:  # never beside a scheduled test
                result = await self._measure()
        except SpeedTestError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="speed_test_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.async_set_updated_data(result)

    async def _async_cycle(self, wanted: frozenset[InternetCategory]) -> SpeedTestResult | None:
        if not self.connection.data.connected:
            _LOGGER.debug("%s: skipped, the connection is down", self.name)
            return self.data
        try:
            return await self._measure()
        except SpeedTestError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="speed_test_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    async def _measure(self) -> SpeedTestResult:
        """One test (the caller holds the cycle lock)."""
        max_bytes = self.options.speed_test_max_mb * 1_000_000
        result = await run_speed_test(
            async_get_clientsession(self.hass),
            self.options.speed_test_url,
            streams=self.options.speed_test_streams,
            max_download_bytes=max_bytes,
            max_upload_bytes=max_bytes // 4,
            max_seconds=SPEED_TEST_MAX_SECONDS,
        )
        await self.store.async_save(asdict(result))
        return result


# --------------------------------------------------------------------------- set-up


@dataclass(slots=True)
class InternetCoordinators:
    """The three coordinators of an Internet connection entry."""

    connection: ConnectionCoordinator
    public_ip: PublicIpCoordinator
    speed_test: SpeedTestCoordinator


async def async_setup_internet(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device_info: DeviceInfo
) -> InternetCoordinators:
    """Create, restore and first-refresh the coordinators."""
    method = await hass.async_add_executor_job(detect_method)
    connection = ConnectionCoordinator(hass, entry, method, device_info)
    public_ip = PublicIpCoordinator(hass, entry, device_info)
    speed_test = SpeedTestCoordinator(hass, entry, connection)
    coordinators = InternetCoordinators(connection, public_ip, speed_test)
    await asyncio.gather(connection.async_load(), public_ip.async_load(), speed_test.async_load())
    await asyncio.gather(connection.async_config_entry_first_refresh(), public_ip.async_config_entry_first_refresh())
    return coordinators
