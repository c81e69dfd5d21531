"""HomeSentry: watch a home server and turn it into Home Assistant entities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from . import const
from .const import CONF_KIND, DOMAIN, MonitorKind
from .coordinator import SubscribingCoordinator
from .entity import (
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
)
from .host import HOST_SENSORS, HostCoordinator, host_probe_for
from .internet import (
    CONNECTION_BINARY_SENSORS,
    CONNECTION_SENSORS,
    PUBLIC_IP_SENSORS,
    SPEED_TEST_BUTTON,
    SPEED_TEST_SENSORS,
    InternetCoordinators,
    async_remove_internet_stores,
    async_setup_internet,
)
from .probes.host import read_host_info

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR]

type Source[D] = tuple[SubscribingCoordinator[Any, Any], tuple[D, ...]]


@dataclass(slots=True)
class HomeSentryData:
    """The coordinators of one config entry; one per concern it monitors."""

    host: HostCoordinator | None = None
    internet: InternetCoordinators | None = None

    def sensors(self) -> list[Source[HomeSentrySensorEntityDescription[Any, Any]]]:
        """Each coordinator with the sensor descriptions it feeds."""
        sources: list[Source[HomeSentrySensorEntityDescription[Any, Any]]] = []
        if self.host is not None:
            sources.append((self.host, HOST_SENSORS))
        if (internet := self.internet) is not None:
            sources.append((internet.connection, CONNECTION_SENSORS))
            sources.append((internet.public_ip, PUBLIC_IP_SENSORS))
            sources.append((internet.speed_test, SPEED_TEST_SENSORS))
        return sources

    def binary_sensors(self) -> list[Source[HomeSentryBinarySensorEntityDescription[Any, Any]]]:
        """Each coordinator with the binary sensor descriptions it feeds."""
        if (internet := self.internet) is not None:
            return [(internet.connection, CONNECTION_BINARY_SENSORS)]
        return []

    def buttons(self) -> list[Source[HomeSentryButtonDescription]]:
        """Each coordinator with the buttons that act on it."""
        if (internet := self.internet) is not None:
            return [(internet.speed_test, (SPEED_TEST_BUTTON,))]
        return []


type HomeSentryConfigEntry = ConfigEntry[HomeSentryData]


async def async_setup_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> bool:
    """Set up one monitored thing from its config entry."""
    data = HomeSentryData()
    if entry.data[CONF_KIND] == MonitorKind.HOST:
        data.host = await _async_setup_host(hass, entry)
    elif entry.data[CONF_KIND] == MonitorKind.INTERNET:
        data.internet = await async_setup_internet(hass, entry)
        device_info = DeviceInfo(
            identifiers={(DOMAIN, str(entry.unique_id))},
            name=entry.title,
            entry_type=DeviceEntryType.SERVICE,
        )
        for coordinator in data.internet.all:
            coordinator.device_info = device_info
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


async def async_remove_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> None:
    """Delete what a removed entry kept on disk."""
    if entry.data[CONF_KIND] == MonitorKind.INTERNET:
        await async_remove_internet_stores(hass, entry.entry_id)
