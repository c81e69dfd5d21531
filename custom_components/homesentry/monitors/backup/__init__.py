"""A backup job: the runs its script appends to a metrics file, or reports through an action."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from ...const import MonitorKind
from ..base import MonitorRuntime, MonitorSpec, service_device
from .coordinator import BackupCoordinator, async_setup_backup
from .entities import BACKUP_BINARY_SENSORS, BACKUP_SENSORS
from .flow import BackupConfigFlow, BackupOptionsFlow
from .options import DEFAULT_BACKUP_OPTIONS
from .services import async_setup_services


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[BackupCoordinator]:
    """Restore the runs and read the file once."""
    backup = await async_setup_backup(hass, entry, service_device(entry, "Backup job"))
    return MonitorRuntime.single("backup", backup, BACKUP_SENSORS, BACKUP_BINARY_SENSORS)


SPEC = MonitorSpec(
    kind=MonitorKind.BACKUP,
    name="Backup job",
    async_setup=async_setup,
    config_flow=BackupConfigFlow,
    options_flow=BackupOptionsFlow,
    default_options=DEFAULT_BACKUP_OPTIONS,
    sensors=BACKUP_SENSORS,
    binary_sensors=BACKUP_BINARY_SENSORS,
    stores=("backup",),
    async_setup_services=async_setup_services,
)
