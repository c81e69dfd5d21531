"""What the monitors' flows share: names, numbers, addresses, claiming an entry, the Health section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
import unicodedata

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_NAME,
)
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
)
import probatio
from yarl import URL

from ..const import CONF_GRACE_MINUTES, CONF_KIND
from ..health import CONF_HEALTH, DEFAULT_GRACE_MINUTES, Threshold

# A form's fields: each a probatio marker (Required, Optional) with its selector or section.
type FormFields = dict[probatio.Marker, object]
# A submitted form's values, as Home Assistant hands them to a step (None: the form is to be shown).
type FormInput = dict[str, Any]

# A name becomes an entry's title and a device's name: trimmed, of sane length, without control characters
# (line breaks, NUL, escapes) or the bidirectional overrides that make text read other than it is stored.
NAME_MAX = 64
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def invalid_name(name: str) -> str | None:
    """The translated error for a trimmed name, or None when it will do."""
    if not name:
        return "name_required"
    if len(name) > NAME_MAX:
        return "name_too_long"
    if any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in name):
        return "name_invalid"
    return None


class MonitorConfigFlow(ConfigFlow):
    """What every monitor's config steps share: claiming a unique id, finishing, the form's current values."""

    async def _async_claim(self, unique_id: str) -> None:
        """Take ``unique_id``; abort if another entry has it (a reconfigured entry keeps its own)."""
        if self.source == SOURCE_RECONFIGURE and unique_id == self._get_reconfigure_entry().unique_id:
            return
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured()

    def _finish(
        self, unique_id: str, title: str, data: Mapping[str, object], options: Mapping[str, object]
    ) -> ConfigFlowResult:
        """Create the entry, or update the one being reconfigured (its options stay)."""
        if self.source == SOURCE_RECONFIGURE:
            entry = self._get_reconfigure_entry()
            return self.async_update_reload_and_abort(entry, unique_id=unique_id, title=title, data=data)
        return self.async_create_entry(title=title, data=data, options=dict(options))

    def _current(self) -> FormInput:
        """The form's suggested values: the entry's own when reconfiguring it."""
        if self.source != SOURCE_RECONFIGURE:
            return {}
        entry = self._get_reconfigure_entry()
        return {**entry.data, CONF_NAME: entry.title}


class MonitorOptionsFlow(OptionsFlowWithReload):
    """What every monitor's options steps share: a form of numbers, and the Health section."""

    async def _async_numbers_step(
        self,
        step_id: str,
        defaults: FormInput,
        numbers: dict[str, tuple[int, int, str | None]],
        user_input: FormInput | None,
    ) -> ConfigFlowResult:
        """An options step made of numbers, and the entry's health thresholds."""
        if user_input is not None:
            data: dict[str, Any] = {key: int({**defaults, **user_input}[key]) for key in numbers}
            return self.async_create_entry(data={**data, CONF_HEALTH: health_options(user_input.get(CONF_HEALTH))})
        current = {**defaults, **self.config_entry.options}
        fields: FormFields = {
            probatio.Required(key, default=current[key]): number(low, high, unit)
            for key, (low, high, unit) in numbers.items()
        }
        return self.async_show_form(step_id=step_id, data_schema=self._with_health(fields))

    def _with_health(self, fields: FormFields) -> probatio.Schema:
        """An options form's fields and, collapsed, the entry's Health section filled with its values."""
        fields = {
            **fields,
            probatio.Optional(CONF_HEALTH): section(health_schema(self.config_entry), {"collapsed": True}),
        }
        return self.add_suggested_values_to_schema(
            probatio.Schema(fields), {CONF_HEALTH: health_now(self.config_entry)}
        )


def _thresholds(entry: ConfigEntry) -> Mapping[str, Threshold]:
    """The limits the entry's monitor lets the user change (its descriptions' thresholds)."""
    from . import spec_for  # noqa: PLC0415  (the registry imports every monitor's flow)

    return spec_for(entry.data[CONF_KIND]).thresholds


def health_schema(entry: ConfigEntry) -> probatio.Schema:
    """The health section: the grace period, and the thresholds of the entities the entry's monitor has."""
    fields: FormFields = {probatio.Optional(CONF_GRACE_MINUTES): number(0, 1440, "min")}
    for key, threshold in _thresholds(entry).items():
        fields[probatio.Optional(f"{key}_warning")] = number(0, 100_000, threshold.unit, 0.1)
        fields[probatio.Optional(f"{key}_critical")] = number(0, 100_000, threshold.unit, 0.1)
    return probatio.Schema(fields)


def health_now(entry: ConfigEntry) -> FormInput:
    """The health section as the entry has it, defaults filled in."""
    current: FormInput = {CONF_GRACE_MINUTES: DEFAULT_GRACE_MINUTES}
    for key, threshold in _thresholds(entry).items():
        current[f"{key}_warning"] = threshold.warning
        current[f"{key}_critical"] = threshold.critical
    return {**current, **entry.options.get(CONF_HEALTH, {})}


def health_options(values: Mapping[str, Any] | None) -> dict[str, float]:
    """The health section as stored: numbers only, empty fields left out (the defaults apply)."""
    return {key: float(value) for key, value in (values or {}).items() if value not in (None, "")}


def number(low: float, high: float, unit: str | None = None, step: float = 1) -> NumberSelector:
    """A number field: a box from ``low`` to ``high``, in ``unit``."""
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def text_list() -> SelectSelector:
    """A list field the user types the items of."""
    return SelectSelector(SelectSelectorConfig(options=[], multiple=True, custom_value=True))


def http_url(text: str) -> URL | None:
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


def host_like(text: str) -> bool:
    """An IP literal or a DNS name: letters, digits, dots, hyphens, colons."""
    return bool(text) and len(text) <= 253 and all(c.isalnum() or c in ".-:_" for c in text)
