"""A dynamic DNS hostname: its record checked against the public address, and updated at its provider."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from ...const import DOMAIN, MonitorKind
from ..base import MonitorRuntime, MonitorSpec, service_device
from .coordinator import SECRETS, DdnsCoordinators, async_setup_ddns
from .entities import RECORD_BINARY_SENSORS, RECORD_SENSORS, UPDATE_BUTTON, UPDATE_SENSORS
from .flow import DdnsConfigFlow, DdnsOptionsFlow
from .options import DEFAULT_DDNS_OPTIONS
from .repairs import ResumeUpdatesFlow
from .services import async_setup_services


async def async_setup(hass: HomeAssistant, entry: ConfigEntry) -> MonitorRuntime[DdnsCoordinators]:
    """Restore the update state and address history; check the record once (and update it, unless verify-only)."""
    integration = await async_get_integration(hass, DOMAIN)
    ddns = await async_setup_ddns(hass, entry, str(integration.version), service_device(entry, "Dynamic DNS hostname"))
    record, update = ddns.record, ddns.update
    return MonitorRuntime(
        monitor=ddns,
        coordinators={"ddns_record": record} | ({"ddns_update": update} if update is not None else {}),
        sensors=((record, RECORD_SENSORS), *(((update, UPDATE_SENSORS),) if update is not None else ())),
        binary_sensors=((record, RECORD_BINARY_SENSORS),),
        buttons=((update, (UPDATE_BUTTON,)),) if update is not None else (),
    )


SPEC = MonitorSpec(
    kind=MonitorKind.DDNS,
    name="Dynamic DNS hostname",
    async_setup=async_setup,
    config_flow=DdnsConfigFlow,
    options_flow=DdnsOptionsFlow,
    default_options=DEFAULT_DDNS_OPTIONS,
    sensors=(*RECORD_SENSORS, *UPDATE_SENSORS),
    binary_sensors=RECORD_BINARY_SENSORS,
    buttons=(UPDATE_BUTTON,),
    stores=("ddns", "public_ip"),
    # A provider's token, API token, user, update URL (the token is in it), and the account's password; the
    # hostname and what it resolves to locate the user's home.
    redact=frozenset(
        {
            *SECRETS,
            "password",
            "hostname",
            "public_ip",
            "accepted_ip",
            "whoami",
            "record",
            "authoritative",
            "resolvers",
            "reachability",
            "zone",
            "title",
        }
    ),
    async_setup_services=async_setup_services,
    fix_flow=ResumeUpdatesFlow.for_issue,
)
