"""The Disks steps: where smartctl is, and how often SMART and the arrays are read."""

from __future__ import annotations

import os
from pathlib import Path

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlowResult
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio

from ...const import CONF_KIND, MonitorKind
from ..flow import (
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
)
from .const import CONF_RAID_INTERVAL, CONF_SCRUB_OVERDUE_DAYS, CONF_SMART_MINUTES, CONF_SMART_READER, CONF_SMARTCTL
from .coordinator import READERS, find_smartctl
from .options import DEFAULT_DISKS_OPTIONS


class DisksConfigFlow(MonitorConfigFlow):
    """Add the Disks entry; point it at another smartctl."""

    async def async_step_disks(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Watch this machine's disks (SMART) and md RAID arrays: one per Home Assistant.

        SMART is read by smartctl where it is installed, else through the kernel
        (Home Assistant OS, Container); ``smart_reader`` forces either. A path
        the user gives must be a program.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            path = str(user_input.get(CONF_SMARTCTL) or "").strip()
            if path and not await self.hass.async_add_executor_job(_is_program, path):
                errors[CONF_SMARTCTL] = "smartctl_not_found"
            else:
                await self._async_claim(MonitorKind.DISKS.value)
                reader = str(user_input.get(CONF_SMART_READER) or "auto")
                data = {CONF_KIND: MonitorKind.DISKS.value, CONF_SMARTCTL: path, CONF_SMART_READER: reader}
                return self._finish(MonitorKind.DISKS.value, "Disks", data, DEFAULT_DISKS_OPTIONS)
        elif self.source != SOURCE_RECONFIGURE:
            await self._async_claim(MonitorKind.DISKS.value)
        found = await self.hass.async_add_executor_job(find_smartctl, None)
        suggested = {CONF_SMART_READER: "auto", **(user_input or self._current() or {CONF_SMARTCTL: found or ""})}
        readers = SelectSelectorConfig(
            options=list(READERS), translation_key=CONF_SMART_READER, mode=SelectSelectorMode.LIST
        )
        schema = probatio.Schema(
            {
                probatio.Optional(CONF_SMART_READER): SelectSelector(readers),
                probatio.Optional(CONF_SMARTCTL): TextSelector(),
            }
        )
        return self.async_show_form(
            step_id="disks",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"found": found or "-"},
        )

    async def async_reconfigure_disks(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Another smartctl."""
        return await self.async_step_disks(user_input)


class DisksOptionsFlow(MonitorOptionsFlow):
    """How often SMART and the arrays are read; health thresholds."""

    async def async_step_disks(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """How often SMART and the RAID arrays are read."""
        return await self._async_numbers_step("disks", DEFAULT_DISKS_OPTIONS, _DISKS_NUMBERS, user_input)


_DISKS_NUMBERS: dict[str, tuple[int, int, str | None]] = {
    CONF_SMART_MINUTES: (5, 24 * 60, "min"),
    CONF_RAID_INTERVAL: (10, 3600, "s"),
    CONF_SCRUB_OVERDUE_DAYS: (1, 400, "d"),
}


def _is_program(path: str) -> bool:
    """Whether ``path`` is a file this process may run."""
    return Path(path).is_file() and os.access(path, os.X_OK)
