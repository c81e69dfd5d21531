"""The "Internet connection" concern: three coordinators and their entities.

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
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import CONF_SCAN_INTERVAL, PERCENTAGE, EntityCategory, UnitOfDataRate, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from . import const
from .const import (
    CONF_DNS_NAMES,
    CONF_FAILURE_THRESHOLD,
    CONF_GATEWAY,
    CONF_PING_COUNT,
    CONF_PING_GATEWAY,
    CONF_PUBLIC_IP_INTERVAL,
    CONF_RESOLVERS,
    CONF_SPEED_TEST_HOURS,
    CONF_SPEED_TEST_MAX_MB,
    CONF_SPEED_TEST_STREAMS,
    CONF_SPEED_TEST_URL,
    CONF_TARGETS,
    CONF_TCP_PORT,
    DOMAIN,
)
from .coordinator import SubscribingCoordinator, entry_option, entry_store
from .entity import (
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
    always,
)
from .outage import OutageTracker
from .probes.dns import DnsResult, expand_resolvers, lookup_all, system_resolvers
from .probes.network import default_gateway
from .probes.ping import CombinedPing, PingMethod, PingResult, detect_method, ping
from .probes.public_ip import PublicIpReading, public_address
from .probes.speedtest import SpeedTestError, SpeedTestResult, run_speed_test
from .probes.sysfs import slug
from .public_ip import AddressHistory

if TYPE_CHECKING:
    from . import HomeSentryConfigEntry

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

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, method: PingMethod) -> None:
        """Initialise from the entry's options."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"HomeSentry {config_entry.title} connection",
            update_interval=timedelta(seconds=entry_option(config_entry, CONF_SCAN_INTERVAL)),
            all_categories=frozenset({InternetCategory.PING, InternetCategory.DNS}),
        )
        self.method = method
        self.tracker = OutageTracker(threshold=entry_option(config_entry, CONF_FAILURE_THRESHOLD))
        self.store = entry_store(hass, config_entry.entry_id, "outages")
        self.targets = {slug(t): t for t in entry_option(config_entry, CONF_TARGETS)}

    async def async_load(self) -> None:
        """Restore the outage history."""
        self.tracker = OutageTracker.from_dict(await self.store.async_load(), self.tracker.threshold)

    @property
    def wanted(self) -> frozenset[InternetCategory]:
        """Pings always run: outage history must not depend on enabled entities."""
        return super().wanted | {InternetCategory.PING}

    async def _async_update_data(self) -> ConnectionSnapshot:
        async with self.cycle_lock:
            wanted = self.wanted
            targets = dict(self.targets)
            if (gateway := await self._gateway()) is not None:
                targets[GATEWAY] = gateway
            count = int(entry_option(self.config_entry, CONF_PING_COUNT))
            pings = [
                ping(
                    target,
                    method=self.method,
                    count=count,
                    interval=const.PING_INTERVAL,
                    wait=const.PING_TIMEOUT,
                    tcp_port=int(entry_option(self.config_entry, CONF_TCP_PORT)),
                )
                for target in targets.values()
            ]
            dns: Mapping[str, DnsResult] | None = None
            if InternetCategory.DNS in wanted:
                system = await self.hass.async_add_executor_job(system_resolvers, const.ETC_ROOT)
                resolvers = expand_resolvers(entry_option(self.config_entry, CONF_RESOLVERS), system)
                names_to_resolve = tuple(entry_option(self.config_entry, CONF_DNS_NAMES))
                results, dns = await asyncio.gather(
                    asyncio.gather(*pings), lookup_all(resolvers, names_to_resolve, lifetime=const.DNS_TIMEOUT)
                )
            else:
                results = await asyncio.gather(*pings)
            by_key = dict(zip(targets, results, strict=True))
            self.mark_discovered()
            now = dt_util.utcnow()
            if self._record(_internet(by_key).reachable, now):
                # Written at once (only while failing, or on a change), so a
                # restart or reload right after still finds it.
                await self.store.async_save(self.tracker.as_dict())
            return self._snapshot(by_key, dns, now)

    async def _gateway(self) -> str | None:
        if not entry_option(self.config_entry, CONF_PING_GATEWAY):
            return None
        configured: str = entry_option(self.config_entry, CONF_GATEWAY).strip()
        if configured:
            return configured
        return await self.hass.async_add_executor_job(default_gateway, const.PROCFS_ROOT)

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
        today = dt_util.start_of_local_day()
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

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry) -> None:
        """Initialise from the entry's options."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"HomeSentry {config_entry.title} public IP",
            update_interval=timedelta(seconds=entry_option(config_entry, CONF_PUBLIC_IP_INTERVAL)),
            all_categories=frozenset({InternetCategory.PUBLIC_IP}),
        )
        self.history = AddressHistory(hass, config_entry.entry_id, self.name)

    async def async_load(self) -> None:
        """Restore the accepted addresses and the change history."""
        await self.history.async_load()

    async def _async_update_data(self) -> PublicIpSnapshot:
        async with self.cycle_lock:
            services = const.WHOAMI_SERVICES
            readings = dict(
                zip((4, 6), await asyncio.gather(public_address(services, 4), public_address(services, 6)), strict=True)
            )
            self.mark_discovered()
        await self.history.async_accept(readings)
        return PublicIpSnapshot(dict(self.history.addresses), readings, tuple(self.history.changes))


# --------------------------------------------------------------------------- speed test


class SpeedTestCoordinator(SubscribingCoordinator[SpeedTestResult | None, InternetCategory]):
    """Runs a speed test when asked, or on the optional schedule."""

    def __init__(
        self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, connection: ConnectionCoordinator
    ) -> None:
        """Initialise from the entry's options; no schedule unless hours > 0."""
        hours = float(entry_option(config_entry, CONF_SPEED_TEST_HOURS))
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"HomeSentry {config_entry.title} speed test",
            update_interval=timedelta(hours=hours) if hours > 0 else None,
            all_categories=frozenset({InternetCategory.SPEED_TEST}),
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
            result = await self._measure()
        except SpeedTestError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="speed_test_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.async_set_updated_data(result)

    async def _async_update_data(self) -> SpeedTestResult | None:
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
        async with self.cycle_lock:
            max_bytes = int(entry_option(self.config_entry, CONF_SPEED_TEST_MAX_MB)) * 1_000_000
            result = await run_speed_test(
                async_get_clientsession(self.hass),
                entry_option(self.config_entry, CONF_SPEED_TEST_URL),
                streams=int(entry_option(self.config_entry, CONF_SPEED_TEST_STREAMS)),
                max_download_bytes=max_bytes,
                max_upload_bytes=max_bytes // 4,
                max_seconds=const.SPEED_TEST_MAX_SECONDS,
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
    all: tuple[SubscribingCoordinator[Any, InternetCategory], ...] = field(init=False)

    def __post_init__(self) -> None:
        """List them for the platforms."""
        self.all = (self.connection, self.public_ip, self.speed_test)


async def async_setup_internet(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> InternetCoordinators:
    """Create, restore and first-refresh the coordinators."""
    method = await hass.async_add_executor_job(detect_method)
    connection = ConnectionCoordinator(hass, entry, method)
    public_ip = PublicIpCoordinator(hass, entry)
    speed_test = SpeedTestCoordinator(hass, entry, connection)
    coordinators = InternetCoordinators(connection, public_ip, speed_test)
    await asyncio.gather(connection.async_load(), public_ip.async_load(), speed_test.async_load())
    await asyncio.gather(connection.async_config_entry_first_refresh(), public_ip.async_config_entry_first_refresh())
    return coordinators


# --------------------------------------------------------------------------- descriptions


@dataclass(frozen=True, kw_only=True)
class ConnectionSensorDescription(HomeSentrySensorEntityDescription[ConnectionSnapshot, InternetCategory]):
    """A sensor of the connection coordinator."""

    category: InternetCategory = InternetCategory.PING


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _targets(data: ConnectionSnapshot) -> Mapping[str, str]:
    return data.names


def _resolvers(data: ConnectionSnapshot) -> Mapping[str, str]:
    return {} if data.dns is None else {slug(r): r for r in data.dns}


def _dns(data: ConnectionSnapshot, key: str) -> DnsResult | None:
    if data.dns is None:
        return None
    return next((r for spec, r in data.dns.items() if slug(spec) == key), None)


def _target_attributes(data: ConnectionSnapshot, key: str) -> Mapping[str, Any]:
    result = data.targets.get(key)
    if result is None:
        return {}
    return {
        "address": result.address,
        "method": result.method.value,
        "sent": result.sent,
        "received": result.received,
        **({"error": result.error} if result.error else {}),
    }


def _connection_attributes(data: ConnectionSnapshot, _: str) -> Mapping[str, Any]:
    return {
        "method": data.method.value,
        "sent": data.internet.sent,
        "targets": [r.target for r in data.internet.results],
    }


def _ping_sensor(
    key: str,
    read: Callable[[PingResult | CombinedPing], float | None],
    *,
    per_target: bool,
    enabled: bool = True,
    **kwargs: Any,
) -> ConnectionSensorDescription:
    """A figure of a burst: of the whole connection, or one per target (and the gateway)."""
    if per_target:
        return ConnectionSensorDescription(
            key=f"target_{key}",
            translation_key=f"target_{key}",
            state_class=SensorStateClass.MEASUREMENT,
            entity_registry_enabled_default=enabled,
            value_fn=lambda data, k: read(data.targets[k]) if k in data.targets else None,
            objects_fn=_targets,
            placeholder="target",
            attributes_fn=_target_attributes,
            **kwargs,
        )
    return ConnectionSensorDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=enabled,
        value_fn=lambda data, _: read(data.internet),
        objects_fn=always,
        attributes_fn=_connection_attributes,
        **kwargs,
    )


def _latency_sensor(
    key: str, read: Callable[[PingResult | CombinedPing], float | None], *, per_target: bool, enabled: bool
) -> ConnectionSensorDescription:
    return _ping_sensor(
        key,
        lambda r: _ms(read(r)),
        per_target=per_target,
        enabled=enabled,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        suggested_display_precision=1,
    )


def _loss_sensor(*, per_target: bool) -> ConnectionSensorDescription:
    # 100 % loss is a value, not "unavailable" (core issue 176826).
    return _ping_sensor(
        "packet_loss",
        lambda r: round(r.loss, 2),
        per_target=per_target,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
    )


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 1)


