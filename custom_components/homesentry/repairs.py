"""Repair flows: the monitor whose issue it is fixes it (a DDNS hostname resumes its updates)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

from .const import CONF_KIND, DOMAIN
from .monitors import spec_for


async def async_create_fix_flow(hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None) -> RepairsFlow:
    """The flow that fixes a HomeSentry repair issue: its entry's monitor's, or a plain confirmation."""
    entry = hass.config_entries.async_get_entry(str((data or {}).get("entry_id", "")))
    if entry is not None and entry.domain == DOMAIN and (fix_flow := spec_for(entry.data[CONF_KIND]).fix_flow):
        return fix_flow(data or {})
    return ConfirmRepairFlow()
