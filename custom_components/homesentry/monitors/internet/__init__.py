"""The Internet connection: pings, DNS, outages, the public address and the speed test."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ...const import MonitorKind
from ..base import MonitorRuntime, MonitorSpec, service_device
from .coordinator import InternetCoordinators, async_setup_internet
from .entities import (
    CONNECTION_BINARY_SENSORS,
    CONNECTION_SENSORS,
    PUBLIC_IP_SENSORS,
    SPEED_TEST_BUTTON,
    SPEED_TEST_SENSORS,
)
from .flow import InternetConfigFlow, InternetOptionsFlow
from .options import DEFAULT_INTERNET_OPTIONS


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[InternetCoordinators]:
    """Restore the outages, addresses and last speed test; ping and ask once."""
    internet = await async_setup_internet(hass, entry, service_device(entry))
    return MonitorRuntime(
        monitor=internet,
        coordinators={
            "connection": internet.connection,
            "public_ip": internet.public_ip,
            "speed_test": internet.speed_test,
        },
        sensors=(
            (internet.connection, CONNECTION_SENSORS),
            (internet.public_ip, PUBLIC_IP_SENSORS),
            (internet.speed_test, SPEED_TEST_SENSORS),
        ),
        binary_sensors=((internet.connection, CONNECTION_BINARY_SENSORS),),
        buttons=((internet.speed_test, (SPEED_TEST_BUTTON,)),),
    )


SPEC = MonitorSpec(
    kind=MonitorKind.INTERNET,
    name="Internet connection",
    async_setup=async_setup,
    config_flow=InternetConfigFlow,
    options_flow=InternetOptionsFlow,
    default_options=DEFAULT_INTERNET_OPTIONS,
    sensors=(*CONNECTION_SENSORS, *PUBLIC_IP_SENSORS, *SPEED_TEST_SENSORS),
    binary_sensors=CONNECTION_BINARY_SENSORS,
    buttons=(SPEED_TEST_BUTTON,),
    stores=("outages", "public_ip", "speed_test"),
    # Public addresses locate the user's home.
    redact=frozenset({"addresses", "answers", "changes", "address", "old", "new"}),
)