def _duration_sensor(key: str, read: Callable[[ConnectionSnapshot], timedelta | None]) -> ConnectionSensorDescription:
    return ConnectionSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data, _: _seconds(read(data)),
        objects_fn=always,
    )


CONNECTION_SENSORS: tuple[ConnectionSensorDescription, ...] = (
    _latency_sensor("latency", lambda r: r.average, per_target=False, enabled=True),
    _latency_sensor("latency_min", lambda r: r.minimum, per_target=False, enabled=False),
    _latency_sensor("latency_max", lambda r: r.maximum, per_target=False, enabled=False),
    _latency_sensor("jitter", lambda r: r.jitter, per_target=False, enabled=True),
    _loss_sensor(per_target=False),
    _latency_sensor("latency", lambda r: r.average, per_target=True, enabled=True),
    _latency_sensor("latency_min", lambda r: r.minimum, per_target=True, enabled=False),
    _latency_sensor("latency_max", lambda r: r.maximum, per_target=True, enabled=False),
    _latency_sensor("jitter", lambda r: r.jitter, per_target=True, enabled=False),
    _loss_sensor(per_target=True),
    ConnectionSensorDescription(
        key="outages_today",
        translation_key="outages_today",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: data.outages_today,
    ),
    ConnectionSensorDescription(
        key="outages_week",
        translation_key="outages_week",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: data.outages_week,
    ),
    _duration_sensor("downtime_today", lambda data: data.downtime_today),
    _duration_sensor("current_outage", lambda data: data.current_outage),
    _duration_sensor(
        "last_outage_duration",
        lambda data: None if data.last_outage is None else data.last_outage[1] - data.last_outage[0],
    ),
    ConnectionSensorDescription(
        key="last_outage_start",
        translation_key="last_outage_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data, _: None if data.last_outage is None else data.last_outage[0],
        objects_fn=always,
        attributes_fn=lambda data, _: {} if data.last_outage is None else {"end": data.last_outage[1].isoformat()},
    ),
    ConnectionSensorDescription(
        key="fault",
        translation_key="fault",
        device_class=SensorDeviceClass.ENUM,
        options=[f.value for f in Fault],
        value_fn=lambda data, _: data.fault.value,
    ),
    ConnectionSensorDescription(
        key="dns_time",
        translation_key="dns_time",
        category=InternetCategory.DNS,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data, key: None if (r := _dns(data, key)) is None else _ms(r.elapsed_ms),
        objects_fn=_resolvers,
        placeholder="resolver",
        attributes_fn=lambda data, key: (
            {}
            if (r := _dns(data, key)) is None
            else {"result": r.outcome.value, "failed_name": r.failed_name, "detail": r.detail}
        ),
    ),
)


