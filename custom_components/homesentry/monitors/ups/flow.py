"""The UPS steps: a NUT server (typed, or announced over mDNS), which of its UPSes, its user again, its options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
)
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import probatio

from ...const import CONF_KIND, CONF_SCAN_INTERVAL, MonitorKind
from ...probes.ups import UpsError, list_ups
from ..flow import (
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    number,
)
from .const import CONF_UPS, CONF_ZEROCONF_NAME, DEFAULT_NUT_PORT
from .coordinator import nut_client
from .options import DEFAULT_UPS_OPTIONS


class UpsConfigFlow(MonitorConfigFlow):
    """Add a UPS of a NUT server; follow a server that moved; ask for its user again."""

    def __init__(self) -> None:
        """Start with no NUT server chosen."""
        self._nut_server: dict[str, Any] = {}
        self._upses: dict[str, str] = {}

    async def async_step_ups(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A NUT server: its address and, for commands, a user; the server is asked for its UPSes."""
        errors: dict[str, str] = {}
        if user_input is not None:
            server = {**user_input, CONF_PORT: int(user_input.get(CONF_PORT, DEFAULT_NUT_PORT))}
            discovered = self._nut_server
            if CONF_ZEROCONF_NAME in discovered and (server[CONF_HOST], server[CONF_PORT]) == (
                discovered[CONF_HOST],
                discovered[CONF_PORT],
            ):  # the announced server itself: keep its name, to follow it
                server[CONF_ZEROCONF_NAME] = discovered[CONF_ZEROCONF_NAME]
            upses, error = await _list_ups(server)
            if error:
                errors["base"] = error
            else:
                self._nut_server, self._upses = server, upses
                if len(upses) == 1:
                    return await self.async_step_ups_pick({CONF_UPS: next(iter(upses))})
                return await self.async_step_ups_pick()
        defaults = user_input or self._nut_server or {CONF_HOST: "", CONF_PORT: DEFAULT_NUT_PORT}
        return self.async_show_form(
            step_id="ups",
            data_schema=self.add_suggested_values_to_schema(_NUT_SCHEMA, defaults),
            errors=errors,
        )

    async def async_step_ups_pick(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Which of the server's UPSes."""
        if user_input is not None:
            ups = user_input[CONF_UPS]
            server = self._nut_server
            await self.async_set_unique_id(f"{MonitorKind.UPS}_{server[CONF_HOST]}:{server[CONF_PORT]}_{ups}")
            self._abort_if_unique_id_configured()
            # The unique id keeps the address it was added at; a server followed elsewhere is matched here.
            self._async_abort_entries_match({CONF_HOST: server[CONF_HOST], CONF_PORT: server[CONF_PORT], CONF_UPS: ups})
            return self.async_create_entry(
                title=self._upses.get(ups) or ups,
                data={CONF_KIND: MonitorKind.UPS.value, **server, CONF_UPS: ups},
                options=dict(DEFAULT_UPS_OPTIONS),
            )
        schema = probatio.Schema(
            {probatio.Required(CONF_UPS): SelectSelector(SelectSelectorConfig(options=sorted(self._upses)))}
        )
        return self.async_show_form(step_id="ups_pick", data_schema=schema)

    @override
    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A NUT server announced itself (_nut._tcp): follow a known one to its address, or offer it.

        The announced service name is the server's identity on the network (mDNS
        keeps it unique); its entries keep it, so a server that comes back at a new
        address or port is followed there instead of being offered again.
        """
        host, port = str(discovery_info.ip_address), discovery_info.port or DEFAULT_NUT_PORT
        address = {CONF_HOST: host, CONF_PORT: port}
        known = False
        for entry in self._async_current_entries(include_ignore=False):
            if entry.data.get(CONF_KIND) != MonitorKind.UPS:
                continue
            at_address = entry.data[CONF_HOST] == host and entry.data[CONF_PORT] == port
            if not at_address and entry.data.get(CONF_ZEROCONF_NAME) != discovery_info.name:
                continue
            known = True
            data = {**entry.data, **address, CONF_ZEROCONF_NAME: discovery_info.name}
            if data != entry.data:
                self.hass.config_entries.async_update_entry(entry, data=data)
                if not at_address:  # it moved: connect there
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
        if known:
            return self.async_abort(reason="already_configured")
        self._nut_server = {**address, CONF_ZEROCONF_NAME: discovery_info.name}
        self.context["title_placeholders"] = {"name": f"{host}:{port}"}
        return await self.async_step_ups()

    async def async_reauth_ups(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server refused the user or password (on a command)."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Ask for a user and password again; the server must still answer."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            server = {**entry.data, **user_input}
            _, error = await _list_ups(server)
            if error:
                errors["base"] = error
            else:
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
        schema = probatio.Schema(
            {
                probatio.Optional(CONF_USERNAME, default=entry.data.get(CONF_USERNAME) or ""): TextSelector(),
                probatio.Optional(CONF_PASSWORD): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
            }
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            errors=errors,
            description_placeholders={"name": entry.title},
        )


class UpsOptionsFlow(MonitorOptionsFlow):
    """How often the UPS is read; health."""

    async def async_step_ups(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """How often the UPS is read."""
        return await self._async_numbers_step("ups", DEFAULT_UPS_OPTIONS, _UPS_NUMBERS, user_input)


_UPS_NUMBERS: dict[str, tuple[int, int, str | None]] = {CONF_SCAN_INTERVAL: (5, 3600, "s")}


_NUT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_HOST): TextSelector(),
        probatio.Required(CONF_PORT, default=DEFAULT_NUT_PORT): number(1, 65535),
        probatio.Optional(CONF_USERNAME): TextSelector(),
        probatio.Optional(CONF_PASSWORD): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
    }
)


async def _list_ups(server: Mapping[str, Any]) -> tuple[dict[str, str], str | None]:
    """The server's UPSes, or the form error saying why there are none."""
    client = nut_client(server)
    try:
        upses = await list_ups(client)
    except UpsError:
        return {}, "nut_cannot_connect"
    finally:
        client.shutdown()
    return upses, None if upses else "no_ups"
