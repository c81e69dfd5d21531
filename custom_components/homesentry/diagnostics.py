"""Diagnostics: the entry (identifiers redacted) and each coordinator's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from . import HomeSentryConfigEntry
from .const import CONF_MACHINE_ID
from .ddns import SECRETS
from .internet import ConnectionSnapshot

# The machine id identifies the machine across networks (systemd treats it as
# confidential); the entry's unique id is built from it. Public addresses
# locate the user's home.
TO_REDACT = {
    CONF_MACHINE_ID, "unique_id", "addresses", "answers", "changes", "address", "old", "new",
    "health_output",  # whatever a health check printed may hold a token
    "headers",  # a web service's API key
    "password",  # a NUT server's, a dyndns2 account's
    *SECRETS,  # a DDNS provider's token, API token, user, update URL (the token is in it)
    # A DDNS hostname and what it resolves to locate the user's home.
    "hostname", "public_ip", "accepted_ip", "whoami", "record", "authoritative", "resolvers", "reachability",
    "zone", "title",
    "device.serial",
    "serial",  # a disk's serial number
    "ups.serial",
}  # fmt: skip


def _plain(value: Any) -> Any:
    """Make dataclasses, enums, sets and datetimes JSON-friendly."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    diagnostics: dict[str, Any] = {"entry": async_redact_data(entry.as_dict(), TO_REDACT)}
    for name, coordinator in entry.runtime_data.coordinators().items():
        data = _plain(coordinator.data)
        if isinstance(coordinator.data, ConnectionSnapshot):  # what the entities derive from it
            snapshot = coordinator.data
            data |= {
                "connected": snapshot.connected,
                "fault": snapshot.fault.value,
                "internet": _plain(snapshot.internet),
            }
        diagnostics[name] = {
            "last_update_success": coordinator.last_update_success,
            "update_interval_seconds": (
                coordinator.update_interval.total_seconds() if coordinator.update_interval else None
            ),
            "collecting": _plain(coordinator.wanted),
            "failing": _plain(coordinator.failing),
            "data": async_redact_data(data, TO_REDACT),
        }
    return diagnostics
