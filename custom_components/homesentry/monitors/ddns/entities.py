"""A dynamic DNS hostname's entities: what its sensors and button show and do."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    EntityCategory,
    UnitOfTime,
)

from ...entity import (
    Attributes,
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
    always,
)
from ...health import PROBLEM_ON, WARNING_OFF
from ...probes.ddns import (
    Outcome,
)
from .coordinator import DdnsCategory, RecordSnapshot, UpdateCoordinator, UpdateState, answer_text


@dataclass(frozen=True, kw_only=True)
class RecordSensorDescription(HomeSentrySensorEntityDescription[RecordSnapshot, DdnsCategory]):
    """A sensor of the record coordinator."""

    category: DdnsCategory = DdnsCategory.RECORD


def _record_attributes(data: RecordSnapshot, _: str) -> Attributes:
    return {
        "zone": data.zone,
        "nameservers": {server: answer_text(a) for server, a in data.authoritative.items()},
        "public_resolvers": {server: answer_text(a) for server, a in data.resolvers.items()},
        "addresses": list(data.record or ()),
    }


RECORD_SENSORS: tuple[RecordSensorDescription, ...] = (
    RecordSensorDescription(
        key="ddns_public_ip",
        translation_key="ddns_public_ip",
        value_fn=lambda data, _: data.public_ip,
        attributes_fn=lambda data, _: {"services": dict(data.whoami)},
    ),
    RecordSensorDescription(
        key="record_ip",
        translation_key="record_ip",
        value_fn=lambda data, _: data.record_ip,
        attributes_fn=_record_attributes,
    ),
    RecordSensorDescription(
        key="last_ip_change",
        translation_key="last_ip_change",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data, _: data.last_change,
        attributes_fn=lambda data, _: {"changes": [dict(c) for c in data.changes if c.get("version") == 4]},
        objects_fn=always,
    ),
)


@dataclass(frozen=True, kw_only=True)
class RecordBinarySensorDescription(HomeSentryBinarySensorEntityDescription[RecordSnapshot, DdnsCategory]):
    """A binary sensor of the record coordinator."""

    category: DdnsCategory = DdnsCategory.RECORD


def _reachability_attributes(data: RecordSnapshot, key: str) -> Attributes:
    check = data.reachability.get(key)
    if check is None:
        return {}
    result = check.result
    return {
        "target": check.target,
        "checked_from": "inside your network",
        "response_time_ms": result.response_ms,
        "failure": result.failure,
        "detail": result.detail,
    }


RECORD_BINARY_SENSORS: tuple[RecordBinarySensorDescription, ...] = (
    RecordBinarySensorDescription(
        key="record_in_sync",
        translation_key="record_in_sync",
        health=PROBLEM_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data, _: data.problem,
        attributes_fn=lambda data, _: {
            "in_sync": data.in_sync,
            "out_of_sync_since": data.out_of_sync_since,
            "grace_until": data.grace_until,
        },
        objects_fn=always,
    ),
    RecordBinarySensorDescription(
        key="reachable",
        translation_key="reachable",
        health=WARNING_OFF,
        category=DdnsCategory.REACHABILITY,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        placeholder="target",
        objects_fn=lambda data: {key: check.target for key, check in data.reachability.items()},
        value_fn=lambda data, key: data.reachability[key].result.ok if key in data.reachability else None,
        attributes_fn=_reachability_attributes,
        quiet_attributes=frozenset({"response_time_ms"}),  # a live figure of each check
    ),
)


@dataclass(frozen=True, kw_only=True)
class UpdateSensorDescription(HomeSentrySensorEntityDescription[UpdateState, DdnsCategory]):
    """A sensor of the update coordinator; each exists before the first update."""

    category: DdnsCategory = DdnsCategory.UPDATE
    objects_fn: Callable[[UpdateState], Mapping[str, str]] | None = always


UPDATE_SENSORS: tuple[UpdateSensorDescription, ...] = (
    UpdateSensorDescription(
        key="last_update",
        translation_key="last_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data, _: data.last_update,
    ),
    UpdateSensorDescription(
        key="last_update_result",
        translation_key="last_update_result",
        device_class=SensorDeviceClass.ENUM,
        options=[outcome.value for outcome in Outcome],
        value_fn=lambda data, _: data.outcome,
        attributes_fn=lambda data, _: {
            "answer": data.answer,
            "address": data.accepted_ip,
            "verified": data.verified,
            "halted": data.halted is not None,
            "last_attempt": data.last_attempt,
        },
    ),
    UpdateSensorDescription(
        key="propagation_time",
        translation_key="propagation_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: data.propagation,
    ),
)


async def _press_update(coordinator: UpdateCoordinator, _: str) -> None:
    await coordinator.async_update_now()


UPDATE_BUTTON = HomeSentryButtonDescription(key="update_now", translation_key="update_now", press_fn=_press_update)
