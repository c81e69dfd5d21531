"""The power sensors of This server: watts, energy, costs, who uses it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EntityCategory, UnitOfEnergy, UnitOfPower

from ...entity import ENERGY_STEP, HomeSentrySensorEntityDescription, always
from .power import PowerCategory, PowerSnapshot


@dataclass(frozen=True, kw_only=True)
class PowerSensorDescription(HomeSentrySensorEntityDescription[PowerSnapshot, PowerCategory]):
    """A power sensor of This server."""

    category: PowerCategory = PowerCategory.POWER


_RAPL_LABELS: Final = {"package": "CPU package", "core": "CPU cores", "uncore": "CPU uncore", "dram": "Memory"}


def _rapl_label(key: str) -> str:
    if key == "psys":
        return "Platform"
    kind, _, package = key.partition("_")
    return f"{_RAPL_LABELS.get(kind, kind)} {package}"


def _power_attributes(data: PowerSnapshot, _: str) -> Mapping[str, Any]:
    return {
        "source": data.source.value,
        "measured_by": data.measured_by,
        "estimate": data.modelled,
        "calibration": dict(data.fit),
        "cpu_correlation": data.correlation,
    }


POWER_STEP: Final = 1.0  # W: a power's state moves by a watt
# A consumer is named when it draws at least that: below it, which of a few idle
# processes leads changes every cycle and says nothing.
TOP_CONSUMER_WATTS: Final = POWER_STEP


def _top_consumer(data: PowerSnapshot, _: str) -> str:
    """The container drawing most, else the process; "idle" when none draws a watt."""
    for consumers in (data.containers, data.processes):
        if consumers and consumers[0][1] >= TOP_CONSUMER_WATTS:
            return consumers[0][0]
    return "idle"


def _costs(key: str, field_name: str) -> PowerSensorDescription:
    return PowerSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.MONETARY,
        suggested_display_precision=2,
        value_fn=lambda data, _: getattr(data, field_name),
        attributes_fn=lambda data, _: {"currency": data.currency},
    )


POWER_SENSORS: tuple[PowerSensorDescription, ...] = (
    PowerSensorDescription(
        key="server_power",
        translation_key="server_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=POWER_STEP,
        value_fn=lambda data, _: data.watts,
        attributes_fn=_power_attributes,
        quiet_attributes=frozenset({"estimate", "calibration", "cpu_correlation"}),  # the model's running figures
    ),
    PowerSensorDescription(
        key="server_energy",
        translation_key="server_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        step=ENERGY_STEP,
        value_fn=lambda data, _: data.energy_kwh,
    ),
    _costs("energy_cost_today", "cost_today"),
    _costs("energy_cost_month", "cost_month"),
    PowerSensorDescription(
        key="component_power",
        translation_key="component_power",
        placeholder="component",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=POWER_STEP,
        entity_category=EntityCategory.DIAGNOSTIC,
        objects_fn=lambda data: {key: _rapl_label(key) for key in data.sample.readings.rapl},
        value_fn=lambda data, key: data.sample.readings.rapl.get(key),
    ),
    PowerSensorDescription(
        key="gpu_power",
        translation_key="gpu_power",
        placeholder="gpu",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=POWER_STEP,
        objects_fn=lambda data: {g.index: f"GPU {g.index} {g.name}" for g in data.sample.readings.gpus},
        value_fn=lambda data, key: next((g.watts for g in data.sample.readings.gpus if g.index == key), None),
    ),
    PowerSensorDescription(
        key="battery_power",
        translation_key="battery_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        step=POWER_STEP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data, _: data.sample.readings.battery_watts,
    ),
    PowerSensorDescription(
        key="top_power_consumer",
        translation_key="top_power_consumer",
        category=PowerCategory.ATTRIBUTION,
        objects_fn=always,  # exists from the start, so it can subscribe to the process scan
        value_fn=_top_consumer,
        attributes_fn=lambda data, _: {
            "containers": [{"name": n, "watts": w} for n, w in data.containers],
            "processes": [{"name": n, "watts": w} for n, w in data.processes],
        },
        quiet_attributes=frozenset({"containers", "processes"}),  # live watts: as of the last change of the top
    ),
)
