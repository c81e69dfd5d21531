"""The This server monitor: the machine Home Assistant runs on (its host readings and its power)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant

from ... import world
from ...const import MonitorKind
from ...probes.host import read_host_info
from ..base import MonitorRuntime, MonitorSpec, entry_device
from .const import CONF_MACHINE_ID
from .coordinator import HostCoordinator, host_probe_for
from .entities import HOST_BINARY_SENSORS, HOST_SENSORS
from .flow import HostConfigFlow, HostOptionsFlow
from .options import DEFAULT_HOST_OPTIONS, HostOptions
from .power import PowerCoordinator, async_setup_power
from .power_entities import POWER_SENSORS


@dataclass(frozen=True, slots=True)
class HostCoordinators:
    """The two coordinators of This server, at one interval and on one device."""

    host: HostCoordinator
    power: PowerCoordinator


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[HostCoordinators]:
    """Read the machine's identity, then the host and its power once."""
    info = await hass.async_add_executor_job(read_host_info, world.SYSFS_ROOT, world.ETC_ROOT)
    device = entry_device(
        entry,
        manufacturer=info.manufacturer,
        model=info.model,
        sw_version=" ".join(part for part in (info.operating_system, info.kernel) if part),
    )
    host = HostCoordinator(hass, entry, host_probe_for(HostOptions.of(entry.options)), device)

    async def close_probe(_: Event | None = None) -> None:
        await hass.async_add_executor_job(host.probe.close)  # its filesystems' worker thread

    entry.async_on_unload(close_probe)
    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, close_probe))
    await host.async_config_entry_first_refresh()
    power = await async_setup_power(hass, entry, device)
    return MonitorRuntime(
        monitor=HostCoordinators(host, power),
        coordinators={"host": host, "power": power},
        sensors=((host, HOST_SENSORS), (power, POWER_SENSORS)),
        binary_sensors=((host, HOST_BINARY_SENSORS),),
    )


SPEC = MonitorSpec(
    kind=MonitorKind.HOST,
    name="This server",
    async_setup=async_setup,
    config_flow=HostConfigFlow,
    options_flow=HostOptionsFlow,
    default_options=DEFAULT_HOST_OPTIONS,
    sensors=(*HOST_SENSORS, *POWER_SENSORS),
    binary_sensors=HOST_BINARY_SENSORS,
    stores=("power",),
    redact=frozenset({CONF_MACHINE_ID}),  # identifies the machine across networks (systemd: confidential)
)
