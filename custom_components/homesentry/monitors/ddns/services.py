"""The DDNS action: send each named hostname's address to its provider now."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio

from ...const import DOMAIN
from .coordinator import DdnsCoordinators

UPDATE_DDNS_SCHEMA = probatio.Schema(
    {probatio.Required(ATTR_CONFIG_ENTRY_ID): probatio.All(cv.ensure_list, [cv.string])}
)


async def _async_update_ddns(call: ServiceCall) -> None:
    """Send each named hostname's address to its provider now."""
    updaters = []
    for entry_id in call.data[ATTR_CONFIG_ENTRY_ID]:
        entry = call.hass.config_entries.async_get_entry(entry_id)
        loaded = entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED
        ddns = entry.runtime_data.monitor if loaded and entry is not None else None
        if entry is None or not isinstance(ddns, DdnsCoordinators):
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


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the action."""
    hass.services.async_register(DOMAIN, "update_ddns", _async_update_ddns, UPDATE_DDNS_SCHEMA)
