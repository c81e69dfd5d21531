"""A web service's entities: up or down, response time, status, certificate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EntityCategory, UnitOfTime

from ...entity import Attributes, HomeSentryBinarySensorEntityDescription, HomeSentrySensorEntityDescription, always
from ...health import CRITICAL_OFF, PROBLEM_ON, Threshold
from ...probes.web_service import (
    CheckKind,
    Failure,
)
from .coordinator import ServiceSnapshot, WebCategory


@dataclass(frozen=True, kw_only=True)
class ServiceSensorDescription(HomeSentrySensorEntityDescription[ServiceSnapshot, WebCategory]):
    """A sensor of a web service."""

    category: WebCategory = WebCategory.CHECK


@dataclass(frozen=True, kw_only=True)
class ServiceBinarySensorDescription(HomeSentryBinarySensorEntityDescription[ServiceSnapshot, WebCategory]):
    """A binary sensor of a web service."""

    category: WebCategory = WebCategory.CHECK


def _http_only(data: ServiceSnapshot) -> Mapping[str, str]:
    return {"": ""} if data.kind == CheckKind.HTTP else {}


def _tls_only(data: ServiceSnapshot) -> Mapping[str, str]:
    """Certificate entities exist for HTTPS checks."""
    return {"": ""} if data.tls else {}


def _up_attributes(data: ServiceSnapshot, _: str) -> Attributes:
    return {"failed_checks": data.failures, "last_check": data.result.detail or "passed"}


SERVICE_BINARY_SENSORS: tuple[ServiceBinarySensorDescription, ...] = (
    ServiceBinarySensorDescription(
        key="service_up",
        translation_key="service_up",
        health=CRITICAL_OFF,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        objects_fn=always,
        value_fn=lambda data, _: data.up,
        attributes_fn=_up_attributes,
        quiet_attributes=frozenset({"failed_checks"}),  # counts on through an outage
    ),
    ServiceBinarySensorDescription(
        key="certificate_expiring",
        translation_key="certificate_expiring",
        health=PROBLEM_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_tls_only,
        value_fn=lambda data, _: data.certificate_expiring,
        attributes_fn=lambda data, _: {"days": data.certificate_days},
    ),
)

SERVICE_SENSORS: tuple[ServiceSensorDescription, ...] = (
    ServiceSensorDescription(
        key="response_time",
        translation_key="response_time",
        objects_fn=always,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        step=5.0,  # ms: a round trip's own noise
        value_fn=lambda data, _: data.result.response_ms,
    ),
    ServiceSensorDescription(
        key="http_status",
        translation_key="http_status",
        objects_fn=_http_only,
        value_fn=lambda data, _: data.result.status,
    ),
    ServiceSensorDescription(
        key="certificate_expiry",
        translation_key="certificate_expiry",
        objects_fn=_tls_only,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data, _: data.result.certificate_expires,
    ),
    ServiceSensorDescription(
        key="certificate_days_left",
        translation_key="certificate_days_left",
        health=Threshold(above=False, warning=14, critical=3, unit="d"),
        objects_fn=_tls_only,
        native_unit_of_measurement=UnitOfTime.DAYS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data, _: data.days_left,
    ),
    ServiceSensorDescription(
        key="last_failure",
        translation_key="last_failure",
        objects_fn=always,
        device_class=SensorDeviceClass.ENUM,
        options=[failure.value for failure in Failure],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: data.last_failure,
        attributes_fn=lambda data, _: {"at": data.last_failure_at, "detail": data.last_failure_detail},
    ),
)
