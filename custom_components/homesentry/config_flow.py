"""Config flow: a menu of what to monitor; options and reconfigure per kind."""

from __future__ import annotations

from collections.abc import Mapping
import os
from pathlib import Path
import re
import socket
from typing import Any
import unicodedata

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_HOST,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.loader import async_get_integration
import probatio
from yarl import URL

from . import HomeSentryConfigEntry, const
from .const import (
    CONF_CERTIFICATE_DAYS,
    CONF_CHECK,
    CONF_CONTROL,
    CONF_DNS_NAMES,
    CONF_EXPECTED_HOURS,
    CONF_FAILURE_THRESHOLD,
    CONF_FOLLOW_REDIRECTS,
    CONF_GATEWAY,
    CONF_GRACE_MINUTES,
    CONF_HDD_ACTIVE_WATTS,
    CONF_HDD_IDLE_WATTS,
    CONF_HEADERS,
    CONF_HOSTNAME,
    CONF_IDLE_WATTS,
    CONF_INTERFACES,
    CONF_KEYWORD,
    CONF_KIND,
    CONF_MACHINE_CLASS,
    CONF_MACHINE_ID,
    CONF_MAX_WATTS,
    CONF_METHOD,
    CONF_MODE,
    CONF_MOUNTS,
    CONF_PATH,
    CONF_PING_COUNT,
    CONF_PING_GATEWAY,
    CONF_POWER,
    CONF_POWER_ENTITY,
    CONF_PRESET,
    CONF_PRICE,
    CONF_PRICE_ENTITY,
    CONF_PROVIDER,
    CONF_PUBLIC_IP_INTERVAL,
    CONF_RAID_INTERVAL,
    CONF_REACHABILITY,
    CONF_REMOVE_AFTER_HOURS,
    CONF_RESOLVERS,
    CONF_SCAN_INTERVAL,
    CONF_SERVER_URL,
    CONF_SMART_MINUTES,
    CONF_SMARTCTL,
    CONF_SPEED_TEST_HOURS,
    CONF_SPEED_TEST_MAX_MB,
    CONF_SPEED_TEST_STREAMS,
    CONF_SPEED_TEST_URL,
    CONF_STATS_INTERVAL,
    CONF_STATUSES,
    CONF_TARGETS,
    CONF_TCP_PORT,
    CONF_UPDATE_URL,
    CONF_UPS,
    CONF_URL,
    CONF_VERIFY_TLS,
    CONF_ZEROCONF_NAME,
    DEFAULT_BACKUP_OPTIONS,
    DEFAULT_DDNS_OPTIONS,
    DEFAULT_DISKS_OPTIONS,
    DEFAULT_DOCKER_OPTIONS,
    DEFAULT_HOST_SCAN_INTERVAL,
    DEFAULT_INTERNET_OPTIONS,
    DEFAULT_NUT_PORT,
    DEFAULT_POWER_OPTIONS,
    DEFAULT_UPS_OPTIONS,
    DEFAULT_WEB_OPTIONS,
    DOMAIN,
    MACHINE_AUTO,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    MODE_UPDATE,
    MODE_VERIFY,
    DdnsProvider,
    MonitorKind,
)
from .ddns import CREDENTIAL_FIELDS, PROVIDER_FIELDS, async_check, normalise
from .disks import find_smartctl
from .health import (
    CONF_HEALTH,
    DEFAULT_GRACE_MINUTES,
    HEALTH_THRESHOLDS_BY_KIND,
    THRESHOLDS,
)
from .probes.dns import SYSTEM, parse_resolver
from .probes.docker import (
    DEFAULT_URL,
    EngineError,
    EngineInfo,
    EngineNotFound,
    EnginePermissionDenied,
    InvalidEngineUrl,
    NotAnEngine,
    check_engine,
    normalize_url,
)
from .probes.filesystems import Mount, list_mounts
from .probes.host import read_machine_id
from .probes.network import list_interfaces, physical_interfaces
from .probes.nut import UpsError, list_ups
from .probes.power_model import MachineClass
from .probes.sysfs import slug
from .probes.web import PRESETS, CheckKind, parse_headers, parse_statuses
from .ups import nut_client
from .web_service import run_check

# A name becomes an entry's title and a device's name: trimmed, of sane length, without control characters
# (line breaks, NUL, escapes) or the bidirectional overrides that make text read other than it is stored.
NAME_MAX = 64
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _name_error(name: str) -> str | None:
    """The translated error for a trimmed name, or None when it will do."""
    if not name:
        return "name_required"
    if len(name) > NAME_MAX:
        return "name_too_long"
    if any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in name):
        return "name_invalid"
    return None


def _host_unique_id(machine_id: str) -> str:
    return f"{MonitorKind.HOST}_{machine_id}"


def _name_schema(default: str) -> probatio.Schema:
    return probatio.Schema({probatio.Required(CONF_NAME, default=default): TextSelector()})


def _url_schema(default: str) -> probatio.Schema:
    return probatio.Schema({probatio.Required(CONF_URL, default=default): TextSelector()})


# Why an engine cannot be used, as a translated form error.
_ENGINE_ERRORS: dict[type[EngineError], str] = {
    InvalidEngineUrl: "invalid_engine_url",
    EngineNotFound: "socket_not_found",
    EnginePermissionDenied: "permission_denied",
    NotAnEngine: "not_docker",
}


