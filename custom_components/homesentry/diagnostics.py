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
from .monitors import MONITORS

# The entry's unique id is built from what identifies the monitored thing (a machine id, an engine id, an
# address); each monitor names the keys of its own that identify or locate the user, or are secrets. One set
# for every entry: a key secret in one monitor is hidden in all.
TO_REDACT = frozenset({"unique_id"}.union(*(spec.redact for spec in MONITORS)))


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
    for name, coordinator in entry.runtime_data.runtime.coordinators.items():
        data = _plain(coordinator.data)
        if extra := coordinator.diagnostics_extra():  # what its entities derive from the data
            data |= _plain(extra)
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
