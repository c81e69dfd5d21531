"""Disks: every disk's SMART, the md RAID arrays and the ZFS and btrfs pools of the machine Home Assistant runs on."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ...const import MonitorKind
from ..base import MonitorRuntime, MonitorSpec, entry_device
from .coordinator import DiskCoordinators, async_setup_disks
from .entities import RAID_BINARY_SENSORS, RAID_SENSORS, SELF_TEST_BUTTON, SMART_BINARY_SENSORS, SMART_SENSORS
from .flow import DisksConfigFlow, DisksOptionsFlow
from .options import DEFAULT_DISKS_OPTIONS
from .pool_entities import POOL_BINARY_SENSORS, POOL_SENSORS


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[DiskCoordinators]:
    """Find smartctl, read the arrays and the disks once; each disk and array gets its own device."""
    disks = await async_setup_disks(hass, entry, entry_device(entry, model="Disks"))
    return MonitorRuntime(
        monitor=disks,
        coordinators={"smart": disks.smart, "raid": disks.raid, "pools": disks.pools},
        sensors=((disks.smart, SMART_SENSORS), (disks.raid, RAID_SENSORS), (disks.pools, POOL_SENSORS)),
        binary_sensors=(
            (disks.smart, SMART_BINARY_SENSORS),
            (disks.raid, RAID_BINARY_SENSORS),
            (disks.pools, POOL_BINARY_SENSORS),
        ),
        buttons=((disks.smart, (SELF_TEST_BUTTON,)),),
        removable=disks.removable,
    )


SPEC = MonitorSpec(
    kind=MonitorKind.DISKS,
    name="Disks",
    async_setup=async_setup,
    config_flow=DisksConfigFlow,
    options_flow=DisksOptionsFlow,
    default_options=DEFAULT_DISKS_OPTIONS,
    sensors=(*SMART_SENSORS, *RAID_SENSORS, *POOL_SENSORS),
    binary_sensors=(*SMART_BINARY_SENSORS, *RAID_BINARY_SENSORS, *POOL_BINARY_SENSORS),
    buttons=(SELF_TEST_BUTTON,),
    redact=frozenset({"serial"}),  # a disk's serial number
)
