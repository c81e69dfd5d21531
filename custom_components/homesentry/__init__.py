"""HomeSentry: watch a home server and turn it into Home Assistant entities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry, DeviceEntryType, DeviceInfo
from homeassistant.helpers.typing import ConfigType
from homeassistant.loader import async_get_integration

from . import const
from .backups import (
    BACKUP_BINARY_SENSORS,
    BACKUP_SENSORS,
    BackupCoordinator,
    async_setup_backup,
)
from .blueprints import async_install_blueprints
from .const import CONF_KIND, DOMAIN, MonitorKind
from .containers import (
    CONTAINER_BINARY_SENSORS,
    CONTAINER_SENSORS,
    ENGINE_BINARY_SENSORS,
    ENGINE_SENSORS,
    RESTART_BUTTON,
    USAGE_SENSORS,
    DockerCoordinators,
    async_setup_docker,
    container_name,
)
from .coordinator import STORE_NAMES, SubscribingCoordinator, entry_store
from .ddns import (
    RECORD_BINARY_SENSORS,
    RECORD_SENSORS,
    UPDATE_BUTTON,
    UPDATE_SENSORS,
    DdnsCoordinators,
    async_setup_ddns,
)
from .disks import (
    RAID_BINARY_SENSORS,
    RAID_SENSORS,
    SELF_TEST_BUTTON,
    SMART_BINARY_SENSORS,
    SMART_SENSORS,
    DiskCoordinators,
    async_setup_disks,
)
from .entity import (
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentrySensorEntityDescription,
)
from .health import HealthTracker
from .host import HOST_BINARY_SENSORS, HOST_SENSORS, HostCoordinator, host_probe_for
from .internet import (
    CONNECTION_BINARY_SENSORS,
    CONNECTION_SENSORS,
    PUBLIC_IP_SENSORS,
    SPEED_TEST_BUTTON,
    SPEED_TEST_SENSORS,
    InternetCoordinators,
    async_setup_internet,
)
from .power import POWER_SENSORS, PowerCoordinator, async_setup_power
from .probes.host import read_host_info
from .services import async_setup_services
from .ups import UPS_BINARY_SENSORS, UPS_SENSORS, UpsCoordinator, async_setup_ups, ups_buttons
from .web_service import SERVICE_BINARY_SENSORS, SERVICE_SENSORS, WebServiceCoordinator

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR]

type Source[D] = tuple[SubscribingCoordinator[Any, Any], tuple[D, ...]]


@dataclass(slots=True)
class HomeSentryData:
    """The coordinators of one config entry; one per concern it monitors."""

    host: HostCoordinator | None = None
    power: PowerCoordinator | None = None
    disks: DiskCoordinators | None = None
    internet: InternetCoordinators | None = None
    docker: DockerCoordinators | None = None
    web: WebServiceCoordinator | None = None
    backup: BackupCoordinator | None = None
    ups: UpsCoordinator | None = None
    ddns: DdnsCoordinators | None = None
    health: HealthTracker | None = None

    def coordinators(self) -> dict[str, SubscribingCoordinator[Any, Any]]:
        """Every coordinator of the entry, by the name diagnostics show it under."""
        found: dict[str, SubscribingCoordinator[Any, Any] | None] = {
            "host": self.host,
            "power": self.power,
            "web_service": self.web,
            "backup": self.backup,
            "ups": self.ups,
        }
        if (internet := self.internet) is not None:
            found |= {
                "connection": internet.connection,
                "public_ip": internet.public_ip,
                "speed_test": internet.speed_test,
            }
        if (disks := self.disks) is not None:
            found |= {"smart": disks.smart, "raid": disks.raid}
        if (docker := self.docker) is not None:
            found |= {"docker_engine": docker.engine, "docker_usage": docker.usage}
        if (ddns := self.ddns) is not None:
            found |= {"ddns_record": ddns.record, "ddns_update": ddns.update}
        return {name: coordinator for name, coordinator in found.items() if coordinator is not None}

    def sensors(self) -> list[Source[HomeSentrySensorEntityDescription[Any, Any]]]:
        """Each coordinator with the sensor descriptions it feeds."""
        sources: list[Source[HomeSentrySensorEntityDescription[Any, Any]]] = []
        if self.host is not None:
            sources.append((self.host, HOST_SENSORS))
        if self.power is not None:
            sources.append((self.power, POWER_SENSORS))
        if (disks := self.disks) is not None:
            sources.append((disks.smart, SMART_SENSORS))
            sources.append((disks.raid, RAID_SENSORS))
        if (internet := self.internet) is not None:
            sources.append((internet.connection, CONNECTION_SENSORS))
            sources.append((internet.public_ip, PUBLIC_IP_SENSORS))
            sources.append((internet.speed_test, SPEED_TEST_SENSORS))
        if (docker := self.docker) is not None:
            sources.append((docker.engine, ENGINE_SENSORS + CONTAINER_SENSORS))
            sources.append((docker.usage, USAGE_SENSORS))
        if self.web is not None:
            sources.append((self.web, SERVICE_SENSORS))
        if self.backup is not None:
            sources.append((self.backup, BACKUP_SENSORS))
        if self.ups is not None:
            sources.append((self.ups, UPS_SENSORS))
        if (ddns := self.ddns) is not None:
            sources.append((ddns.record, RECORD_SENSORS))
            if ddns.update is not None:
                sources.append((ddns.update, UPDATE_SENSORS))
        return sources

    def binary_sensors(self) -> list[Source[HomeSentryBinarySensorEntityDescription[Any, Any]]]:
        """Each coordinator with the binary sensor descriptions it feeds."""
        sources: list[Source[HomeSentryBinarySensorEntityDescription[Any, Any]]] = []
        if self.host is not None:
            sources.append((self.host, HOST_BINARY_SENSORS))
        if (disks := self.disks) is not None:
            sources.append((disks.smart, SMART_BINARY_SENSORS))
            sources.append((disks.raid, RAID_BINARY_SENSORS))
        if (internet := self.internet) is not None:
            sources.append((internet.connection, CONNECTION_BINARY_SENSORS))
        if (docker := self.docker) is not None:
            sources.append((docker.engine, ENGINE_BINARY_SENSORS + CONTAINER_BINARY_SENSORS))
        if self.web is not None:
            sources.append((self.web, SERVICE_BINARY_SENSORS))
        if self.backup is not None:
            sources.append((self.backup, BACKUP_BINARY_SENSORS))
        if self.ups is not None:
            sources.append((self.ups, UPS_BINARY_SENSORS))
        if self.ddns is not None:
            sources.append((self.ddns.record, RECORD_BINARY_SENSORS))
        return sources

    def buttons(self) -> list[Source[HomeSentryButtonDescription]]:
        """Each coordinator with the buttons that act on it."""
        sources: list[Source[HomeSentryButtonDescription]] = []
        if (disks := self.disks) is not None:
            sources.append((disks.smart, (SELF_TEST_BUTTON,)))
        if (internet := self.internet) is not None:
            sources.append((internet.speed_test, (SPEED_TEST_BUTTON,)))
        if (docker := self.docker) is not None and docker.control:
            sources.append((docker.engine, (RESTART_BUTTON,)))
        if self.ups is not None:
            sources.append((self.ups, ups_buttons(self.ups.data.reading.commands)))
        if self.ddns is not None and self.ddns.update is not None:
            sources.append((self.ddns.update, (UPDATE_BUTTON,)))
        return sources


type HomeSentryConfigEntry = ConfigEntry[HomeSentryData]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and install its blueprints (once, whatever the entries)."""
    async_setup_services(hass)
    await async_install_blueprints(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> bool:
    """Set up one monitored thing from its config entry."""
    data = HomeSentryData()
    if entry.data[CONF_KIND] == MonitorKind.HOST:
        data.host = await _async_setup_host(hass, entry)
        data.power = await async_setup_power(hass, entry)
        data.power.device_info = data.host.device_info
    elif entry.data[CONF_KIND] == MonitorKind.DISKS:
        disks_device = DeviceInfo(identifiers={(DOMAIN, str(entry.unique_id))}, name=entry.title, model="Disks")
        data.disks = await async_setup_disks(hass, entry, disks_device)
    elif entry.data[CONF_KIND] == MonitorKind.INTERNET:
        data.internet = await async_setup_internet(hass, entry)
        device_info = _service_device(entry)
        for coordinator in data.internet.all:
            coordinator.device_info = device_info
    elif entry.data[CONF_KIND] == MonitorKind.DOCKER:
        data.docker = await async_setup_docker(hass, entry)
    elif entry.data[CONF_KIND] == MonitorKind.WEB_SERVICE:
        data.web = WebServiceCoordinator(hass, entry)
        data.web.device_info = _service_device(entry, "Web service")
        await data.web.async_config_entry_first_refresh()
    elif entry.data[CONF_KIND] == MonitorKind.BACKUP:
        data.backup = await async_setup_backup(hass, entry)
        data.backup.device_info = _service_device(entry, "Backup job")
    elif entry.data[CONF_KIND] == MonitorKind.UPS:
        data.ups = await async_setup_ups(hass, entry)
        variables = data.ups.data.reading.variables
        data.ups.device_info = DeviceInfo(
            identifiers={(DOMAIN, str(entry.unique_id))},
            name=entry.title,
            manufacturer=variables.get("device.mfr") or variables.get("ups.mfr"),
            model=variables.get("device.model") or variables.get("ups.model"),
            serial_number=variables.get("device.serial") or variables.get("ups.serial"),
            sw_version=variables.get("ups.firmware"),
        )
    elif entry.data[CONF_KIND] == MonitorKind.DDNS:
        integration = await async_get_integration(hass, DOMAIN)
        data.ddns = await async_setup_ddns(hass, entry, str(integration.version))
        device_info = _service_device(entry, "Dynamic DNS hostname")
        for ddns_coordinator in (data.ddns.record, data.ddns.update):
            if ddns_coordinator is not None:
                ddns_coordinator.device_info = device_info
    data.health = HealthTracker(hass, entry)
    entry.runtime_data = data
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _service_device(entry: HomeSentryConfigEntry, model: str | None = None) -> DeviceInfo:
    """The device of a monitored service (not a physical machine), named as the entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, str(entry.unique_id))},
        name=entry.title,
        model=model,
        entry_type=DeviceEntryType.SERVICE,
    )


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
    if (docker := entry.runtime_data.docker) is not None:
        await hass.async_add_executor_job(docker.stop)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> None:
    """Delete what a removed entry kept on disk."""
    for name in STORE_NAMES:
        await entry_store(hass, entry.entry_id, name).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a container's, disk's or array's device once it is gone."""
    if (disks := entry.runtime_data.disks) is not None:
        return disks.removable(device)
    docker = entry.runtime_data.docker
    if docker is None or docker.engine.data is None or not docker.engine.data.reachable:
        return False
    name = container_name(entry, device)
    return name is not None and name not in docker.engine.data.engine.containers
