"""The DDNS steps: who keeps the record, the hostname (tried before it is kept), the credentials again, options."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any, Final

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.loader import async_get_integration
import probatio
from yarl import URL

from ... import world
from ...const import CONF_GRACE_MINUTES, CONF_KIND, CONF_SCAN_INTERVAL, DOMAIN, DdnsProvider, MonitorKind
from ...health import CONF_HEALTH
from ...probes.ddns import (
    check_credentials,
)
from ...probes.dns import ZoneNotFound, find_zone
from ...probes.public_ip import public_address
from ..flow import (
    FormFields,
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    health_options,
    http_url,
    number,
    text_list,
)
from .const import (
    CONF_HOSTNAME,
    CONF_MODE,
    CONF_PROVIDER,
    CONF_REACHABILITY,
    CONF_SERVER_URL,
    CONF_UPDATE_URL,
    CONF_ZONE,
    MODE_UPDATE,
    MODE_VERIFY,
)
from .coordinator import agreed_record, answer_text, ask_zone, bootstrap_resolver, provider_for
from .options import DEFAULT_DDNS_OPTIONS

# --------------------------------------------------------------------------- the config flow's checks

# The fields each provider's form asks, and which of them are credentials (asked again on reauth).
PROVIDER_FIELDS: Final[dict[DdnsProvider, tuple[str, ...]]] = {
    DdnsProvider.DUCKDNS: (CONF_HOSTNAME, CONF_TOKEN),
    DdnsProvider.NOIP: (CONF_HOSTNAME, CONF_USERNAME, CONF_PASSWORD),
    DdnsProvider.DYNDNS2: (CONF_SERVER_URL, CONF_HOSTNAME, CONF_USERNAME, CONF_PASSWORD),
    DdnsProvider.FREEDNS: (CONF_HOSTNAME, CONF_TOKEN),
    DdnsProvider.CLOUDFLARE: (CONF_API_TOKEN, CONF_ZONE, CONF_HOSTNAME),
    DdnsProvider.UPDATE_URL: (CONF_HOSTNAME, CONF_UPDATE_URL),
    DdnsProvider.NONE: (CONF_HOSTNAME,),
}
CREDENTIAL_FIELDS: Final = frozenset({CONF_TOKEN, CONF_USERNAME, CONF_PASSWORD, CONF_API_TOKEN, CONF_UPDATE_URL})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise(kind: DdnsProvider, user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The entry data a provider's form gives, or the fields' errors."""
    data = {key: str(user_input.get(key) or "").strip() for key in PROVIDER_FIELDS[kind]}
    hostname = data[CONF_HOSTNAME].lower().rstrip(".")
    if kind == DdnsProvider.DUCKDNS and "." not in hostname:
        hostname = f"{hostname}.duckdns.org"  # DuckDNS users know their subdomain
    data[CONF_HOSTNAME] = hostname
    errors: dict[str, str] = {}
    labels = hostname.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        errors[CONF_HOSTNAME] = "invalid_hostname"
    if kind == DdnsProvider.CLOUDFLARE:
        data[CONF_ZONE] = data[CONF_ZONE].lower().rstrip(".")
        if hostname != data[CONF_ZONE] and not hostname.endswith(f".{data[CONF_ZONE]}"):
            errors[CONF_HOSTNAME] = "hostname_not_in_zone"
    for key in (CONF_SERVER_URL, CONF_UPDATE_URL):
        if key in data and not _http_url(data[key]):
            errors[key] = "invalid_url"
    for key in PROVIDER_FIELDS[kind]:
        if not data[key] and key not in errors:
            errors[key] = "required"
    return {CONF_PROVIDER: kind.value, **data}, errors


def _http_url(text: str) -> bool:
    try:
        url = URL(text)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


