"""A UPS's entities: its sensors, binary sensors and command buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)

from ...entity import (
    ENERGY_STEP,
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
    always,
)
from ...health import CRITICAL_ON, PROBLEM_ON, Threshold
from ...probes.ups import UpsState
from .coordinator import COMMANDS, UpsCategory, UpsCoordinator, UpsSnapshot


@dataclass(frozen=True, kw_only=True)
class UpsSensorDescription(HomeSentrySensorEntityDescription[UpsSnapshot, UpsCategory]):
    """A sensor of the UPS."""

    category: UpsCategory = UpsCategory.UPS


@dataclass(frozen=True, kw_only=True)
class UpsBinarySensorDescription(HomeSentryBinarySensorEntityDescription[UpsSnapshot, UpsCategory]):
    """A binary sensor of the UPS."""

    category: UpsCategory = UpsCategory.UPS
    objects_fn: Callable[[UpsSnapshot], Mapping[str, str]] | None = always


def _variable(name: str) -> Any:
    """Objects: the UPS reports the variable; value: its number."""

    def objects(data: UpsSnapshot) -> Mapping[str, str]:
        return {"": ""} if name in data.reading.variables else {}

    def value(data: UpsSnapshot, _: str) -> float | None:
        return data.reading.number(name)

    return {"objects_fn": objects, "value_fn": value}


def _measure(key: str, variable: str, **kwargs: Any) -> UpsSensorDescription:
    return UpsSensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, **_variable(variable), **kwargs
    )


UPS_SENSORS: tuple[UpsSensorDescription, ...] = (
    UpsSensorDescription(
        key="ups_status",
        translation_key="ups_status",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in UpsState],
        objects_fn=always,
        value_fn=lambda data, _: data.reading.state,
        attributes_fn=lambda data, _: {"flags": " ".join(sorted(data.reading.flags))},
    ),
    _measure(
        "ups_battery_charge",
        "battery.charge",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
    ),
    _measure(
        "ups_battery_runtime",
        "battery.runtime",
        health=Threshold(above=False, warning=10, critical=5, unit="min"),
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
    ),
    _measure("ups_load", "ups.load", native_unit_of_measurement=PERCENTAGE, step=2.0),  # wanders by 1 % at rest
    *(
        _measure(
            f"ups_{side}_voltage",
            f"{side}.voltage",
            device_class=SensorDeviceClass.VOLTAGE,
            native_unit_of_measurement=UnitOfElectricPotential.VOLT,
            step=2.0,  # the mains wanders by a volt from one reading to the next
        )
        for side in ("input", "output")
    ),
    UpsSensorDescription(
        key="ups_power",
        translation_key="ups_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        objects_fn=lambda data: {"": ""} if data.reading.watts is not None else {},
        value_fn=lambda data, _: data.reading.watts,
        attributes_fn=lambda data, _: {"source": data.reading.watts_source},
    ),
    UpsSensorDescription(
        key="ups_energy",
        translation_key="ups_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        step=ENERGY_STEP,
        objects_fn=lambda data: {"": ""} if data.reading.watts is not None else {},
        value_fn=lambda data, _: data.energy_kwh,
    ),
    UpsSensorDescription(
        key="ups_on_battery_time",
        translation_key="ups_on_battery_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        objects_fn=always,
        value_fn=lambda data, _: round(data.on_battery_seconds),
        attributes_fn=lambda data, _: {"since": data.on_battery_since},
    ),
)

UPS_BINARY_SENSORS: tuple[UpsBinarySensorDescription, ...] = (
    UpsBinarySensorDescription(
        key="ups_on_battery",
        translation_key="ups_on_battery",
        health=PROBLEM_ON,
        value_fn=lambda data, _: "OB" in data.reading.flags,
    ),
    UpsBinarySensorDescription(
        key="ups_low_battery",
        translation_key="ups_low_battery",
        health=CRITICAL_ON,
        device_class=BinarySensorDeviceClass.BATTERY,
        value_fn=lambda data, _: "LB" in data.reading.flags,
    ),
    UpsBinarySensorDescription(
        key="ups_replace_battery",
        translation_key="ups_replace_battery",
        health=PROBLEM_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data, _: "RB" in data.reading.flags,
    ),
)


def _command_press(command: str) -> Callable[[UpsCoordinator, str], Awaitable[None]]:
    async def press(coordinator: UpsCoordinator, _: str) -> None:
        await coordinator.async_command(command)

    return press


def ups_buttons(commands: frozenset[str]) -> tuple[HomeSentryButtonDescription, ...]:
    """A button per instant command the UPS offers and HomeSentry knows."""
    return tuple(
        HomeSentryButtonDescription(
            key=f"ups_command_{command.replace('.', '_')}",
            translation_key=f"ups_command_{command.replace('.', '_')}",
            entity_registry_enabled_default=enabled,
            press_fn=_command_press(command),
        )
        for command, enabled in COMMANDS.items()
        if command in commands
    )


# Every button description there can be (for translations and icons).
ALL_UPS_BUTTONS: Final = ups_buttons(frozenset(COMMANDS))
