"""HomeSentry: watch a home server and turn it into Home Assistant entities.

Every entry is one monitor (``monitors/``): its spec sets it up; this module,
the platforms, diagnostics, health and the actions ask the registry and never
name a monitor.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .blueprints import async_install_blueprints
from .const import CONF_KIND, DOMAIN
from .coordinator import entry_store
from .health import HealthTracker
from .monitors import spec_for
from .monitors.base import HomeSentryConfigEntry, HomeSentryData
from .services import async_setup_services

__all__ = ["HomeSentryConfigEntry", "HomeSentryData"]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR, Platform.UPDATE]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and install its blueprints (once, whatever the entries)."""
    async_setup_services(hass)
    await async_install_blueprints(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> bool:
    """Set up one monitored thing from its config entry."""
    spec = spec_for(entry.data[CONF_KIND])
    runtime = await spec.async_setup(hass, entry)
    entry.runtime_data = HomeSentryData(runtime, HealthTracker(hass, entry, spec.health_rules))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> bool:
    """Unload a config entry: its monitor lets go first (a Docker event thread ends)."""
    if (stop := entry.runtime_data.runtime.stop) is not None:
        await stop()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> None:
    """Delete what a removed entry kept on disk."""
    for name in spec_for(entry.data[CONF_KIND]).stores:
        await entry_store(hass, entry.entry_id, name).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a device its monitor no longer has (a container, a disk, an array)."""
    return entry.runtime_data.runtime.removable(device)
