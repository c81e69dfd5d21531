"""Config flow: a menu of what to monitor; options and reconfigure per kind."""

from __future__ import annotations

import socket
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio

from . import HomeSentryConfigEntry, const
from .const import (
    CONF_INTERFACES,
    CONF_KIND,
    CONF_MACHINE_ID,
    CONF_SCAN_INTERVAL,
    DEFAULT_HOST_SCAN_INTERVAL,
    DOMAIN,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    MonitorKind,
)
from .probes.host import read_machine_id
from .probes.network import list_interfaces, physical_interfaces


def _host_unique_id(machine_id: str) -> str:
    return f"{MonitorKind.HOST}_{machine_id}"


def _name_schema(default: str) -> probatio.Schema:
    return probatio.Schema({probatio.Required(CONF_NAME, default=default): TextSelector()})


class HomeSentryConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add something to monitor."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: HomeSentryConfigEntry) -> HomeSentryOptionsFlow:
        """Options of an entry."""
        return HomeSentryOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to monitor."""
        return self.async_show_menu(step_id="user", menu_options=[MonitorKind.HOST.value])

    async def async_step_host(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Monitor the machine Home Assistant runs on."""
        machine_id = await self.hass.async_add_executor_job(read_machine_id, const.ETC_ROOT)
        await self.async_set_unique_id(_host_unique_id(machine_id))
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if not name:
                errors[CONF_NAME] = "name_required"
            else:
                interfaces = await self.hass.async_add_executor_job(physical_interfaces, const.SYSFS_ROOT)
                return self.async_create_entry(
                    title=name,
                    data={CONF_KIND: MonitorKind.HOST.value, CONF_NAME: name, CONF_MACHINE_ID: machine_id},
                    options={CONF_SCAN_INTERVAL: DEFAULT_HOST_SCAN_INTERVAL, CONF_INTERFACES: interfaces},
                )
        return self.async_show_form(step_id="host", data_schema=_name_schema(socket.gethostname()), errors=errors)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Rename the monitored server; refuse if HA now runs on another machine."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            machine_id = await self.hass.async_add_executor_job(read_machine_id, const.ETC_ROOT)
            await self.async_set_unique_id(_host_unique_id(machine_id))
            self._abort_if_unique_id_mismatch(reason="different_machine")
            name = user_input[CONF_NAME].strip()
            if not name:
                errors[CONF_NAME] = "name_required"
            else:
                return self.async_update_reload_and_abort(entry, title=name, data_updates={CONF_NAME: name})
        return self.async_show_form(step_id="reconfigure", data_schema=_name_schema(entry.title), errors=errors)


class HomeSentryOptionsFlow(OptionsFlowWithReload):
    """Update interval and interfaces of a monitored server."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options; the entry reloads when they change."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                    CONF_INTERFACES: list(user_input.get(CONF_INTERFACES, [])),
                }
            )
        options = self.config_entry.options
        available = await self.hass.async_add_executor_job(list_interfaces, const.SYSFS_ROOT)
        chosen = list(options.get(CONF_INTERFACES, []))
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_SCAN_INTERVAL, default=options.get(CONF_SCAN_INTERVAL, DEFAULT_HOST_SCAN_INTERVAL)
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_SCAN_INTERVAL,
                        max=MAX_SCAN_INTERVAL,
                        step=1,
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement="s",
                    )
                ),
                probatio.Optional(CONF_INTERFACES, default=chosen): SelectSelector(
                    SelectSelectorConfig(
                        # Keep chosen interfaces that are gone right now (a USB NIC unplugged).
                        options=sorted(set(available) | set(chosen)),
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