@dataclass(frozen=True, kw_only=True)
class ConnectionBinarySensorDescription(HomeSentryBinarySensorEntityDescription[ConnectionSnapshot, InternetCategory]):
    """A binary sensor of the connection coordinator."""


CONNECTION_BINARY_SENSORS: tuple[ConnectionBinarySensorDescription, ...] = (
    ConnectionBinarySensorDescription(
        key="connected",
        translation_key="connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        category=InternetCategory.PING,
        value_fn=lambda data, _: data.connected,
        attributes_fn=lambda data, _: {
            "failed_cycles": data.failures,
            "down_since": None if data.down_since is None else data.down_since.isoformat(timespec="seconds"),
        },
    ),
    ConnectionBinarySensorDescription(
        key="dns_problem",
        translation_key="dns_problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        category=InternetCategory.DNS,
        value_fn=lambda data, _: data.dns_problem,
        attributes_fn=lambda data, _: {
            "failing": {} if data.dns is None else {s: r.outcome.value for s, r in data.dns.items() if not r.ok}
        },
    ),
)


@dataclass(frozen=True, kw_only=True)
class PublicIpSensorDescription(HomeSentrySensorEntityDescription[PublicIpSnapshot, InternetCategory]):
    """A public address sensor."""

    category: InternetCategory = InternetCategory.PUBLIC_IP


