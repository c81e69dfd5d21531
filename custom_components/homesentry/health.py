"""Health per device: ok, warning or critical, from its problem sensors and from thresholds.

One mechanism for every monitor: an entity's description says whether it can
make its device unhealthy and how (a problem binary sensor on, a connectivity
sensor off, an enum in a bad state, a measurement past a threshold). A problem counts
only after it has held for the grace period, so one flap never alerts;
degradation and recovery are events (``homesentry_health_changed``) the
logbook shows and automations (the shipped blueprint) use.

Unknown is not ok: an entity whose state is unavailable or unknown (its
machine or engine stopped answering, its coordinator fails) keeps the problem
it was last judged to have, marked stale, so a device never "recovers" from
what nobody saw go away, and its return fires nothing if nothing changed.

The tracker reads Home Assistant's states of the entry's own entities: it sits
after the entities, so what the user sees and what health says are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import CONF_GRACE_MINUTES, DOMAIN, EVENT_HEALTH_CHANGED

if TYPE_CHECKING:
    from . import HomeSentryConfigEntry

_SETTING_UP_OR_LOADED: Final = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED)
CONF_HEALTH: Final = "health"
DEFAULT_GRACE_MINUTES: Final = 2


class Level(StrEnum):
    """How a device is doing."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"


_RANK: Final = {Level.OK: 0, Level.WARNING: 1, Level.CRITICAL: 2}


@dataclass(frozen=True, slots=True)
class BinaryRule:
    """A binary sensor that is a problem in one state (on for a problem sensor, off for connectivity)."""

    level: Level
    bad: str


@dataclass(frozen=True, slots=True)
class EnumRule:
    """An enum sensor whose bad states have levels."""

    levels: Mapping[str, Level]


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    """A measurement's warning and critical limits, in the unit its state shows."""

    above: bool  # True: higher is worse
    warning: float
    critical: float
    unit: str


# How an entity can make its device unhealthy: its description carries the rule.
type HealthRule = BinaryRule | EnumRule | Threshold
PROBLEM_ON: Final = BinaryRule(Level.WARNING, "on")  # a problem binary sensor, on: a warning
CRITICAL_ON: Final = BinaryRule(Level.CRITICAL, "on")
CRITICAL_OFF: Final = BinaryRule(Level.CRITICAL, "off")  # a connectivity sensor, off: critical
WARNING_OFF: Final = BinaryRule(Level.WARNING, "off")


def registered_rules() -> Mapping[str, HealthRule]:
    """Every registered monitor's rules, by translation key."""
    from .monitors import MONITORS  # noqa: PLC0415  (the monitors' descriptions use this module's rules)

    return {key: rule for spec in MONITORS for key, rule in spec.health_rules.items()}


@dataclass(frozen=True, slots=True)
class Problem:
    """One entity making its device unhealthy."""

    entity_id: str
    level: Level
    text: str
    stale: bool = False  # its entity cannot be read now: the problem it last showed


def thresholds(options: Mapping[str, Any], defaults: Mapping[str, HealthRule] | None = None) -> dict[str, Threshold]:
    """The thresholds with the user's own limits (``health`` options: ``<key>_warning``/``<key>_critical``)."""
    chosen = options.get(CONF_HEALTH, {})
    return {
        key: Threshold(
            above=rule.above,
            warning=float(chosen.get(f"{key}_warning", rule.warning)),
            critical=float(chosen.get(f"{key}_critical", rule.critical)),
            unit=rule.unit,
        )
        for key, rule in (registered_rules() if defaults is None else defaults).items()
        if isinstance(rule, Threshold)
    }


def judge(
    translation_key: str | None,
    state: State,
    limits: Mapping[str, Threshold],
    rules: Mapping[str, HealthRule] | None = None,
) -> Problem | None:
    """Whether one entity's state is a problem, and how bad; None when it is fine or has no rule."""
    if translation_key is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None
    name = state.name
    rule = (registered_rules() if rules is None else rules).get(translation_key)
    if isinstance(rule, BinaryRule):
        return Problem(state.entity_id, rule.level, name) if state.state == rule.bad else None
    if isinstance(rule, EnumRule):
        level_for = rule.levels.get(state.state)
        return Problem(state.entity_id, level_for, f"{name}: {state.state}") if level_for else None
    if (limit := limits.get(translation_key)) is not None:
        try:
            value = float(state.state)
        except ValueError:
            return None
        unit = state.attributes.get("unit_of_measurement", limit.unit)
        if (limit.above and value >= limit.critical) or (not limit.above and value <= limit.critical):
            return Problem(state.entity_id, Level.CRITICAL, f"{name}: {state.state} {unit}")
        if (limit.above and value >= limit.warning) or (not limit.above and value <= limit.warning):
            return Problem(state.entity_id, Level.WARNING, f"{name}: {state.state} {unit}")
    return None


