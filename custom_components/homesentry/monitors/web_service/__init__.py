"""A web service: an HTTP(S) address, a TCP port or a host that answers pings, checked on a schedule."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ...const import MonitorKind
from ..base import MonitorRuntime, MonitorSpec, service_device
from .coordinator import WebServiceCoordinator
from .entities import SERVICE_BINARY_SENSORS, SERVICE_SENSORS
from .flow import WebServiceConfigFlow, WebServiceOptionsFlow
from .options import DEFAULT_WEB_OPTIONS


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[WebServiceCoordinator]:
    """Check the service once."""
    web = WebServiceCoordinator(hass, entry, service_device(entry, "Web service"))
    await web.async_config_entry_first_refresh()
    return MonitorRuntime.single("web_service", web, SERVICE_SENSORS, SERVICE_BINARY_SENSORS)


SPEC = MonitorSpec(
    kind=MonitorKind.WEB_SERVICE,
    name="Web service",
    async_setup=async_setup,
    config_flow=WebServiceConfigFlow,
    options_flow=WebServiceOptionsFlow,
    default_options=DEFAULT_WEB_OPTIONS,
    sensors=SERVICE_SENSORS,
    binary_sensors=SERVICE_BINARY_SENSORS,
    redact=frozenset({"headers"}),  # a web service's API key
)
