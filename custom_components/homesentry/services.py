"""Actions: restart, start and stop a Docker container (when its engine allows control);
record a backup job's run (for scripts on other machines, through Home Assistant's REST API);
send a dynamic DNS hostname's address to its provider now; snooze a device's health pushes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
import probatio

from .const import CONF_KIND, DOMAIN, MonitorKind
from .containers import container_name
from .probes.backup import parse_run
from .probes.docker import ContainerAction

if TYPE_CHECKING:
    from . import HomeSentryConfigEntry

CONTAINER_SCHEMA = probatio.Schema({probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string])})
ATTR_ENTRY_ID = "entry_id"
UPDATE_DDNS_SCHEMA = probatio.Schema(
    {probatio.Required(ATTR_CONFIG_ENTRY_ID): probatio.All(cv.ensure_list, [cv.string])}
)
SNOOZE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Optional("hours", default=1.0): probatio.All(probatio.Coerce(float), probatio.Range(min=0, max=168)),
    }
)
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


async def _async_act(call: ServiceCall, action: ContainerAction) -> None:
    """Run ``action`` on every container device the call names."""
    targets: list[tuple[HomeSentryConfigEntry, str]] = []
    for device_id in call.data[ATTR_DEVICE_ID]:
        device, entry = service.async_get_device_and_config_entry(
            call.hass, DOMAIN, device_id, include_child_devices=False
        )
        config_entry: HomeSentryConfigEntry = entry
        docker = config_entry.runtime_data.docker if config_entry.data[CONF_KIND] == MonitorKind.DOCKER else None
        name = container_name(config_entry, device) if docker is not None else None
        if docker is None or name is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_container",
                translation_placeholders={"device": device.name_by_user or device.name or device_id},
            )
        if not docker.control:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="control_disabled",
                translation_placeholders={"engine": config_entry.title},
            )
        targets.append((config_entry, name))
    for config_entry, name in targets:
        docker = config_entry.runtime_data.docker
        assert docker is not None
        await docker.engine.async_act(name, action)


async def _async_restart(call: ServiceCall) -> None:
    await _async_act(call, ContainerAction.RESTART)


async def _async_start(call: ServiceCall) -> None:
    await _async_act(call, ContainerAction.START)


async def _async_stop(call: ServiceCall) -> None:
    await _async_act(call, ContainerAction.STOP)


async def _async_update_ddns(call: ServiceCall) -> None:
    """Send each named hostname's address to its provider now."""
    updaters = []
    for entry_id in call.data[ATTR_CONFIG_ENTRY_ID]:
        entry = call.hass.config_entries.async_get_entry(entry_id)
        loaded = entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED
        ddns = entry.runtime_data.ddns if loaded and entry is not None else None
        if entry is None or ddns is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_ddns_hostname",
                translation_placeholders={"entry_id": entry_id},
            )
        if ddns.update is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="ddns_verify_only",
                translation_placeholders={"hostname": entry.title},
            )
        updaters.append(ddns.update)
    for updater in updaters:
        await updater.async_update_now()


async def _async_record_backup(call: ServiceCall) -> None:
    """A run of a backup job, as its metrics line would have it."""
    entry = call.hass.config_entries.async_get_entry(call.data[ATTR_ENTRY_ID])
    loaded = entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED
    backup = entry.runtime_data.backup if loaded and entry is not None else None
    if entry is None or backup is None:
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


async def _async_snooze_health(call: ServiceCall) -> None:
    """No health events (so no pushes) for these devices for a while; their Health sensors go on."""
    until = dt_util.utcnow() + timedelta(hours=call.data["hours"])
    for device_id in call.data[ATTR_DEVICE_ID]:
        device, entry = service.async_get_device_and_config_entry(
            call.hass, DOMAIN, device_id, include_child_devices=False
        )
        config_entry: HomeSentryConfigEntry = entry
        if config_entry.state is not ConfigEntryState.LOADED or config_entry.runtime_data.health is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_loaded",
                translation_placeholders={"device": device.name_by_user or device.name or device_id},
            )
        config_entry.runtime_data.health.snooze(device.id, until)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the container actions (admin only: they change the server)."""
    for action, handler in (
        (ContainerAction.RESTART, _async_restart),
        (ContainerAction.START, _async_start),
        (ContainerAction.STOP, _async_stop),
    ):
        service.async_register_admin_service(hass, DOMAIN, f"container_{action}", handler, CONTAINER_SCHEMA)
    # Not admin-only: a backup script reports with a long-lived token of a plain user.
    hass.services.async_register(DOMAIN, "record_backup", _async_record_backup, RECORD_BACKUP_SCHEMA)
    hass.services.async_register(DOMAIN, "update_ddns", _async_update_ddns, UPDATE_DDNS_SCHEMA)
    hass.services.async_register(DOMAIN, "snooze_health", _async_snooze_health, SNOOZE_SCHEMA)
