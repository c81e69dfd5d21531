"""The Remote server steps: its node_exporter (and smartctl_exporter) address and login, scraped before kept."""

from __future__ import annotations

from collections.abc import Mapping
import socket
from typing import Any
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_ADDRESS, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import BooleanSelector, TextSelector, TextSelectorConfig, TextSelectorType
import probatio

from ... import world
from ...const import CONF_KIND, CONF_POWER, CONF_SCAN_INTERVAL, MonitorKind
from ...health import CONF_HEALTH
from ...probes.network import local_macs
from ...probes.node_exporter import MachineInfo, machine_info
from ..flow import (
    FormFields,
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    health_now,
    health_options,
    health_schema,
    http_url,
    number,
)
from ..host.flow import power_options, power_schema
from ..host.options import DEFAULT_POWER_OPTIONS
from .const import CONF_SMART_ADDRESS
from .coordinator import ScrapeError, async_scrape
from .identity import known_as, unique_id
from .options import DEFAULT_REMOTE_OPTIONS

_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_ADDRESS): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        probatio.Optional(CONF_USERNAME): TextSelector(),
        probatio.Optional(CONF_PASSWORD): _SECRET,
        probatio.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
        probatio.Optional(CONF_SMART_ADDRESS): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
    }
)
# A smartctl_exporter's failure, as the form says it on its field (a refused login on the whole form).
_SMART_ERRORS = {"cannot_connect": "smart_cannot_connect", "not_node_exporter": "not_smartctl_exporter"}
# The node_exporter's, as the form says it: where nothing answers, what to check is node_exporter.
_NODE_ERRORS = {"cannot_connect": "exporter_cannot_connect"}
METRICS_PATH = "/metrics"  # what the coordinator asks for at the address (a pasted one ends with it)


def _address(value: object) -> str:
    """An exporter address as the entry keeps it: without a trailing slash or the ``/metrics`` a user pasted."""
    return str(value or "").strip().rstrip("/").removesuffix(METRICS_PATH).rstrip("/")


