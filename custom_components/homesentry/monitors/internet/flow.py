"""The Internet connection's steps: what to ping and resolve, then everything else in its options."""

from __future__ import annotations

from collections.abc import Iterable
import re
from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
)
import probatio

from ...const import CONF_FAILURE_THRESHOLD, CONF_KIND, CONF_SCAN_INTERVAL, MonitorKind
from ...health import CONF_HEALTH
from ...probes.dns import SYSTEM, parse_resolver
from ..flow import (
    FormInput,
    MonitorConfigFlow,
    MonitorOptionsFlow,
    health_options,
    host_like,
    http_url,
    number,
    text_list,
)
from .const import (
    CONF_DNS_NAMES,
    CONF_GATEWAY,
    CONF_PING_COUNT,
    CONF_PING_GATEWAY,
    CONF_PUBLIC_IP_INTERVAL,
    CONF_RESOLVERS,
    CONF_SPEED_TEST_HOURS,
    CONF_SPEED_TEST_MAX_MB,
    CONF_SPEED_TEST_STREAMS,
    CONF_SPEED_TEST_URL,
    CONF_TARGETS,
    CONF_TCP_PORT,
)
from .options import DEFAULT_INTERNET_OPTIONS


class InternetConfigFlow(MonitorConfigFlow):
    """Add the Internet connection (one per Home Assistant)."""

    async def async_step_internet(self, user_input: FormInput | None = None) -> ConfigFlowResult:
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


class InternetOptionsFlow(MonitorOptionsFlow):
    """Targets, resolvers, thresholds and the speed test."""

    async def async_step_internet(self, user_input: FormInput | None = None) -> ConfigFlowResult:
        """Targets, resolvers, thresholds and the speed test of the connection."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = _internet_options(user_input)
            if not errors:
                return self.async_create_entry(
                    data={**options, CONF_HEALTH: health_options(user_input.get(CONF_HEALTH))}
                )
        current = {**DEFAULT_INTERNET_OPTIONS, **self.config_entry.options, **(user_input or {})}
        return self.async_show_form(
            step_id="internet", data_schema=self._with_health(dict(_internet_schema(current).schema)), errors=errors
        )


def _internet_schema(current: dict[str, Any]) -> probatio.Schema:
    fields: dict[str, Any] = {
        CONF_TARGETS: text_list(),
        CONF_PING_GATEWAY: BooleanSelector(),
        CONF_GATEWAY: TextSelector(),
        CONF_PING_COUNT: number(1, 100),
        CONF_TCP_PORT: number(1, 65535),
        CONF_RESOLVERS: text_list(),
        CONF_DNS_NAMES: text_list(),
        CONF_FAILURE_THRESHOLD: number(1, 20),
        CONF_SCAN_INTERVAL: number(10, 3600, "s"),
        CONF_PUBLIC_IP_INTERVAL: number(60, 86400, "s"),
        CONF_SPEED_TEST_URL: TextSelector(),
        CONF_SPEED_TEST_HOURS: number(0, 168, "h"),
        CONF_SPEED_TEST_STREAMS: number(1, 16),
        CONF_SPEED_TEST_MAX_MB: number(1, 2000, "MB"),
    }
    return probatio.Schema(
        {
            (probatio.Optional if key == CONF_GATEWAY else probatio.Required)(key, default=current[key]): selector
            for key, selector in fields.items()
        }
    )


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
    elif any(not host_like(t) for t in options[CONF_TARGETS]):
        errors[CONF_TARGETS] = "invalid_target"
    if options[CONF_GATEWAY] and not host_like(options[CONF_GATEWAY]):
        errors[CONF_GATEWAY] = "invalid_target"
    for resolver in options[CONF_RESOLVERS]:
        if resolver.lower() == SYSTEM:
            continue
        try:
            parse_resolver(resolver)
        except ValueError:
            errors[CONF_RESOLVERS] = "invalid_resolver"
    if not options[CONF_DNS_NAMES] or any(not host_like(n) for n in options[CONF_DNS_NAMES]):
        errors[CONF_DNS_NAMES] = "invalid_dns_name"
    url = str(options[CONF_SPEED_TEST_URL]).strip()
    if http_url(url) is None:
        errors[CONF_SPEED_TEST_URL] = "invalid_url"
    options[CONF_SPEED_TEST_URL] = url
    return options, errors


# What the first form asks (the rest are options): where to ping and what to resolve, as comma-separated text.
_INTERNET_FIRST: tuple[str, ...] = (CONF_TARGETS, CONF_RESOLVERS, CONF_DNS_NAMES)


def _split(text: object) -> list[str]:
    """The items of a comma- or space-separated field."""
    return [item for item in re.split(r"[,\s]+", text) if item] if isinstance(text, str) else []


def _joined(items: Iterable[object]) -> str:
    """A list option as the comma-separated text the first form shows."""
    return ", ".join(str(item) for item in items)
