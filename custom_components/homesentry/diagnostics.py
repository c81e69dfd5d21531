"""Diagnostics: the entry (identifiers redacted) and each coordinator's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from . import HomeSentryConfigEntry
from .const import CONF_MACHINE_ID

# The machine id identifies the machine across networks (systemd treats it as
# confidential); the entry's unique id is built from it.
TO_REDACT = {CONF_MACHINE_ID, "unique_id"}


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
    return value


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    diagnostics: dict[str, Any] = {"entry": async_redact_data(entry.as_dict(), TO_REDACT)}
    if (host := entry.runtime_data.host) is not None:
        diagnostics["host"] = {
            "last_update_success": host.last_update_success,
            "update_interval_seconds": host.update_interval.total_seconds() if host.update_interval else None,
            "collecting": _plain(host.wanted),
            "failing": _plain(host.failing),
            "data": _plain(host.data),
        }
    return diagnostics
