"""A Remote server: another machine of the home lab, read through its Prometheus node_exporter.

It shows This server's entities (the same descriptions, units and health
rules), from the same snapshot the local host probe makes, its power from
This server's power coordinator fed by the same scrapes, its md arrays
and SMART disks with the Disks monitor's entities (``disks.py``), and its ZFS
and btrfs pools with the Disks monitor's pool entities (``pools.py``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr

from ...const import MonitorKind
from ...probes.host import PRIME_SECONDS
from ...probes.node_exporter import machine_info
from ..base import MonitorRuntime, MonitorSpec, entry_device
from ..disks.coordinator import gone
from ..disks.entities import RAID_BINARY_SENSORS, SMART_BINARY_SENSORS
from ..disks.pool_entities import POOL_BINARY_SENSORS, POOL_SENSORS
from ..host.entities import HOST_BINARY_SENSORS, HOST_SENSORS
from ..host.power_entities import POWER_SENSORS
from .coordinator import RemoteCoordinator, ScrapeError, async_scrape, scrape_failure
from .disks import (
    REMOTE_RAID_SENSORS,
    REMOTE_SMART_SENSORS,
    RemoteRaidCoordinator,
    RemoteSmartCoordinator,
)
from .flow import RemoteConfigFlow, RemoteOptionsFlow
from .identity import async_migrate
from .options import DEFAULT_REMOTE_OPTIONS
from .pools import RemotePoolCoordinator
from .power import RemotePowerCoordinator


@dataclass(frozen=True, slots=True)
class RemoteCoordinators:
    """A Remote server's coordinators: its host readings, its power, its arrays, its disks and its pools."""

    remote: RemoteCoordinator
    power: RemotePowerCoordinator
    raid: RemoteRaidCoordinator
    smart: RemoteSmartCoordinator
    pools: RemotePoolCoordinator

    def removable(self, device: dr.DeviceEntry) -> bool:
        """An array's, disk's or pool's device may be deleted once the machine no longer has it."""
        present = set(self.raid.data or ()) | set(self.smart.data.disks if self.smart.data else ())
        present |= self.pools.data.keys if self.pools.data else set()
        return gone(self.remote.config_entry, device, present)


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[RemoteCoordinators]:
    """Scrape once for who the machine is (and a first sample for rates), then read it."""
    try:
        samples = await async_scrape(hass, entry.data)
    except ScrapeError as err:
        raise scrape_failure(err, ConfigEntryNotReady) from err
    scraped = time.monotonic()
    info = machine_info(samples)
    await async_migrate(hass, entry, info)  # an entry known by its hostname takes its MAC id first
    device = entry_device(
        entry,
        manufacturer=info.manufacturer,
        model=info.model,
        sw_version=" ".join(part for part in (info.operating_system, info.kernel) if part) or None,
    )
    remote = RemoteCoordinator(hass, entry, device)
    hub = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **device)
    raid = RemoteRaidCoordinator(hass, entry, remote, "RAID", hub.id)
    smart = RemoteSmartCoordinator(hass, entry, remote, "SMART", hub.id)
    pools = RemotePoolCoordinator(hass, entry, remote, "pools", hub.id)
    await hass.async_add_executor_job(remote.prime, samples)
    # The first cycle's scrape comes at least PRIME_SECONDS after this one, as This server's first
    # sample does: over a few milliseconds a core whose /proc/stat did not tick has no reading.
    await asyncio.sleep(PRIME_SECONDS - (time.monotonic() - scraped))
    await remote.async_config_entry_first_refresh()
    await raid.async_config_entry_first_refresh()
    await smart.async_config_entry_first_refresh()
    await pools.async_config_entry_first_refresh()
    power = RemotePowerCoordinator(hass, entry, remote, device)
    await power.async_setup()
    entry.async_on_unload(power.async_close)
    await power.async_config_entry_first_refresh()
    coordinators = RemoteCoordinators(remote, power, raid, smart, pools)
    return MonitorRuntime(
        monitor=coordinators,
        coordinators={"remote": remote, "power": power, "raid": raid, "smart": smart, "pools": pools},
        sensors=(
            (remote, HOST_SENSORS),
            (power, POWER_SENSORS),
            (raid, REMOTE_RAID_SENSORS),
            (smart, REMOTE_SMART_SENSORS),
            (pools, POOL_SENSORS),
        ),
        binary_sensors=(
            (remote, HOST_BINARY_SENSORS),
            (raid, RAID_BINARY_SENSORS),
            (smart, SMART_BINARY_SENSORS),
            (pools, POOL_BINARY_SENSORS),
        ),
        removable=coordinators.removable,
    )


SPEC = MonitorSpec(
    kind=MonitorKind.REMOTE,
    name="Remote server",
    async_setup=async_setup,
    config_flow=RemoteConfigFlow,
    options_flow=RemoteOptionsFlow,
    default_options=DEFAULT_REMOTE_OPTIONS,
    sensors=(*HOST_SENSORS, *POWER_SENSORS, *REMOTE_RAID_SENSORS, *REMOTE_SMART_SENSORS, *POOL_SENSORS),
    binary_sensors=(*HOST_BINARY_SENSORS, *RAID_BINARY_SENSORS, *SMART_BINARY_SENSORS, *POOL_BINARY_SENSORS),
    stores=("power",),
    redact=frozenset({"address", "smart_address", "username", "password"}),  # where the machine is, the login
)