def worst(problems: list[Problem]) -> Level:
    """The device's level: its worst problem's."""
    return max((p.level for p in problems), key=_RANK.__getitem__, default=Level.OK)


class HealthTracker:
    """Judges an entry's entities, per device, with the grace period; owns the Health sensors."""

    def __init__(self, hass: HomeAssistant, entry: HomeSentryConfigEntry, rules: Mapping[str, HealthRule]) -> None:
        """Track ``entry``'s entities by its monitor's ``rules``."""
        self.hass = hass
        self.entry = entry
        self.rules = rules
        self.limits = thresholds(entry.options, rules)
        grace = entry.options.get(CONF_HEALTH, {}).get(CONF_GRACE_MINUTES, DEFAULT_GRACE_MINUTES)
        self.grace = timedelta(minutes=float(grace))
        self.sensors: dict[str, HealthSensor] = {}  # device id -> its Health sensor
        self._since: dict[str, datetime] = {}  # entity id -> when its current problem began
        self._judged: dict[str, Problem] = {}  # entity id -> its problem when it was last readable
        self._levels: dict[str, Level] = {}  # device id -> level last announced
        self._add: AddConfigEntryEntitiesCallback | None = None
        self._timer: CALLBACK_TYPE | None = None
        self.snoozed: dict[str, datetime] = {}  # device id -> no health events until

    @callback
    def async_start(self, add_entities: AddConfigEntryEntitiesCallback) -> None:
        """Create a Health sensor per device (now and as devices appear) and follow the states."""
        self._add = add_entities
        self.entry.async_on_unload(self.hass.bus.async_listen(EVENT_STATE_CHANGED, self._state_changed, self._is_ours))
        self.entry.async_on_unload(
            self.hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, self._device_registry_updated)
        )
        self.entry.async_on_unload(self._cancel_timer)
        self.entry.async_on_unload(self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._stopping))
        self._add_devices()

    @callback
    def _device_registry_updated(self, _: Event[Any]) -> None:
        self._add_devices()

    @callback
    def _stopping(self, _: Event[Any]) -> None:
        self._cancel_timer()

    @callback
    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None

    @callback
    def _is_ours(self, data: EventStateChangedData) -> bool:
        """A state of this entry's entities, other than its Health sensors (whose changes are our own)."""
        entry = er.async_get(self.hass).async_get(data["entity_id"])
        return (
            entry is not None
            and entry.config_entry_id == self.entry.entry_id
            and not entry.unique_id.startswith(f"{self.entry.unique_id}_health_")
        )

    @callback
    def _add_devices(self) -> None:
        if self._add is None or self.hass.is_stopping or self.entry.state not in _SETTING_UP_OR_LOADED:
            return
        new = []
        for device in dr.async_entries_for_config_entry(dr.async_get(self.hass), self.entry.entry_id):
            identifier = next((i for d, i in device.identifiers if d == DOMAIN), None)
            if identifier is None or device.id in self.sensors:
                continue
            sensor = HealthSensor(self, device.id, identifier)
            self.sensors[device.id] = sensor
            new.append(sensor)
        if new:
            self._add(new)
            self.evaluate()

    @callback
    def _state_changed(self, _: Event[EventStateChangedData]) -> None:
        self.evaluate()

    @callback
    def _timer_fired(self, _: Any) -> None:
        self._timer = None
        self.evaluate()

    @callback
    def evaluate(self) -> None:
        """Judge every entity now; a problem older than the grace period counts."""
        now = dt_util.utcnow()
        registry = er.async_get(self.hass)
        raw: dict[str, list[Problem]] = {}
        seen: set[str] = set()
        for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            state = self.hass.states.get(entity.entity_id)
            if state is None or entity.device_id is None:
                continue
            if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
                last = self._judged.get(entity.entity_id)  # unknown is not ok: what it last showed holds
                problem = None if last is None else replace(last, stale=True)
            else:
                problem = judge(entity.translation_key, state, self.limits, self.rules)
                if problem is None:
                    self._judged.pop(entity.entity_id, None)
                    continue
                self._judged[entity.entity_id] = problem
            if problem is None:
                continue
            seen.add(entity.entity_id)
            self._since.setdefault(entity.entity_id, now)
            raw.setdefault(entity.device_id, []).append(problem)
        self._since = {k: v for k, v in self._since.items() if k in seen}
        self._judged = {k: v for k, v in self._judged.items() if k in seen}
        next_due: datetime | None = None
        for device_id, sensor in self.sensors.items():
            active = []
            for problem in raw.get(device_id, []):
                due = self._since[problem.entity_id] + self.grace
                if due <= now:
                    active.append(problem)
                elif next_due is None or due < next_due:
                    next_due = due
            sensor.show(worst(active), active)
            self._announce(device_id, sensor, worst(active), active)
        self._cancel_timer()
        if next_due is not None:  # look again when the next pending problem's grace is over
            self._timer = async_call_later(self.hass, max((next_due - now).total_seconds(), 0.0), self._timer_fired)

    @callback
    def snooze(self, device_id: str, until: datetime) -> None:
        """No health events for a device until ``until`` (its Health sensor still shows the truth)."""
        self.snoozed[device_id] = until

    def _actions(self, device_id: str, level: Level) -> list[dict[str, str]]:
        """What a push about this device can offer: press one of its buttons, or snooze it."""
        if level is Level.OK:
            return []
        actions = [
            {"action": f"HOMESENTRY_PRESS::{entity.entity_id}", "title": entity.original_name or entity.entity_id}
            for entity in er.async_entries_for_device(er.async_get(self.hass), device_id)
            if entity.domain == "button" and entity.platform == DOMAIN and entity.disabled_by is None
        ]
        return [*actions[:2], {"action": f"HOMESENTRY_SNOOZE::{device_id}", "title": "Snooze 1 h"}]

    def _announce(self, device_id: str, sensor: HealthSensor, level: Level, problems: list[Problem]) -> None:
        previous = self._levels.get(device_id, Level.OK)
        self._levels[device_id] = level
        if level == previous:
            return
        if (until := self.snoozed.get(device_id)) is not None and dt_util.utcnow() < until:
            return
        self.hass.bus.async_fire(
            EVENT_HEALTH_CHANGED,
            {
                "config_entry_id": self.entry.entry_id,
                "device_id": device_id,
                "entity_id": sensor.entity_id,
                "device": sensor.device_name,
                "level": level.value,
                "previous": previous.value,
                "problems": [p.text for p in problems],
                "actions": self._actions(device_id, level),
            },
        )


