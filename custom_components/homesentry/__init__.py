"""HomeSentry: watch a home server and turn it into Home Assistant entities."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo

from . import const
from .const import CONF_KIND, DOMAIN, MonitorKind
from .host import HostCoordinator, host_probe_for
from .probes.host import read_host_info

PLATFORMS: list[Platform] = [Platform.SENSOR]


@dataclass(slots=True)
class HomeSentryData:
    """The coordinators of one config entry; one per concern it monitors."""

    host: HostCoordinator | None = None


type HomeSentryConfigEntry = ConfigEntry[HomeSentryData]


async def async_setup_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> bool:
    """Set up one monitored thing from its config entry."""
    data = HomeSentryData()
    if entry.data[CONF_KIND] == MonitorKind.HOST:
        data.host = await _async_setup_host(hass, entry)
    entry.runtime_data = data
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_setup_host(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> HostCoordinator:
    coordinator = HostCoordinator(hass, entry, host_probe_for(entry.options))
    info = await hass.async_add_executor_job(read_host_info, const.SYSFS_ROOT, const.ETC_ROOT)
    coordinator.device_info = DeviceInfo(
        identifiers={(DOMAIN, str(entry.unique_id))},
        name=entry.title,
        manufacturer=info.manufacturer,
        model=info.model,
        sw_version=" ".join(part for part in (info.operating_system, info.kernel) if part),
    )
    await coordinator.async_config_entry_first_refresh()
    return coordinator


async def async_unload_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