class RemoteConfigFlow(MonitorConfigFlow):
    """Add another machine by its node_exporter; give it a new address; log in again."""

    async def _async_remote_machine(self, data: dict[str, Any]) -> tuple[MachineInfo | None, dict[str, str]]:
        """Who answers at the address, or the form error saying why nobody useful does."""
        if http_url(str(data.get(CONF_ADDRESS, ""))) is None:
            return None, {CONF_ADDRESS: "invalid_url"}
        user = str(data.get(CONF_USERNAME, ""))
        if ":" in user or any(not c.isprintable() for c in user):  # basic auth cannot carry them
            return None, {CONF_USERNAME: "invalid_username"}
        if CONF_SMART_ADDRESS in data and http_url(str(data[CONF_SMART_ADDRESS])) is None:
            return None, {CONF_SMART_ADDRESS: "invalid_url"}
        try:
            info = machine_info(await async_scrape(self.hass, data))
        except ScrapeError as err:
            return None, {"base": _NODE_ERRORS.get(err.reason, err.reason)}
        if not info.hostname:
            return None, {"base": "not_node_exporter"}
        if CONF_SMART_ADDRESS in data:
            try:
                await async_scrape(self.hass, data, CONF_SMART_ADDRESS)
            except ScrapeError as err:
                if err.reason == "invalid_auth":
                    return None, {"base": "smart_invalid_auth"}
                return None, {CONF_SMART_ADDRESS: _SMART_ERRORS[err.reason]}
        return info, {}

    async def _async_is_this_server(self, info: MachineInfo) -> bool:
        """Whether the machine that answered is the one This server watches (a MAC of this machine's, or its name)."""
        if not any(entry.data.get(CONF_KIND) == MonitorKind.HOST for entry in self._async_current_entries()):
            return False
        if not info.macs:
            return info.hostname == socket.gethostname()
        mine = await self.hass.async_add_executor_job(local_macs, world.SYSFS_ROOT)
        return bool(set(info.macs) & set(mine))

    def _title(self, info: MachineInfo, data: Mapping[str, Any]) -> str:
        """The machine's hostname; with its address's host after it where another entry has that title already."""
        hostname = str(info.hostname)
        if all(entry.title != hostname for entry in self._async_current_entries()):
            return hostname
        return f"{hostname} ({urlsplit(str(data[CONF_ADDRESS])).hostname})"

    @staticmethod
    def _remote_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            CONF_KIND: MonitorKind.REMOTE.value,
            CONF_ADDRESS: _address(user_input.get(CONF_ADDRESS)),
            CONF_VERIFY_SSL: bool(user_input.get(CONF_VERIFY_SSL, True)),
        }
        if username := str(user_input.get(CONF_USERNAME) or "").strip():
            data |= {CONF_USERNAME: username, CONF_PASSWORD: str(user_input.get(CONF_PASSWORD) or "")}
        if smart := _address(user_input.get(CONF_SMART_ADDRESS)):
            data[CONF_SMART_ADDRESS] = smart
        return data

    async def async_step_remote(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """The address of the machine's node_exporter, and its login if it has one."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._remote_data(user_input)
            info, errors = await self._async_remote_machine(data)
            if info is not None:
                if await self._async_is_this_server(info):
                    return self.async_abort(reason="this_server")
                await self._async_claim(unique_id(info))
                return self._finish(unique_id(info), self._title(info, data), data, DEFAULT_REMOTE_OPTIONS)
        return self.async_show_form(
            step_id="remote",
            data_schema=self.add_suggested_values_to_schema(_SCHEMA, user_input or self._current()),
            errors=errors,
        )

    async def async_reconfigure_remote(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A new address (or login) of the same machine."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._remote_data(user_input)
            info, errors = await self._async_remote_machine(data)
            if info is not None:
                if entry.unique_id not in known_as(info.hostname, info.macs):  # another machine answers there
                    return self.async_abort(reason="different_machine")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure_remote",
            data_schema=self.add_suggested_values_to_schema(_SCHEMA, user_input or dict(entry.data)),
            errors=errors,
        )

    async def async_step_reconfigure_remote(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """The reconfigure form, submitted."""
        return await self.async_reconfigure_remote(user_input)

    async def async_reauth_remote(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The node_exporter refused the user or password."""
        return await self.async_step_reauth_remote()

    async def async_step_reauth_remote(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Ask for the login again; the exporter must accept it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._remote_data({**entry.data, **user_input})
            info, errors = await self._async_remote_machine(data)
            if info is not None:
                return self.async_update_reload_and_abort(entry, data=data)
        schema = probatio.Schema(
            {
                probatio.Required(CONF_USERNAME, default=entry.data.get(CONF_USERNAME) or ""): TextSelector(),
                probatio.Optional(CONF_PASSWORD): _SECRET,
            }
        )
        return self.async_show_form(
            step_id="reauth_remote", data_schema=schema, errors=errors, description_placeholders={"name": entry.title}
        )


class RemoteOptionsFlow(MonitorOptionsFlow):
    """How often the machine is scraped; its power and cost, as This server's; health thresholds."""

    async def async_step_remote(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """The interval, and the Power and cost and Health sections."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_SCAN_INTERVAL: int({**DEFAULT_REMOTE_OPTIONS, **user_input}[CONF_SCAN_INTERVAL]),
                    CONF_POWER: power_options(user_input.get(CONF_POWER, {})),
                    CONF_HEALTH: health_options(user_input.get(CONF_HEALTH)),
                }
            )
        options = {**DEFAULT_REMOTE_OPTIONS, **self.config_entry.options}
        fields: FormFields = {
            probatio.Required(CONF_SCAN_INTERVAL, default=options[CONF_SCAN_INTERVAL]): number(5, 3600, "s"),
            probatio.Optional(CONF_POWER): section(power_schema(), {"collapsed": True}),
            probatio.Optional(CONF_HEALTH): section(health_schema(self.config_entry), {"collapsed": True}),
        }
        power = {**DEFAULT_POWER_OPTIONS, **options.get(CONF_POWER, {})}
        suggested = {CONF_POWER: power, CONF_HEALTH: health_now(self.config_entry)}
        return self.async_show_form(
            step_id="remote", data_schema=self.add_suggested_values_to_schema(probatio.Schema(fields), suggested)
        )
