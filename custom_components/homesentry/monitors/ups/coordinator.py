"""The "UPS (NUT)" monitor: one UPS of a NUT server, its energy and its outages.

Watts are integrated into kWh between successful polls only: a gap longer
than three intervals (upsd or the driver away) adds no energy, so nothing is
made up. The total and the start of the current time on battery are kept in
a Store and survive a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any, Final

from aionut import AIONUTClient
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...const import DOMAIN
from ...coordinator import SubscribingCoordinator, entry_store
from ...energy import EnergyMeter
from ...probes.ups import UpsError, UpsLoginFailed, UpsReading, read_ups, run_command
from ..base import entry_device
from .const import CONF_UPS
from .options import UpsOptions

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from ... import HomeSentryConfigEntry

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

    all_categories = frozenset(UpsCategory)

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry) -> None:
        """Initialise from the entry's server and options; its device is the UPS (``device_for``)."""
        options = UpsOptions.of(config_entry.options)
        super().__init__(
            hass, config_entry, f"UPS {config_entry.title}", options.scan_interval, entry_device(config_entry)
        )
        self.client = nut_client(config_entry.data)
        self.ups = config_entry.data[CONF_UPS]
        self.store = entry_store(hass, config_entry.entry_id, "ups")
        self.energy = EnergyMeter()
        self._on_battery_since: datetime | None = None

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """The UPS's device, with the make, model, serial and firmware it reports."""
        variables = self.data.reading.variables if self.data is not None else {}
        return entry_device(
            self.config_entry,
            manufacturer=variables.get("device.mfr") or variables.get("ups.mfr"),
            model=variables.get("device.model") or variables.get("ups.model"),
            serial_number=variables.get("device.serial") or variables.get("ups.serial"),
            sw_version=variables.get("ups.firmware"),
        )

    async def async_load(self) -> None:
        """Restore the energy total and an outage that was going on."""
        stored = await self.store.async_load() or {}
        self.energy = EnergyMeter(float(stored.get("energy_kwh", 0.0)))
        if since := stored.get("on_battery_since"):
            self._on_battery_since = datetime.fromisoformat(since)

    def _stored(self) -> dict[str, Any]:
        since = self._on_battery_since
        return {**self.energy.as_dict(), "on_battery_since": since.isoformat() if since else None}

    async def _async_cycle(self, wanted: frozenset[UpsCategory]) -> UpsSnapshot:
        try:
            reading = await read_ups(self.client, self.ups)
        except UpsError as err:
            self.energy.gap()  # no energy across the gap
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="ups_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        now = dt_util.utcnow()
        max_gap = MAX_GAP_INTERVALS * UpsOptions.of(self.config_entry.options).scan_interval
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
