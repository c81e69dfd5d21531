"""Repair flows: a user who fixed what a DDNS provider complained about resumes updates."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import DOMAIN


class ResumeUpdatesFlow(ConfirmRepairFlow):
    """Confirm the problem is fixed at the provider; updates are sent again."""

    def __init__(self, entry_id: str) -> None:
        """Remember whose updates to resume."""
        super().__init__()
        self.entry_id = entry_id

    async def async_step_confirm(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """On confirmation, lift the halt and try at once."""
        if user_input is not None:
            entry = self.hass.config_entries.async_get_entry(self.entry_id)
            if entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED:
                ddns = entry.runtime_data.ddns
                if ddns is not None and ddns.update is not None:
                    await ddns.update.async_resume()
                    await ddns.update.async_request_refresh()
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None) -> RepairsFlow:
    """The flow that fixes a HomeSentry repair issue."""
    return ResumeUpdatesFlow(str((data or {}).get("entry_id", "")))
