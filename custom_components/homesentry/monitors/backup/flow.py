"""The backup job steps: its name and metrics file, and how often it should run."""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import (
    CONF_NAME,
)
from homeassistant.helpers.selector import (
    TextSelector,
)
import probatio

from ...const import CONF_KIND, CONF_SCAN_INTERVAL, MonitorKind
from ...probes.sysfs import slug
from ..flow import (
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    invalid_name,
)
from .const import CONF_EXPECTED_HOURS, CONF_PATH
from .options import DEFAULT_BACKUP_OPTIONS


class BackupConfigFlow(MonitorConfigFlow):
    """Add a backup job; change its name or file."""

    async def async_step_backup(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A backup job: a name, and the metrics file its script appends to (or none)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input.get(CONF_NAME, "")).strip()
            path = str(user_input.get(CONF_PATH) or "").strip()
            if name_error := invalid_name(name):
                errors[CONF_NAME] = name_error
            elif path and not Path(path).is_absolute():
                errors[CONF_PATH] = "path_not_absolute"
            elif path and not await self.hass.async_add_executor_job(Path(path).parent.is_dir):
                errors[CONF_PATH] = "directory_missing"
            else:
                unique_id = f"{MonitorKind.BACKUP}_{path or slug(name)}"
                await self._async_claim(unique_id)
                data = {CONF_KIND: MonitorKind.BACKUP.value, CONF_NAME: name, CONF_PATH: path}
                return self._finish(unique_id, name, data, DEFAULT_BACKUP_OPTIONS)
        schema = probatio.Schema(
            {probatio.Required(CONF_NAME): TextSelector(), probatio.Optional(CONF_PATH): TextSelector()}
        )
        return self.async_show_form(
            step_id="backup",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or self._current()),
            errors=errors,
        )

    async def async_reconfigure_backup(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """The same form the job was added with."""
        return await self.async_step_backup(user_input)


class BackupOptionsFlow(MonitorOptionsFlow):
    """Expected interval, how often the file is read, health."""

    async def async_step_backup(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Expected interval between backups, and how often the file is read."""
        return await self._async_numbers_step("backup", DEFAULT_BACKUP_OPTIONS, _BACKUP_NUMBERS, user_input)


_BACKUP_NUMBERS: dict[str, tuple[int, int, str | None]] = {
    CONF_EXPECTED_HOURS: (1, 24 * 60, "h"),
    CONF_SCAN_INTERVAL: (10, 3600, "s"),
}
