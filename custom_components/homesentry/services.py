"""Actions: each monitor's own (its spec registers them), and snoozing a device's health pushes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
import probatio

from .const import DOMAIN
from .monitors import MONITORS

if TYPE_CHECKING:
    from .monitors.base import HomeSentryConfigEntry

SNOOZE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_DEVICE_ID): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Optional("hours", default=1.0): probatio.All(probatio.Coerce(float), probatio.Range(min=0, max=168)),
    }
)


async def _async_snooze_health(call: ServiceCall) -> None:
    """No health events (so no pushes) for these devices for a while; their Health sensors go on."""
    until = dt_util.utcnow() + timedelta(hours=call.data["hours"])
    for device_id in call.data[ATTR_DEVICE_ID]:
        device, entry = service.async_get_device_and_config_entry(
            call.hass, DOMAIN, device_id, include_child_devices=False
        )
        config_entry: HomeSentryConfigEntry = entry
        if config_entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_loaded",
                translation_placeholders={"device": device.name_by_user or device.name or device_id},
            )
        config_entry.runtime_data.health.snooze(device.id, until)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every monitor's actions, and the health snooze."""
    for spec in MONITORS:
        if spec.async_setup_services is not None:
            spec.async_setup_services(hass)
    hass.services.async_register(DOMAIN, "snooze_health", _async_snooze_health, SNOOZE_SCHEMA)