def _public_ip(version: int) -> PublicIpSensorDescription:
    return PublicIpSensorDescription(
        key=f"public_ipv{version}",
        translation_key=f"public_ipv{version}",
        value_fn=lambda data, _: data.addresses.get(version),
        attributes_fn=lambda data, _: {
            "services": dict(data.readings[version].answers) if version in data.readings else {},
            "changes": [dict(c) for c in data.changes if c["version"] == version],
        },
    )


PUBLIC_IP_SENSORS = (_public_ip(4), _public_ip(6))


@dataclass(frozen=True, kw_only=True)
class SpeedTestSensorDescription(HomeSentrySensorEntityDescription[SpeedTestResult | None, InternetCategory]):
    """A speed test figure; it exists before the first test."""

    category: InternetCategory = InternetCategory.SPEED_TEST
    objects_fn: Callable[[SpeedTestResult | None], Mapping[str, str]] | None = always


def _speed_attributes(data: SpeedTestResult | None, _: str) -> Mapping[str, Any]:
    if data is None:
        return {}
    return {"streams": data.streams, "downloaded_bytes": data.downloaded_bytes, "uploaded_bytes": data.uploaded_bytes}


def _rate(key: str, read: Callable[[SpeedTestResult], float]) -> SpeedTestSensorDescription:
    return SpeedTestSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.MEGABITS_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data, _: None if data is None else round(read(data) / 1e6, 3),
        attributes_fn=_speed_attributes,
    )


SPEED_TEST_SENSORS: tuple[SpeedTestSensorDescription, ...] = (
    _rate("download", lambda r: r.download_bps),
    _rate("upload", lambda r: r.upload_bps),
    SpeedTestSensorDescription(
        key="loaded_latency",
        translation_key="loaded_latency",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data, _: None if data is None else _ms(data.loaded_latency_ms),
        attributes_fn=lambda data, _: {} if data is None else {"idle_latency_ms": _ms(data.idle_latency_ms)},
    ),
    SpeedTestSensorDescription(
        key="last_speed_test",
        translation_key="last_speed_test",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: None if data is None else dt_util.utc_from_timestamp(data.finished),
    ),
)


SPEED_TEST_BUTTON = HomeSentryButtonDescription(
    key="run_speed_test",
    translation_key="run_speed_test",
    press_fn=lambda coordinator, _: coordinator.async_run_now(),
)