async def _check_engine(flow: ConfigFlow, text: str) -> tuple[str, EngineInfo | None, dict[str, str]]:
    """Ask the engine at ``text`` who it is: the normalised URL, the engine, or the form error.

    The flow's unique id becomes the engine's, so the caller can refuse a
    duplicate or a different engine.
    """
    try:
        url = normalize_url(text)
        info = await flow.hass.async_add_executor_job(check_engine, url)
    except EngineError as err:
        return text, None, {CONF_URL: _ENGINE_ERRORS.get(type(err), "cannot_connect")}
    await flow.async_set_unique_id(f"{MonitorKind.DOCKER}_{info.id}")
    return url, info, {}


class HomeSentryConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add something to monitor."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with no NUT server chosen."""
        self._nut_server: dict[str, Any] = {}
        self._upses: dict[str, str] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: HomeSentryConfigEntry) -> HomeSentryOptionsFlow:
        """Options of an entry."""
        return HomeSentryOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to monitor."""
        return self.async_show_menu(step_id="user", menu_options=[kind.value for kind in MonitorKind])

    async def async_step_ups(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
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

    async def async_step_ups_pick(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
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

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A NUT server refused the user or password (on a command), or a DDNS provider the credentials."""
        if entry_data[CONF_KIND] == MonitorKind.DDNS:
            return await self.async_step_reauth_ddns()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_ddns(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the provider's credentials again; they are tried before they are kept."""
        entry = self._get_reauth_entry()
        kind = DdnsProvider(entry.data[CONF_PROVIDER])
        fields = [key for key in PROVIDER_FIELDS[kind] if key in CREDENTIAL_FIELDS]
        errors: dict[str, str] = {}
        placeholders = {"hostname": entry.title, "answer": ""}
        if user_input is not None:
            data, errors = normalise(kind, {**entry.data, **user_input})
            if not errors:
                error, placeholders["answer"] = await async_check(self.hass, data, await _version(self))
                if error is None:
                    return self.async_update_reload_and_abort(entry, data_updates=data)
                errors["base"] = error
        schema = probatio.Schema({probatio.Required(key): _DDNS_SELECTORS.get(key, TextSelector()) for key in fields})
        return self.async_show_form(
            step_id="reauth_ddns", data_schema=schema, errors=errors, description_placeholders=placeholders
        )

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
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

    async def async_step_web_service(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how the service is checked."""
        return self.async_show_menu(step_id="web_service", menu_options=["web_http", "web_tcp", "web_icmp"])

    async def async_step_web_http(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """An HTTP(S) check, optionally from an app's preset."""
        return await self._async_web_step(CheckKind.HTTP, "web_http", user_input)

    async def async_step_web_tcp(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A TCP port that must accept connections."""
        return await self._async_web_step(CheckKind.TCP, "web_tcp", user_input)

    async def async_step_web_icmp(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A host that must answer pings."""
        return await self._async_web_step(CheckKind.ICMP, "web_icmp", user_input)

    async def _async_web_step(
        self, kind: CheckKind, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data, title, errors = _web_check(kind, user_input)
            if not errors:
                unique_id = _web_unique_id(data)
                await self._async_claim(unique_id)
                result = await run_check(self.hass, data, None)
                if result.ok:
                    return self._finish(unique_id, title, data, DEFAULT_WEB_OPTIONS)
                errors["base"] = f"check_{result.failure}"
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(_web_schema(kind), user_input or self._current()),
            errors=errors,
            description_placeholders={"presets": ", ".join(PRESETS)},
        )

    async def async_step_backup(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A backup job: a name, and the metrics file its script appends to (or none)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input.get(CONF_NAME, "")).strip()
            path = str(user_input.get(CONF_PATH) or "").strip()
            if name_error := _name_error(name):
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

    async def async_step_ddns(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask who keeps the hostname's record."""
        return self.async_show_menu(step_id="ddns", menu_options=[f"ddns_{kind}" for kind in DdnsProvider])

    async def async_step_ddns_duckdns(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A DuckDNS subdomain and the account's token."""
        return await self._async_ddns_step(DdnsProvider.DUCKDNS, user_input)

    async def async_step_ddns_noip(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A No-IP hostname, and the account (or DDNS key) user and password."""
        return await self._async_ddns_step(DdnsProvider.NOIP, user_input)

    async def async_step_ddns_dyndns2(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Any dyndns2 server (Dynu and others): its update URL, the hostname, user and password."""
        return await self._async_ddns_step(DdnsProvider.DYNDNS2, user_input)

    async def async_step_ddns_freedns(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A FreeDNS (afraid.org) hostname and its dynamic DNS v2 token."""
        return await self._async_ddns_step(DdnsProvider.FREEDNS, user_input)

    async def async_step_ddns_cloudflare(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A Cloudflare API token, the zone and the A record's name."""
        return await self._async_ddns_step(DdnsProvider.CLOUDFLARE, user_input)

    async def async_step_ddns_update_url(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Any other service: the hostname and an update URL with {ip} in it."""
        return await self._async_ddns_step(DdnsProvider.UPDATE_URL, user_input)

    async def async_step_ddns_none(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Only verify: the router (or something else) keeps the record."""
        return await self._async_ddns_step(DdnsProvider.NONE, user_input)

    async def _async_ddns_step(self, kind: DdnsProvider, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"answer": "", **_DDNS_PLACEHOLDERS.get(kind, {})}
        if user_input is not None:
            data, errors = normalise(kind, user_input)
            if not errors:
                unique_id = f"{MonitorKind.DDNS}_{data[CONF_HOSTNAME]}"
                await self._async_claim(unique_id)
                error, placeholders["answer"] = await async_check(self.hass, data, await _version(self))
                if error is None:
                    options = DEFAULT_DDNS_OPTIONS | ({CONF_MODE: MODE_VERIFY} if kind == DdnsProvider.NONE else {})
                    data = {CONF_KIND: MonitorKind.DDNS.value, **data}
                    return self._finish(unique_id, data[CONF_HOSTNAME], data, options)
                errors["base"] = error
        schema = probatio.Schema(
            {probatio.Required(key): _DDNS_SELECTORS.get(key, TextSelector()) for key in PROVIDER_FIELDS[kind]}
        )
        return self.async_show_form(
            step_id=f"ddns_{kind}",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or self._current()),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_claim(self, unique_id: str) -> None:
        """Take ``unique_id``; abort if another entry has it (a reconfigured entry keeps its own)."""
        if self.source == SOURCE_RECONFIGURE and unique_id == self._get_reconfigure_entry().unique_id:
            return
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured()

    def _finish(self, unique_id: str, title: str, data: dict[str, Any], options: dict[str, Any]) -> ConfigFlowResult:
        """Create the entry, or update the one being reconfigured (its options stay)."""
        if self.source == SOURCE_RECONFIGURE:
            entry = self._get_reconfigure_entry()
            return self.async_update_reload_and_abort(entry, unique_id=unique_id, title=title, data=data)
        return self.async_create_entry(title=title, data=data, options=dict(options))

    def _current(self) -> dict[str, Any]:
        """The form's suggested values: the entry's own when reconfiguring it."""
        if self.source != SOURCE_RECONFIGURE:
            return {}
        entry = self._get_reconfigure_entry()
        return {**entry.data, CONF_NAME: entry.title}

    async def async_step_host(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Monitor the machine Home Assistant runs on."""
        machine_id = await self.hass.async_add_executor_job(read_machine_id, const.ETC_ROOT)
        await self.async_set_unique_id(_host_unique_id(machine_id))
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_NAME]).strip()
            if name_error := _name_error(name):
                errors[CONF_NAME] = name_error
            else:
                interfaces = await self.hass.async_add_executor_job(physical_interfaces, const.SYSFS_ROOT)
                return self.async_create_entry(
                    title=name,
                    data={CONF_KIND: MonitorKind.HOST.value, CONF_NAME: name, CONF_MACHINE_ID: machine_id},
                    options={CONF_SCAN_INTERVAL: DEFAULT_HOST_SCAN_INTERVAL, CONF_INTERFACES: interfaces},
                )
        return self.async_show_form(step_id="host", data_schema=_name_schema(socket.gethostname()), errors=errors)

    async def async_step_internet(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Watch the internet connection: one per Home Assistant."""
        await self.async_set_unique_id(MonitorKind.INTERNET.value)
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            lists = {key: _split(user_input.get(key, "")) for key in _INTERNET_FIRST}
            options, errors = _internet_options(lists)
            if not errors:
                return self.async_create_entry(
                    title="Internet", data={CONF_KIND: MonitorKind.INTERNET.value}, options=options
                )
        schema = probatio.Schema(
            {
                probatio.Required(key, default=_joined(DEFAULT_INTERNET_OPTIONS[key])): TextSelector()
                for key in _INTERNET_FIRST
            }
        )
        return self.async_show_form(
            step_id="internet", data_schema=self.add_suggested_values_to_schema(schema, user_input), errors=errors
        )

    async def async_step_disks(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Watch this machine's disks (SMART) and md RAID arrays: one per Home Assistant.

        Without smartctl the entry is made anyway (RAID needs none) and a repair
        issue says how to install it; a path the user gives must be a program.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            path = str(user_input.get(CONF_SMARTCTL) or "").strip()
            if path and not await self.hass.async_add_executor_job(_is_program, path):
                errors[CONF_SMARTCTL] = "smartctl_not_found"
            else:
                await self._async_claim(MonitorKind.DISKS.value)
                data = {CONF_KIND: MonitorKind.DISKS.value, CONF_SMARTCTL: path}
                return self._finish(MonitorKind.DISKS.value, "Disks", data, DEFAULT_DISKS_OPTIONS)
        elif self.source != SOURCE_RECONFIGURE:
            await self._async_claim(MonitorKind.DISKS.value)
        found = await self.hass.async_add_executor_job(find_smartctl, None)
        suggested = user_input or self._current() or {CONF_SMARTCTL: found or ""}
        schema = probatio.Schema({probatio.Optional(CONF_SMARTCTL): TextSelector()})
        return self.async_show_form(
            step_id="disks",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"found": found or "-"},
        )

    async def async_step_docker(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Watch a Docker engine: its address, tested before the entry is made."""
        errors: dict[str, str] = {}
        if user_input is not None:
            url, info, errors = await _check_engine(self, user_input[CONF_URL])
            if info is not None:
                self._abort_if_unique_id_configured(updates={CONF_URL: url})
                return self.async_create_entry(
                    title=f"Docker {info.name}",
                    data={CONF_KIND: MonitorKind.DOCKER.value, CONF_URL: url},
                    options=dict(DEFAULT_DOCKER_OPTIONS),
                )
        default = user_input[CONF_URL] if user_input else DEFAULT_URL
        return self.async_show_form(step_id="docker", data_schema=_url_schema(default), errors=errors)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change what an entry watches: the server's name, the engine's address, the check, the file."""
        entry = self._get_reconfigure_entry()
        if entry.data[CONF_KIND] == MonitorKind.DOCKER:
            return await self.async_step_reconfigure_docker(user_input)
        if entry.data[CONF_KIND] == MonitorKind.WEB_SERVICE:
            return await self._async_web_step(
                CheckKind(entry.data[CONF_CHECK]), f"web_{entry.data[CONF_CHECK]}", user_input
            )
        if entry.data[CONF_KIND] == MonitorKind.BACKUP:
            return await self.async_step_backup(user_input)
        if entry.data[CONF_KIND] == MonitorKind.DISKS:
            return await self.async_step_disks(user_input)
        if entry.data[CONF_KIND] == MonitorKind.DDNS:
            return await self._async_ddns_step(DdnsProvider(entry.data[CONF_PROVIDER]), user_input)
        if entry.data[CONF_KIND] != MonitorKind.HOST:
            return self.async_abort(reason="use_options")
        errors: dict[str, str] = {}
        if user_input is not None:
            machine_id = await self.hass.async_add_executor_job(read_machine_id, const.ETC_ROOT)
            await self.async_set_unique_id(_host_unique_id(machine_id))
            self._abort_if_unique_id_mismatch(reason="different_machine")
            name = str(user_input[CONF_NAME]).strip()
            if name_error := _name_error(name):
                errors[CONF_NAME] = name_error
            else:
                return self.async_update_reload_and_abort(entry, title=name, data_updates={CONF_NAME: name})
        return self.async_show_form(step_id="reconfigure", data_schema=_name_schema(entry.title), errors=errors)

    async def async_step_reconfigure_docker(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A new address of the same engine (another socket path, a proxy, TCP)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            url, info, errors = await _check_engine(self, user_input[CONF_URL])
            if info is not None:
                self._abort_if_unique_id_mismatch(reason="different_engine")
                return self.async_update_reload_and_abort(entry, data_updates={CONF_URL: url})
        default = user_input[CONF_URL] if user_input else entry.data[CONF_URL]
        return self.async_show_form(step_id="reconfigure_docker", data_schema=_url_schema(default), errors=errors)


class HomeSentryOptionsFlow(OptionsFlowWithReload):
    """The options of an entry; the entry reloads when they change."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options of the entry's kind."""
        if self.config_entry.data[CONF_KIND] == MonitorKind.INTERNET:
            return await self.async_step_internet(user_input)
        if self.config_entry.data[CONF_KIND] == MonitorKind.DOCKER:
            return await self.async_step_docker(user_input)
        if self.config_entry.data[CONF_KIND] == MonitorKind.WEB_SERVICE:
            return await self._async_numbers_step("web_service", DEFAULT_WEB_OPTIONS, _WEB_NUMBERS, user_input)
        if self.config_entry.data[CONF_KIND] == MonitorKind.BACKUP:
            return await self._async_numbers_step("backup", DEFAULT_BACKUP_OPTIONS, _BACKUP_NUMBERS, user_input)
        if self.config_entry.data[CONF_KIND] == MonitorKind.UPS:
            return await self.async_step_ups(user_input)
        if self.config_entry.data[CONF_KIND] == MonitorKind.DISKS:
            return await self.async_step_disks(user_input)
        if self.config_entry.data[CONF_KIND] == MonitorKind.DDNS:
            return await self.async_step_ddns(user_input)
        return await self.async_step_host(user_input)

    async def async_step_ddns(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Update or only verify, the interval, the grace period, and reachability checks."""
        errors: dict[str, str] = {}
        verify_only = self.config_entry.data[CONF_PROVIDER] == DdnsProvider.NONE
        if user_input is not None:
            options = {**DEFAULT_DDNS_OPTIONS, **user_input}
            targets = [str(t).strip() for t in options[CONF_REACHABILITY] if str(t).strip()]
            if not all(_reachability_target(t) for t in targets):
                errors[CONF_REACHABILITY] = "invalid_reachability"
            else:
                return self.async_create_entry(
                    data={
                        CONF_MODE: MODE_VERIFY if verify_only else options[CONF_MODE],
                        **{key: int(options[key]) for key in _DDNS_NUMBERS},
                        CONF_REACHABILITY: targets,
                        CONF_HEALTH: _health_options(user_input.get(CONF_HEALTH)),
                    }
                )
        current = {**DEFAULT_DDNS_OPTIONS, **self.config_entry.options, **(user_input or {})}
        fields: dict[Any, Any] = {}
        if not verify_only:
            fields[probatio.Required(CONF_MODE, default=current[CONF_MODE])] = SelectSelector(
                SelectSelectorConfig(options=[MODE_UPDATE, MODE_VERIFY], translation_key="ddns_mode")
            )
        for key, (low, high, unit) in _DDNS_NUMBERS.items():
            fields[probatio.Required(key, default=current[key])] = _number(low, high, unit)
        fields[probatio.Optional(CONF_REACHABILITY, default=list(current[CONF_REACHABILITY]))] = _list()
        return self.async_show_form(step_id="ddns", data_schema=self._with_health(fields), errors=errors)

    async def async_step_disks(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How often SMART and the RAID arrays are read."""
        return await self._async_numbers_step("disks", DEFAULT_DISKS_OPTIONS, _DISKS_NUMBERS, user_input)

    async def async_step_ups(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How often the UPS is read."""
        return await self._async_numbers_step("ups", DEFAULT_UPS_OPTIONS, _UPS_NUMBERS, user_input)

    async def async_step_web_service(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Interval, failures before down, certificate warning days."""
        return await self._async_numbers_step("web_service", DEFAULT_WEB_OPTIONS, _WEB_NUMBERS, user_input)

    async def async_step_backup(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Expected interval between backups, and how often the file is read."""
        return await self._async_numbers_step("backup", DEFAULT_BACKUP_OPTIONS, _BACKUP_NUMBERS, user_input)

    async def _async_numbers_step(
        self,
        step_id: str,
        defaults: dict[str, Any],
        numbers: dict[str, tuple[int, int, str | None]],
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        """An options step made of numbers, and the entry's health thresholds."""
        if user_input is not None:
            data: dict[str, Any] = {key: int({**defaults, **user_input}[key]) for key in numbers}
            return self.async_create_entry(data={**data, CONF_HEALTH: _health_options(user_input.get(CONF_HEALTH))})
        current = {**defaults, **self.config_entry.options}
        fields: dict[Any, Any] = {
            probatio.Required(key, default=current[key]): _number(low, high, unit)
            for key, (low, high, unit) in numbers.items()
        }
        return self.async_show_form(step_id=step_id, data_schema=self._with_health(fields))

    def _with_health(self, fields: dict[Any, Any]) -> probatio.Schema:
        """An options form's fields and, collapsed, the entry's Health section filled with its values."""
        kind = MonitorKind(self.config_entry.data[CONF_KIND])
        fields = {**fields, probatio.Optional(CONF_HEALTH): section(_health_schema(kind), {"collapsed": True})}
        return self.add_suggested_values_to_schema(
            probatio.Schema(fields), {CONF_HEALTH: _health_now(self.config_entry)}
        )

    async def async_step_docker(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Control, intervals and when vanished containers are removed."""
        if user_input is not None:
            options = {**DEFAULT_DOCKER_OPTIONS, **user_input}
            return self.async_create_entry(
                data={
                    CONF_CONTROL: bool(options[CONF_CONTROL]),
                    **{key: int(options[key]) for key in _DOCKER_NUMBERS},
                    CONF_HEALTH: _health_options(user_input.get(CONF_HEALTH)),
                }
            )
        current = {**DEFAULT_DOCKER_OPTIONS, **self.config_entry.options}
        fields: dict[Any, Any] = {
            probatio.Required(CONF_CONTROL, default=current[CONF_CONTROL]): BooleanSelector(),
            **{
                probatio.Required(key, default=current[key]): _number(low, high, unit)
                for key, (low, high, unit) in _DOCKER_NUMBERS.items()
            },
        }
        return self.async_show_form(step_id="docker", data_schema=self._with_health(fields))

    async def async_step_internet(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Targets, resolvers, thresholds and the speed test of the connection."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = _internet_options(user_input)
            if not errors:
                return self.async_create_entry(
                    data={**options, CONF_HEALTH: _health_options(user_input.get(CONF_HEALTH))}
                )
        current = {**DEFAULT_INTERNET_OPTIONS, **self.config_entry.options, **(user_input or {})}
        return self.async_show_form(
            step_id="internet", data_schema=self._with_health(dict(_internet_schema(current).schema)), errors=errors
        )

    async def async_step_host(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Update interval, interfaces and filesystems of a monitored server."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                    CONF_INTERFACES: list(user_input.get(CONF_INTERFACES, [])),
                    CONF_MOUNTS: list(user_input.get(CONF_MOUNTS, [])),
                    CONF_POWER: _power_options(user_input.get(CONF_POWER, {})),
                    CONF_HEALTH: _health_options(user_input.get(CONF_HEALTH)),
                }
            )
        options = self.config_entry.options
        available = await self.hass.async_add_executor_job(list_interfaces, const.SYSFS_ROOT)
        chosen = list(options.get(CONF_INTERFACES, []))
        mountinfo = const.PROCFS_ROOT / "self" / "mountinfo"
        every_mount = [m.path for m in await self.hass.async_add_executor_job(_all_mounts, mountinfo)]
        mounts = options.get(CONF_MOUNTS)
        if mounts is None:  # never chosen: what is watched by default
            mounts = [m.path for m in await self.hass.async_add_executor_job(list_mounts, mountinfo)]
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
                probatio.Optional(CONF_MOUNTS, default=list(mounts)): SelectSelector(
                    SelectSelectorConfig(
                        # Keep chosen mounts that are not mounted right now (a USB drive unplugged).
                        options=sorted(set(every_mount) | set(mounts)),
                        multiple=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                probatio.Optional(CONF_POWER): section(_power_schema(), {"collapsed": True}),
                probatio.Optional(CONF_HEALTH): section(_health_schema(MonitorKind.HOST), {"collapsed": True}),
            }
        )
        power = {**DEFAULT_POWER_OPTIONS, **options.get(CONF_POWER, {})}
        suggested = {CONF_POWER: power, CONF_HEALTH: _health_now(self.config_entry)}
        return self.async_show_form(step_id="host", data_schema=self.add_suggested_values_to_schema(schema, suggested))


_POWER_NUMBERS: dict[str, tuple[float, float, str | None, float]] = {
    CONF_IDLE_WATTS: (0, 2000, "W", 0.1),
    CONF_MAX_WATTS: (0, 5000, "W", 0.1),
    CONF_HDD_IDLE_WATTS: (0, 50, "W", 0.1),
    CONF_HDD_ACTIVE_WATTS: (0, 50, "W", 0.1),
    CONF_PRICE: (0, 100, None, 0.001),
}


def _power_schema() -> probatio.Schema:
    """The power section of This server's options; every field optional (empty: the defaults)."""
    fields: dict[Any, Any] = {
        probatio.Optional(CONF_MACHINE_CLASS): SelectSelector(
            SelectSelectorConfig(
                options=[MACHINE_AUTO, *(m.value for m in MachineClass)], translation_key="machine_class"
            )
        )
    }
    for key, (low, high, unit, step) in _POWER_NUMBERS.items():
        fields[probatio.Optional(key)] = _number(low, high, unit, step)
    fields[probatio.Optional(CONF_POWER_ENTITY)] = EntitySelector(
        EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
    )
    fields[probatio.Optional(CONF_PRICE_ENTITY)] = EntitySelector(
        EntitySelectorConfig(domain=["sensor", "input_number"])
    )
    return probatio.Schema(fields)


def _power_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The power section as stored: numbers as floats, empty fields left out."""
    stored: dict[str, Any] = {CONF_MACHINE_CLASS: values.get(CONF_MACHINE_CLASS) or MACHINE_AUTO}
    for key in _POWER_NUMBERS:
        if values.get(key) not in (None, ""):
            stored[key] = float(values[key])
    for key in (CONF_POWER_ENTITY, CONF_PRICE_ENTITY):
        if values.get(key):
            stored[key] = values[key]
    return stored


def _health_schema(kind: MonitorKind) -> probatio.Schema:
    """The health section: the grace period, and the thresholds of the entities this kind has."""
    fields: dict[Any, Any] = {probatio.Optional(CONF_GRACE_MINUTES): _number(0, 1440, "min")}
    for key in HEALTH_THRESHOLDS_BY_KIND.get(kind, ()):
        unit = THRESHOLDS[key].unit
        fields[probatio.Optional(f"{key}_warning")] = _number(0, 100_000, unit, 0.1)
        fields[probatio.Optional(f"{key}_critical")] = _number(0, 100_000, unit, 0.1)
    return probatio.Schema(fields)


def _health_now(entry: HomeSentryConfigEntry) -> dict[str, Any]:
    """The health section as the entry has it, defaults filled in."""
    kind = MonitorKind(entry.data[CONF_KIND])
    current: dict[str, Any] = {CONF_GRACE_MINUTES: DEFAULT_GRACE_MINUTES}
    for key in HEALTH_THRESHOLDS_BY_KIND.get(kind, ()):
        current[f"{key}_warning"] = THRESHOLDS[key].warning
        current[f"{key}_critical"] = THRESHOLDS[key].critical
    return {**current, **entry.options.get(CONF_HEALTH, {})}


def _health_options(values: Mapping[str, Any] | None) -> dict[str, float]:
    """The health section as stored: numbers only, empty fields left out (the defaults apply)."""
    return {key: float(value) for key, value in (values or {}).items() if value not in (None, "")}


def _all_mounts(mountinfo: Path) -> list[Mount]:
    return list_mounts(mountinfo, everything=True)


def _number(low: float, high: float, unit: str | None = None, step: float = 1) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _list() -> SelectSelector:
    return SelectSelector(SelectSelectorConfig(options=[], multiple=True, custom_value=True))


def _internet_schema(current: dict[str, Any]) -> probatio.Schema:
    fields: dict[str, Any] = {
        CONF_TARGETS: _list(),
        CONF_PING_GATEWAY: BooleanSelector(),
        CONF_GATEWAY: TextSelector(),
        CONF_PING_COUNT: _number(1, 100),
        CONF_TCP_PORT: _number(1, 65535),
        CONF_RESOLVERS: _list(),
        CONF_DNS_NAMES: _list(),
        CONF_FAILURE_THRESHOLD: _number(1, 20),
        CONF_SCAN_INTERVAL: _number(10, 3600, "s"),
        CONF_PUBLIC_IP_INTERVAL: _number(60, 86400, "s"),
        CONF_SPEED_TEST_URL: TextSelector(),
        CONF_SPEED_TEST_HOURS: _number(0, 168, "h"),
        CONF_SPEED_TEST_STREAMS: _number(1, 16),
        CONF_SPEED_TEST_MAX_MB: _number(1, 2000, "MB"),
    }
    return probatio.Schema(
        {
            (probatio.Optional if key == CONF_GATEWAY else probatio.Required)(key, default=current[key]): selector
            for key, selector in fields.items()
        }
    )


_DOCKER_NUMBERS: dict[str, tuple[int, int, str]] = {
    CONF_SCAN_INTERVAL: (5, 3600, "s"),
    CONF_STATS_INTERVAL: (10, 3600, "s"),
    CONF_REMOVE_AFTER_HOURS: (0, 8760, "h"),
}

_WEB_NUMBERS: dict[str, tuple[int, int, str | None]] = {
    CONF_SCAN_INTERVAL: (10, 3600, "s"),
    CONF_FAILURE_THRESHOLD: (1, 20, None),
    CONF_CERTIFICATE_DAYS: (1, 365, "d"),
}

_UPS_NUMBERS: dict[str, tuple[int, int, str | None]] = {CONF_SCAN_INTERVAL: (5, 3600, "s")}

_DISKS_NUMBERS: dict[str, tuple[int, int, str | None]] = {
    CONF_SMART_MINUTES: (5, 24 * 60, "min"),
    CONF_RAID_INTERVAL: (10, 3600, "s"),
}


def _is_program(path: str) -> bool:
    """Whether ``path`` is a file this process may run."""
    return Path(path).is_file() and os.access(path, os.X_OK)


_NUT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_HOST): TextSelector(),
        probatio.Required(CONF_PORT, default=DEFAULT_NUT_PORT): _number(1, 65535),
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
        return {}, "cannot_connect"
    finally:
        client.shutdown()
    return upses, None if upses else "no_ups"


_BACKUP_NUMBERS: dict[str, tuple[int, int, str | None]] = {
    CONF_EXPECTED_HOURS: (1, 24 * 60, "h"),
    CONF_SCAN_INTERVAL: (10, 3600, "s"),
}


def _web_schema(kind: CheckKind) -> probatio.Schema:
    fields: dict[Any, Any] = {probatio.Optional(CONF_NAME): TextSelector()}
    if kind == CheckKind.HTTP:
        fields |= {
            probatio.Required(CONF_URL): TextSelector(),
            probatio.Required(CONF_PRESET, default="custom"): SelectSelector(
                SelectSelectorConfig(
                    options=["custom", *PRESETS], translation_key="preset", mode=SelectSelectorMode.DROPDOWN
                )
            ),
            probatio.Required(CONF_METHOD, default="GET"): SelectSelector(
                SelectSelectorConfig(options=["GET", "HEAD"])
            ),
            probatio.Optional(CONF_STATUSES): TextSelector(),
            probatio.Optional(CONF_KEYWORD): TextSelector(),
            probatio.Optional(CONF_HEADERS): TextSelector(TextSelectorConfig(multiline=True)),
            probatio.Required(CONF_FOLLOW_REDIRECTS, default=True): BooleanSelector(),
            probatio.Required(CONF_VERIFY_TLS, default=True): BooleanSelector(),
        }
    else:
        fields[probatio.Required(CONF_HOST)] = TextSelector()
        if kind == CheckKind.TCP:
            fields[probatio.Required(CONF_PORT)] = _number(1, 65535)
    return probatio.Schema(fields)


def _web_check(kind: CheckKind, user_input: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, str]]:
    """The entry data of a check, its title, and a translated error per bad field."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {CONF_KIND: MonitorKind.WEB_SERVICE.value, CONF_CHECK: kind.value}
    name = str(user_input.get(CONF_NAME) or "").strip()
    if name and (name_error := _name_error(name)):
        errors[CONF_NAME] = name_error
    if kind != CheckKind.HTTP:
        host = str(user_input.get(CONF_HOST, "")).strip()
        if not _host_like(host):
            errors[CONF_HOST] = "invalid_target"
        data[CONF_HOST] = host
        if kind == CheckKind.TCP:
            data[CONF_PORT] = int(user_input[CONF_PORT])
            return data, name or f"{host}:{data[CONF_PORT]}", errors
        return data, name or host, errors
    preset = PRESETS.get(user_input.get(CONF_PRESET, "custom"))
    url = _http_url(str(user_input.get(CONF_URL, "")))
    if url is None:
        url = URL()
        errors[CONF_URL] = "invalid_url"
    elif preset is not None and url.path in ("", "/"):
        url = url.with_path(preset.path)  # the app's health endpoint under the address given
    statuses = str(user_input.get(CONF_STATUSES) or (preset.statuses if preset else "200-299")).strip()
    try:
        parse_statuses(statuses)
    except ValueError:
        errors[CONF_STATUSES] = "invalid_statuses"
    headers = str(user_input.get(CONF_HEADERS) or "")
    try:
        parse_headers(headers)
    except ValueError:
        errors[CONF_HEADERS] = "invalid_headers"
    data |= {
        CONF_URL: str(url),
        CONF_METHOD: user_input.get(CONF_METHOD, "GET"),
        CONF_STATUSES: statuses,
        CONF_KEYWORD: str(user_input.get(CONF_KEYWORD) or (preset.keyword if preset else "")),
        CONF_HEADERS: headers,
        CONF_FOLLOW_REDIRECTS: bool(user_input.get(CONF_FOLLOW_REDIRECTS, True)),
        CONF_VERIFY_TLS: bool(user_input.get(CONF_VERIFY_TLS, True)),
    }
    return data, name or str(url.host), errors


def _http_url(text: str) -> URL | None:
    """An http(s) address with a host and a sane port, or None for anything that is not one."""
    text = text.strip()
    if not text or any(c.isspace() or not c.isprintable() for c in text):
        return None
    try:
        url = URL(text)
        port = url.port  # a port out of range raises here
    except ValueError, TypeError:
        return None
    if url.scheme not in ("http", "https") or not url.host or port is None or not 0 < port < 65536:
        return None
    return url


def _web_unique_id(data: dict[str, Any]) -> str:
    if data[CONF_CHECK] == CheckKind.HTTP:
        return f"{MonitorKind.WEB_SERVICE}_{data[CONF_URL]}"
    if data[CONF_CHECK] == CheckKind.TCP:
        return f"{MonitorKind.WEB_SERVICE}_tcp_{data[CONF_HOST]}:{data[CONF_PORT]}"
    return f"{MonitorKind.WEB_SERVICE}_icmp_{data[CONF_HOST]}"


_INTEGER_OPTIONS = (
    CONF_PING_COUNT,
    CONF_TCP_PORT,
    CONF_FAILURE_THRESHOLD,
    CONF_SCAN_INTERVAL,
    CONF_PUBLIC_IP_INTERVAL,
    CONF_SPEED_TEST_STREAMS,
    CONF_SPEED_TEST_MAX_MB,
)


def _internet_options(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean the submitted options; a translated error per bad field."""
    options = {**DEFAULT_INTERNET_OPTIONS, **user_input}
    errors: dict[str, str] = {}
    for key in _INTEGER_OPTIONS:
        options[key] = int(options[key])
    options[CONF_SPEED_TEST_HOURS] = float(options[CONF_SPEED_TEST_HOURS])
    for key in (CONF_TARGETS, CONF_RESOLVERS, CONF_DNS_NAMES):
        options[key] = list(dict.fromkeys(v.strip() for v in options[key] if v.strip()))
    options[CONF_GATEWAY] = str(options.get(CONF_GATEWAY) or "").strip()
    if not options[CONF_TARGETS]:
        errors[CONF_TARGETS] = "targets_required"
    elif any(not _host_like(t) for t in options[CONF_TARGETS]):
        errors[CONF_TARGETS] = "invalid_target"
    if options[CONF_GATEWAY] and not _host_like(options[CONF_GATEWAY]):
        errors[CONF_GATEWAY] = "invalid_target"
    for resolver in options[CONF_RESOLVERS]:
        if resolver.lower() == SYSTEM:
            continue
        try:
            parse_resolver(resolver)
        except ValueError:
            errors[CONF_RESOLVERS] = "invalid_resolver"
    if not options[CONF_DNS_NAMES] or any(not _host_like(n) for n in options[CONF_DNS_NAMES]):
        errors[CONF_DNS_NAMES] = "invalid_dns_name"
    url = str(options[CONF_SPEED_TEST_URL]).strip()
    if _http_url(url) is None:
        errors[CONF_SPEED_TEST_URL] = "invalid_url"
    options[CONF_SPEED_TEST_URL] = url
    return options, errors


# What the first form asks (the rest are options): where to ping and what to resolve, as comma-separated text.
_INTERNET_FIRST: tuple[str, ...] = (CONF_TARGETS, CONF_RESOLVERS, CONF_DNS_NAMES)


def _split(text: Any) -> list[str]:
    """The items of a comma- or space-separated field."""
    return [item for item in re.split(r"[,\s]+", text) if item] if isinstance(text, str) else []


def _joined(items: Any) -> str:
    """A list option as the comma-separated text the first form shows."""
    return ", ".join(str(item) for item in items)


def _host_like(text: str) -> bool:
    """An IP literal or a DNS name: letters, digits, dots, hyphens, colons."""
    return bool(text) and len(text) <= 253 and all(c.isalnum() or c in ".-:_" for c in text)


_DDNS_NUMBERS: dict[str, tuple[int, int, str]] = {
    CONF_SCAN_INTERVAL: (60, 86400, "s"),
    CONF_GRACE_MINUTES: (0, 1440, "min"),
}
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_DDNS_SELECTORS: dict[str, TextSelector] = {
    CONF_TOKEN: _SECRET,
    CONF_PASSWORD: _SECRET,
    CONF_API_TOKEN: _SECRET,
    CONF_SERVER_URL: TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
    CONF_UPDATE_URL: TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
}
# URLs shown as examples in the forms: placeholders, since hassfest keeps URLs out of translated strings.
_DDNS_PLACEHOLDERS: dict[DdnsProvider, dict[str, str]] = {
    DdnsProvider.DYNDNS2: {"example_url": "https://api.dynu.com/nic/update"},
    DdnsProvider.FREEDNS: {"example_url": "https://sync.afraid.org/u/TOKEN/"},
    DdnsProvider.UPDATE_URL: {
        "example_url": "https://example.com/update?host={hostname}&ip={ip}",
        "hostname": "{hostname}",
        "ip": "{ip}",
    },
}


async def _version(flow: ConfigFlow) -> str:
    """The integration's version, for the User-Agent providers ask for."""
    return str((await async_get_integration(flow.hass, DOMAIN)).version)


def _reachability_target(text: str) -> bool:
    """A port on the hostname (``443``) or a URL (``https://host/path``)."""
    if text.isdigit():
        return 0 < int(text) < 65536
    return _http_url(text) is not None