async def async_check(hass: HomeAssistant, data: Mapping[str, Any], version: str) -> tuple[str | None, str]:
    """Prove an entry would work: its zone is found, and the provider takes its credentials.

    Returns an error key of the form (None: all well) and the provider's own
    answer, for the error's text. A verify-only hostname must have an A record.
    """
    hostname = data[CONF_HOSTNAME]
    try:
        zone = await find_zone(hostname, await bootstrap_resolver(hass))
    except ZoneNotFound as err:
        return "zone_not_found", str(err)
    provider = provider_for(data, version)
    if provider is None:
        answers = await ask_zone(zone, hostname)
        if not agreed_record(answers):
            return "no_record", ", ".join(answer_text(a) for a in answers.values())
        return None, ""
    reading = await public_address(world.WHOAMI_SERVICES, 4)
    answer = await check_credentials(provider, async_get_clientsession(hass), reading.address)
    return (None if answer.outcome.ok else f"ddns_{answer.outcome}"), answer.answer


class DdnsConfigFlow(MonitorConfigFlow):
    """Add a hostname; change it; ask for its credentials again."""

    async def async_step_ddns(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Ask who keeps the hostname's record."""
        return self.async_show_menu(step_id="ddns", menu_options=[f"ddns_{kind}" for kind in DdnsProvider])

    async def async_step_ddns_duckdns(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A DuckDNS subdomain and the account's token."""
        return await self._async_ddns_step(DdnsProvider.DUCKDNS, user_input)

    async def async_step_ddns_noip(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A No-IP hostname, and the account (or DDNS key) user and password."""
        return await self._async_ddns_step(DdnsProvider.NOIP, user_input)

    async def async_step_ddns_dyndns2(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Any dyndns2 server (Dynu and others): its update URL, the hostname, user and password."""
        return await self._async_ddns_step(DdnsProvider.DYNDNS2, user_input)

    async def async_step_ddns_freedns(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A FreeDNS (afraid.org) hostname and its dynamic DNS v2 token."""
        return await self._async_ddns_step(DdnsProvider.FREEDNS, user_input)

    async def async_step_ddns_cloudflare(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A Cloudflare API token, the zone and the A record's name."""
        return await self._async_ddns_step(DdnsProvider.CLOUDFLARE, user_input)

    async def async_step_ddns_update_url(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Any other service: the hostname and an update URL with {ip} in it."""
        return await self._async_ddns_step(DdnsProvider.UPDATE_URL, user_input)

    async def async_step_ddns_none(self, user_input: FormInput | None = None) -> ConfigFlowResult:
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

    async def async_reconfigure_ddns(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """The same form the hostname was added with."""
        entry = self._get_reconfigure_entry()
        return await self._async_ddns_step(DdnsProvider(entry.data[CONF_PROVIDER]), user_input)

    async def async_reauth_ddns(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The provider refused the credentials."""
        return await self.async_step_reauth_ddns()

    async def async_step_reauth_ddns(self, user_input: FormInput | None = None) -> ConfigFlowResult:
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


class DdnsOptionsFlow(MonitorOptionsFlow):
    """Update or verify, interval, grace, reachability, health."""

    async def async_step_ddns(self, user_input: FormInput | None = None) -> ConfigFlowResult:
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
                        CONF_HEALTH: health_options(user_input.get(CONF_HEALTH)),
                    }
                )
        current = {**DEFAULT_DDNS_OPTIONS, **self.config_entry.options, **(user_input or {})}
        fields: FormFields = {}
        if not verify_only:
            fields[probatio.Required(CONF_MODE, default=current[CONF_MODE])] = SelectSelector(
                SelectSelectorConfig(options=[MODE_UPDATE, MODE_VERIFY], translation_key="ddns_mode")
            )
        for key, (low, high, unit) in _DDNS_NUMBERS.items():
            fields[probatio.Required(key, default=current[key])] = number(low, high, unit)
        fields[probatio.Optional(CONF_REACHABILITY, default=list(current[CONF_REACHABILITY]))] = text_list()
        return self.async_show_form(step_id="ddns", data_schema=self._with_health(fields), errors=errors)


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
    return http_url(text) is not None
