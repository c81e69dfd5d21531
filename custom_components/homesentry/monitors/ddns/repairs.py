"""The DDNS repair flow: a user who fixed what the provider complained about resumes updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, override

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState

from ...const import DOMAIN
from .coordinator import DdnsCoordinators


class ResumeUpdatesFlow(ConfirmRepairFlow):
    """Confirm the problem is fixed at the provider; updates are sent again."""

    def __init__(self, entry_id: str) -> None:
        """Remember whose updates to resume."""
        super().__init__()
        self.entry_id = entry_id

    @classmethod
    def for_issue(cls, data: Mapping[str, Any]) -> Self:
        """The flow of an issue whose data names the entry."""
        return cls(str(data.get("entry_id", "")))

    @override
    async def async_step_confirm(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """On confirmation, lift the halt and try at once."""
        if user_input is not None:
            entry = self.hass.config_entries.async_get_entry(self.entry_id)
            if entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED:
                ddns = entry.runtime_data.monitor
                if isinstance(ddns, DdnsCoordinators) and ddns.update is not None:
                    await ddns.update.async_resume()
                    await ddns.update.async_request_refresh()
        return await super().async_step_confirm(user_input)
