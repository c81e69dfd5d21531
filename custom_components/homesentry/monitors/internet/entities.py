"""The Internet connection's entities: the line, the public address, the speed test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfDataRate, UnitOfTime
from homeassistant.util import dt as dt_util

from ...entity import (
    RATE_SHARE,
    Attributes,
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
    always,
)
from ...health import CRITICAL_OFF, PROBLEM_ON, Threshold
from ...probes.dns import DnsResult
from ...probes.ping import CombinedPing, PingResult
from ...probes.speedtest import SpeedTestResult
from ...probes.sysfs import slug
from .coordinator import ConnectionSnapshot, Fault, InternetCategory, PublicIpSnapshot


@dataclass(frozen=True, kw_only=True)
class ConnectionSensorDescription(HomeSentrySensorEntityDescription[ConnectionSnapshot, InternetCategory]):
    """A sensor of the connection coordinator."""

    category: InternetCategory = InternetCategory.PING


LATENCY_STEP: Final = 1.0  # ms: a round trip moves by a millisecond before its state does


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


def _target_attributes(data: ConnectionSnapshot, key: str) -> Attributes:
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


def _connection_attributes(data: ConnectionSnapshot, _: str) -> Attributes:
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
        health=Threshold(above=True, warning=100, critical=300, unit="ms")
        if key == "latency" and not per_target
        else None,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        suggested_display_precision=1,
        step=LATENCY_STEP,
    )


def _loss_sensor(*, per_target: bool) -> ConnectionSensorDescription:
    # 100 % loss is a value, not "unavailable" (core issue 176826).
    return _ping_sensor(
        "packet_loss",
        lambda r: round(r.loss, 2),
        per_target=per_target,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        health=None if per_target else Threshold(above=True, warning=5, critical=25, unit="%"),
    )


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 1)


def _duration_sensor(
    key: str, read: Callable[[ConnectionSnapshot], timedelta | None], *, grows: bool = False, enabled: bool = True
) -> ConnectionSensorDescription:
    """A duration; one that ``grows`` through an outage moves its state by a minute, or a fifth of itself.

    (Through an all-day outage that is a few dozen state rows, not one a cycle;
    "Down since" shows the outage's length live.)
    """
    return ConnectionSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=60.0 if grows else None,
        relative_step=RATE_SHARE if grows else None,
        entity_registry_enabled_default=enabled,
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
    _duration_sensor("downtime_today", lambda data: data.downtime_today, grows=True),
    ConnectionSensorDescription(
        key="down_since",
        translation_key="down_since",
        device_class=SensorDeviceClass.TIMESTAMP,  # the frontend shows it as a live "for 2 hours"
        value_fn=lambda data, _: data.down_since,
        objects_fn=always,
    ),
    _duration_sensor("current_outage", lambda data: data.current_outage, grows=True, enabled=False),
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
        step=LATENCY_STEP,
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
        health=CRITICAL_OFF,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        category=InternetCategory.PING,
        value_fn=lambda data, _: data.connected,
        attributes_fn=lambda data, _: {
            "failed_cycles": data.failures,
            "down_since": None if data.down_since is None else data.down_since.isoformat(timespec="seconds"),
        },
        quiet_attributes=frozenset({"failed_cycles"}),  # counts on through an outage; down_since says it
    ),
    ConnectionBinarySensorDescription(
        key="dns_problem",
        translation_key="dns_problem",
        health=PROBLEM_ON,
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


def _speed_attributes(data: SpeedTestResult | None, _: str) -> Attributes:
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
