"""The web service steps: how it is checked (HTTP(S), TCP, ping), tried before it is kept, and its options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import (
    CONF_HOST,
    CONF_NAME,
    CONF_PORT,
)
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
import probatio
from yarl import URL

from ...const import CONF_FAILURE_THRESHOLD, CONF_KIND, CONF_SCAN_INTERVAL, CONF_URL, MonitorKind
from ...probes.web_service import PRESETS, CheckKind, parse_headers, parse_statuses
from ..flow import (
    FormFields,
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    host_like,
    http_url,
    invalid_name,
    number,
)
from .const import (
    CONF_CERTIFICATE_DAYS,
    CONF_CHECK,
    CONF_FOLLOW_REDIRECTS,
    CONF_HEADERS,
    CONF_KEYWORD,
    CONF_METHOD,
    CONF_PRESET,
    CONF_STATUSES,
    CONF_VERIFY_TLS,
)
from .coordinator import run_check
from .options import DEFAULT_WEB_OPTIONS


class WebServiceConfigFlow(MonitorConfigFlow):
    """Add a check; change it."""

    async def async_step_web_service(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Ask how the service is checked."""
        return self.async_show_menu(step_id="web_service", menu_options=["web_http", "web_tcp", "web_icmp"])

    async def async_step_web_http(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """An HTTP(S) check, optionally from an app's preset."""
        return await self._async_web_step(CheckKind.HTTP, "web_http", user_input)

    async def async_step_web_tcp(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """A TCP port that must accept connections."""
        return await self._async_web_step(CheckKind.TCP, "web_tcp", user_input)

    async def async_step_web_icmp(self, user_input: FormInput | None = None) -> ConfigFlowResult:
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

    async def async_reconfigure_web_service(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """The same form the check was added with."""
        entry = self._get_reconfigure_entry()
        return await self._async_web_step(
            CheckKind(entry.data[CONF_CHECK]), f"web_{entry.data[CONF_CHECK]}", user_input
        )


class WebServiceOptionsFlow(MonitorOptionsFlow):
    """Interval, failures before down, certificate warning days, health."""

    async def async_step_web_service(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Interval, failures before down, certificate warning days."""
        return await self._async_numbers_step("web_service", DEFAULT_WEB_OPTIONS, _WEB_NUMBERS, user_input)


_WEB_NUMBERS: dict[str, tuple[int, int, str | None]] = {
    CONF_SCAN_INTERVAL: (10, 3600, "s"),
    CONF_FAILURE_THRESHOLD: (1, 20, None),
    CONF_CERTIFICATE_DAYS: (1, 365, "d"),
}


def _web_schema(kind: CheckKind) -> probatio.Schema:
    fields: FormFields = {probatio.Optional(CONF_NAME): TextSelector()}
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
            fields[probatio.Required(CONF_PORT)] = number(1, 65535)
    return probatio.Schema(fields)


def _web_check(kind: CheckKind, user_input: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, str]]:
    """The entry data of a check, its title, and a translated error per bad field."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {CONF_KIND: MonitorKind.WEB_SERVICE.value, CONF_CHECK: kind.value}
    name = str(user_input.get(CONF_NAME) or "").strip()
    if name and (name_error := invalid_name(name)):
        errors[CONF_NAME] = name_error
    if kind != CheckKind.HTTP:
        host = str(user_input.get(CONF_HOST, "")).strip()
        if not host_like(host):
            errors[CONF_HOST] = "invalid_target"
        data[CONF_HOST] = host
        if kind == CheckKind.TCP:
            data[CONF_PORT] = int(user_input[CONF_PORT])
            return data, name or f"{host}:{data[CONF_PORT]}", errors
        return data, name or host, errors
    preset = PRESETS.get(user_input.get(CONF_PRESET, "custom"))
    url = http_url(str(user_input.get(CONF_URL, "")))
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


def _web_unique_id(data: dict[str, Any]) -> str:
    if data[CONF_CHECK] == CheckKind.HTTP:
        return f"{MonitorKind.WEB_SERVICE}_{data[CONF_URL]}"
    if data[CONF_CHECK] == CheckKind.TCP:
        return f"{MonitorKind.WEB_SERVICE}_tcp_{data[CONF_HOST]}:{data[CONF_PORT]}"
    return f"{MonitorKind.WEB_SERVICE}_icmp_{data[CONF_HOST]}"
