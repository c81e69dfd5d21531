"""The "UPS (NUT)" concern: one UPS of a NUT server, its energy and its outages.

Watts are integrated into kWh between successful polls only: a gap longer
than three intervals (upsd or the driver away) adds no energy, so nothing is
made up. The total and the start of the current time on battery are kept in
a Store and survive a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any, Final

from aionut import AIONUTClient
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SCAN_INTERVAL,
    CONF_USERNAME,
    PERCENTAGE,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .const import CONF_UPS, DOMAIN
from .coordinator import SubscribingCoordinator, entry_option, entry_store
from .energy import EnergyMeter
from .entity import (
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
    always,
)
from .probes.nut import UpsError, UpsLoginFailed, UpsReading, UpsState, read_ups, run_command

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from . import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

# Instant commands offered as buttons (when the UPS has them); the ones that
# cut the power start disabled.
COMMANDS: Final[Mapping[str, bool]] = {
    "beeper.mute": True,
    "beeper.disable": True,
    "beeper.enable": True,
    "test.battery.start.quick": True,
    "test.battery.start.deep": True,
    "test.battery.stop": True,
    "load.off": False,
    "load.on": False,
}
MAX_GAP_INTERVALS: Final = 3


class UpsCategory(StrEnum):
    """What the UPS coordinator collects."""

    UPS = "ups"


@dataclass(frozen=True, slots=True)
class UpsSnapshot:
    """The last reading, the energy so far and the current time on battery."""

    reading: UpsReading
    energy_kwh: float
    on_battery_since: datetime | None
    now: datetime

    @property
    def on_battery_seconds(self) -> float:
        """How long the current outage has lasted (0 on mains)."""
        return 0.0 if self.on_battery_since is None else (self.now - self.on_battery_since).total_seconds()


def nut_client(data: Mapping[str, Any]) -> AIONUTClient:
    """A client for the server an entry (or a flow's input) names."""
    return AIONUTClient(
        data[CONF_HOST], int(data[CONF_PORT]), data.get(CONF_USERNAME) or None, data.get(CONF_PASSWORD) or None
    )


class UpsCoordinator(SubscribingCoordinator[UpsSnapshot, UpsCategory]):
    """Polls the UPS and integrates its watts."""

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry) -> None:
        """Initialise from the entry's server and options."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"HomeSentry UPS {config_entry.title}",
            update_interval=timedelta(seconds=entry_option(config_entry, CONF_SCAN_INTERVAL)),
            all_categories=frozenset(UpsCategory),
        )
        self.client = nut_client(config_entry.data)
        self.ups = config_entry.data[CONF_UPS]
        self.store = entry_store(hass, config_entry.entry_id, "ups")
        self.energy = EnergyMeter()
        self._on_battery_since: datetime | None = None

    async def async_load(self) -> None:
        """Restore the energy total and an outage that was going on."""
        stored = await self.store.async_load() or {}
        self.energy = EnergyMeter(float(stored.get("energy_kwh", 0.0)))
        if since := stored.get("on_battery_since"):
            self._on_battery_since = datetime.fromisoformat(since)

    def _stored(self) -> dict[str, Any]:
        since = self._on_battery_since
        return {**self.energy.as_dict(), "on_battery_since": since.isoformat() if since else None}

    async def _async_update_data(self) -> UpsSnapshot:
        async with self.cycle_lock:
            try:
                reading = await read_ups(self.client, self.ups)
            except UpsError as err:
                self.energy.gap()  # no energy across the gap
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="ups_unavailable",
                    translation_placeholders={"error": str(err)},
                ) from err
            self.mark_discovered()
        now = dt_util.utcnow()
        max_gap = MAX_GAP_INTERVALS * entry_option(self.config_entry, CONF_SCAN_INTERVAL)
        if reading.watts is not None:
            self.energy.add(now, reading.watts, max_gap)
        on_battery = "OB" in reading.flags
        if on_battery and self._on_battery_since is None:
            self._on_battery_since = now
            _LOGGER.warning("%s is on battery", self.config_entry.title)
        elif not on_battery and self._on_battery_since is not None:
            _LOGGER.info("%s is back on mains after %s", self.config_entry.title, now - self._on_battery_since)
            self._on_battery_since = None
        self.store.async_delay_save(self._stored, 60)
        return UpsSnapshot(reading, round(self.energy.kwh, 6), self._on_battery_since, now)

    async def async_command(self, command: str) -> None:
        """Run an instant command; a refused login starts reauthentication."""
        try:
            await run_command(self.client, self.ups, command)
        except UpsLoginFailed as err:
            self.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ups_login_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        except UpsError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ups_command_failed",
                translation_placeholders={"command": command, "error": str(err)},
            ) from err
        await self.async_request_refresh()

    async def async_close(self) -> None:
        """Save the energy total and disconnect."""
        await self.store.async_save(self._stored())
        self.client.shutdown()


async def async_setup_ups(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> UpsCoordinator:
    """Restore, read the UPS once, and poll it."""
    coordinator = UpsCoordinator(hass, entry)
    await coordinator.async_load()
    entry.async_on_unload(coordinator.async_close)
    await coordinator.async_config_entry_first_refresh()
    return coordinator


# --------------------------------------------------------------------------- descriptions


@dataclass(frozen=True, kw_only=True)
class UpsSensorDescription(HomeSentrySensorEntityDescription[UpsSnapshot, UpsCategory]):
    """A sensor of the UPS."""

    category: UpsCategory = UpsCategory.UPS


@dataclass(frozen=True, kw_only=True)
class UpsBinarySensorDescription(HomeSentryBinarySensorEntityDescription[UpsSnapshot, UpsCategory]):
    """A binary sensor of the UPS."""

    category: UpsCategory = UpsCategory.UPS
    objects_fn: Any = always


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
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
    ),
    _measure("ups_load", "ups.load", native_unit_of_measurement=PERCENTAGE),
    *(
        _measure(
            f"ups_{side}_voltage",
            f"{side}.voltage",
            device_class=SensorDeviceClass.VOLTAGE,
            native_unit_of_measurement=UnitOfElectricPotential.VOLT,
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
        key="ups_on_battery", translation_key="ups_on_battery", value_fn=lambda data, _: "OB" in data.reading.flags
    ),
    UpsBinarySensorDescription(
        key="ups_low_battery",
        translation_key="ups_low_battery",
        device_class=BinarySensorDeviceClass.BATTERY,
        value_fn=lambda data, _: "LB" in data.reading.flags,
    ),
    UpsBinarySensorDescription(
        key="ups_replace_battery",
        translation_key="ups_replace_battery",
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
