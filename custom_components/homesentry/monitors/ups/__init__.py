"""A UPS, through a NUT server: its status, battery, load and energy, and its commands as buttons."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ...const import MonitorKind
from ..base import MonitorRuntime, MonitorSpec
from .coordinator import UpsCoordinator, async_setup_ups
from .entities import ALL_UPS_BUTTONS, UPS_BINARY_SENSORS, UPS_SENSORS, ups_buttons
from .flow import UpsConfigFlow, UpsOptionsFlow
from .options import DEFAULT_UPS_OPTIONS


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[UpsCoordinator]:
    """Restore the energy total and read the UPS once; a button per command it has."""
    ups = await async_setup_ups(hass, entry)
    return MonitorRuntime.single("ups", ups, UPS_SENSORS, UPS_BINARY_SENSORS, ups_buttons(ups.data.reading.commands))


SPEC = MonitorSpec(
    kind=MonitorKind.UPS,
    name="UPS (NUT)",
    async_setup=async_setup,
    config_flow=UpsConfigFlow,
    options_flow=UpsOptionsFlow,
    default_options=DEFAULT_UPS_OPTIONS,
    sensors=UPS_SENSORS,
    binary_sensors=UPS_BINARY_SENSORS,
    buttons=ALL_UPS_BUTTONS,
    stores=("ups",),
    redact=frozenset({"password", "device.serial", "ups.serial"}),  # the NUT server's password, the UPS's serial
)
