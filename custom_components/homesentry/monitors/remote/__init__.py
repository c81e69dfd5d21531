"""A Remote server: another machine of the home lab, read through its Prometheus node_exporter.

It shows This server's entities (the same descriptions, units and health
rules), from the same snapshot the local host probe makes, and its power
from This server's power coordinator fed by the same scrapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady

from ...const import MonitorKind
from ...probes.node_exporter import machine_info
from ..base import MonitorRuntime, MonitorSpec, entry_device
from ..host.entities import HOST_BINARY_SENSORS, HOST_SENSORS
from ..host.power_entities import POWER_SENSORS
from .coordinator import RemoteCoordinator, ScrapeError, async_scrape, scrape_failure
from .flow import RemoteConfigFlow, RemoteOptionsFlow
from .options import DEFAULT_REMOTE_OPTIONS
from .power import RemotePowerCoordinator


@dataclass(frozen=True, slots=True)
class RemoteCoordinators:
    """A Remote server's two coordinators: its host readings and its power."""

    remote: RemoteCoordinator
    power: RemotePowerCoordinator


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[RemoteCoordinators]:
    """Scrape once for who the machine is (and a first sample for rates), then read it."""
    try:
        samples = await async_scrape(hass, entry.data)
    except ScrapeError as err:
        raise scrape_failure(err, ConfigEntryNotReady) from err
    info = machine_info(samples)
    device = entry_device(
        entry,
        manufacturer=info.manufacturer,
        model=info.model,
        sw_version=" ".join(part for part in (info.operating_system, info.kernel) if part) or None,
    )
    remote = RemoteCoordinator(hass, entry, device)
    await hass.async_add_executor_job(remote.prime, samples)
    await remote.async_config_entry_first_refresh()
    power = RemotePowerCoordinator(hass, entry, remote, device)
    await power.async_setup()
    entry.async_on_unload(power.async_close)
    await power.async_config_entry_first_refresh()
    return MonitorRuntime(
        monitor=RemoteCoordinators(remote, power),
        coordinators={"remote": remote, "power": power},
        sensors=((remote, HOST_SENSORS), (power, POWER_SENSORS)),
        binary_sensors=((remote, HOST_BINARY_SENSORS),),
    )


SPEC = MonitorSpec(
    kind=MonitorKind.REMOTE,
    name="Remote server",
    async_setup=async_setup,
    config_flow=RemoteConfigFlow,
    options_flow=RemoteOptionsFlow,
    default_options=DEFAULT_REMOTE_OPTIONS,
    sensors=(*HOST_SENSORS, *POWER_SENSORS),
    binary_sensors=HOST_BINARY_SENSORS,
    stores=("power",),
    redact=frozenset({"address", "username", "password"}),  # where the machine is, and the exporter's login
)
