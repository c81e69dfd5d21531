"""The backup job's action: record a run (for scripts on other machines, through Home Assistant's REST API)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import probatio

from ...const import DOMAIN
from ...probes.backup import parse_run
from .coordinator import BackupCoordinator

ATTR_ENTRY_ID = "entry_id"
# The metrics line's fields; duration_<phase> fields come as extra keys.
RECORD_BACKUP_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_ENTRY_ID): cv.string,
        probatio.Required("success"): cv.boolean,
        probatio.Optional("timestamp"): cv.string,
        probatio.Optional("backup_id"): cv.string,
        probatio.Optional("duration_total"): probatio.Coerce(float),
        probatio.Optional("size_bytes"): probatio.Coerce(int),
    },
    extra=probatio.ALLOW_EXTRA,
)


async def _async_record_backup(call: ServiceCall) -> None:
    """A run of a backup job, as its metrics line would have it."""
    entry = call.hass.config_entries.async_get_entry(call.data[ATTR_ENTRY_ID])
    loaded = entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED
    backup = entry.runtime_data.monitor if loaded and entry is not None else None
    if not isinstance(backup, BackupCoordinator):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_backup_job",
            translation_placeholders={"entry_id": call.data[ATTR_ENTRY_ID]},
        )
    fields = {key: value for key, value in call.data.items() if key != ATTR_ENTRY_ID}
    fields.setdefault("timestamp", dt_util.utcnow().isoformat())
    try:
        run = parse_run(fields)
    except (ValueError, TypeError) as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_backup_run",
            translation_placeholders={"error": str(err)},
        ) from err
    await backup.async_record(run)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the action; not admin-only: a backup script reports with a long-lived token of a plain user."""
    hass.services.async_register(DOMAIN, "record_backup", _async_record_backup, RECORD_BACKUP_SCHEMA)