class HealthSensor(SensorEntity):
    """A device's health: ok, warning or critical, with the problems that make it so."""

    _attr_has_entity_name = True
    _attr_translation_key = "health"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = [level.value for level in Level]
    _attr_should_poll = False

    def __init__(self, tracker: HealthTracker, device_id: str, identifier: str) -> None:
        """The Health sensor of one device."""
        self.tracker = tracker
        device = dr.async_get(tracker.hass).async_get(device_id)
        self.device_name = (device.name_by_user or device.name or identifier) if device else identifier
        self._attr_unique_id = f"{tracker.entry.unique_id}_health_{identifier}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, identifier)})
        self._attr_native_value = Level.OK.value
        self._problems: list[Problem] = []

    @callback
    def show(self, level: Level, problems: list[Problem]) -> None:
        """The tracker's verdict."""
        changed = level.value != self._attr_native_value or problems != self._problems
        self._attr_native_value = level.value
        self._problems = problems
        if changed and self.hass is not None:
            self.async_write_ha_state()

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """The problems, a one-line summary of them, and those last seen before their readings stopped."""
        return {
            "problems": [p.text for p in self._problems],
            "summary": "; ".join(p.text for p in self._problems) if self._problems else None,
            "stale": [p.text for p in self._problems if p.stale],
        }
