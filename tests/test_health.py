"""Health per device: the rules, the grace period, degradation and recovery events, the logbook line.

The This server entry reads this machine; its disk usage is real. A threshold
set below the real usage makes the device unhealthy for real. Where a test
needs a value to come and go within seconds (a flap, a recovery), it writes
the entity's state as its integration would, since health reads Home
Assistant's states and nothing else.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events, async_fire_time_changed

from custom_components.homesentry.const import DOMAIN, EVENT_HEALTH_CHANGED
from custom_components.homesentry.health import Level, judge, thresholds, worst
from custom_components.homesentry.logbook import async_describe_events

from .conftest import setup_entry
from .sysfs_tree import SysfsTree

# Every registered monitor's thresholds, at their defaults (the descriptions carry them).
THRESHOLDS = thresholds({})


def test_rules() -> None:
    limits = thresholds({})
    on = State("binary_sensor.x", "on", {"friendly_name": "Backup problem"})
    off = State("binary_sensor.y", "off", {"friendly_name": "Internet connection"})
    assert judge("backup_problem", on, limits) == judge("backup_problem", on, limits)
    assert judge("backup_problem", on, limits).level is Level.WARNING  # type: ignore[union-attr]
    assert judge("connected", off, limits).level is Level.CRITICAL  # type: ignore[union-attr]
    assert judge("connected", State("binary_sensor.y", "on"), limits) is None
    assert judge("disk_health", State("sensor.d", "failed"), limits).level is Level.CRITICAL  # type: ignore[union-attr]
    assert judge("disk_health", State("sensor.d", "ok"), limits) is None
    usage = State("sensor.u", "91", {"friendly_name": "nas / disk usage", "unit_of_measurement": "%"})
    problem = judge("disk_usage", usage, limits)
    assert problem is not None
    assert (problem.level, problem.text) == (Level.WARNING, "nas / disk usage: 91 %")
    assert judge("disk_usage", State("sensor.u", "96"), limits).level is Level.CRITICAL  # type: ignore[union-attr]
    days = State("sensor.c", "2", {"unit_of_measurement": "d"})
    assert judge("certificate_days_left", days, limits).level is Level.CRITICAL  # type: ignore[union-attr]  # lower is worse
    assert judge("certificate_days_left", State("sensor.c", "30"), limits) is None
    assert judge("disk_usage", State("sensor.u", "unavailable"), limits) is None
    assert judge("cpu_usage", State("sensor.u", "100"), limits) is None  # no rule
    custom = thresholds({"health": {"disk_usage_warning": 50}})
    assert custom["disk_usage"].warning == 50
    assert custom["disk_usage"].critical == THRESHOLDS["disk_usage"].critical
    assert worst([]) is Level.OK


def _health(hass: HomeAssistant, entry: MockConfigEntry) -> State:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_health_{entry.unique_id}")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


def _options(entry: MockConfigEntry, scan_interval: int = 30, **health: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN, title=entry.title, unique_id=entry.unique_id, data=dict(entry.data),
        options={**entry.options, "scan_interval": scan_interval, "health": health},
    )  # fmt: skip


async def _root_disk_usage(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[str, dict[str, Any]]:
    """Set ``entry`` up; its root filesystem's disk usage sensor, and the attributes to write it with."""
    await setup_entry(hass, entry)
    usage = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_disk_usage_root")
    assert usage is not None
    state = hass.states.get(usage)
    assert state is not None
    return usage, dict(state.attributes)


async def test_a_real_problem_counts_after_the_grace_period(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    entry = _options(host_entry, disk_usage_warning=0.0, disk_usage_critical=100.0, grace_minutes=2)
    events = async_capture_events(hass, EVENT_HEALTH_CHANGED)
    await setup_entry(hass, entry)
    health = _health(hass, entry)
    assert (health.state, health.attributes["problems"]) == ("ok", [])  # the usage is over 0 %, but not for 2 min

    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _health(hass, entry).state == "ok"

    freezer.tick(timedelta(minutes=1, seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    health = _health(hass, entry)
    assert health.state == "warning"
    assert any("disk usage" in p for p in health.attributes["problems"])
    assert health.attributes["summary"]
    assert [e.data["level"] for e in events] == ["warning"]
    assert events[0].data["previous"] == "ok"


async def test_a_flap_never_alerts_and_recovery_is_announced(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    # Read hourly, so the values this test writes are not replaced by a reading within its minutes.
    entry = _options(host_entry, scan_interval=3600, grace_minutes=2)
    events = async_capture_events(hass, EVENT_HEALTH_CHANGED)
    usage, attributes = await _root_disk_usage(hass, entry)

    # 97 % for one minute, then back: a flap.
    hass.states.async_set(usage, "97", attributes)
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    hass.states.async_set(usage, "40", attributes)
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert events == []
    assert _health(hass, entry).state == "ok"

    # 97 % that stays: critical after the grace, then recovery.
    hass.states.async_set(usage, "97", attributes)
    freezer.tick(timedelta(minutes=2, seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _health(hass, entry).state == "critical"
    hass.states.async_set(usage, "40", attributes)
    await hass.async_block_till_done()
    assert _health(hass, entry).state == "ok"
    assert [(e.data["previous"], e.data["level"]) for e in events] == [("ok", "critical"), ("critical", "ok")]

    lines: dict[str, Any] = {}

    def describe(domain: str, event_type: str, describer: Any) -> None:
        lines[event_type] = describer

    async_describe_events(hass, describe)
    critical: Event[Any] = events[0]
    assert lines[EVENT_HEALTH_CHANGED](critical)[LOGBOOK_ENTRY_MESSAGE].startswith("is critical: ")
    assert lines[EVENT_HEALTH_CHANGED](events[1]) == {
        LOGBOOK_ENTRY_NAME: critical.data["device"],
        LOGBOOK_ENTRY_MESSAGE: "recovered (was critical)",
    }


async def test_thresholds_are_set_in_the_options(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
    entry = loaded_host_entry
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    schema = flow["data_schema"].schema
    health = next(value for key, value in schema.items() if str(key) == "health")
    assert {str(k) for k in health.schema.schema} == {
        "grace_minutes", "disk_usage_warning", "disk_usage_critical", "cpu_temperature_warning",
        "cpu_temperature_critical", "memory_usage_warning", "memory_usage_critical",
    }  # fmt: skip
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"],
        {"scan_interval": 30, "interfaces": ["eth0"], "health": {"disk_usage_warning": 70, "grace_minutes": 5}},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["health"] == {"disk_usage_warning": 70.0, "grace_minutes": 5.0}
    await hass.async_block_till_done()
    tracker = entry.runtime_data.health
    assert tracker is not None
    assert tracker.limits["disk_usage"].warning == 70.0
    assert tracker.limits["disk_usage"].critical == 95.0  # left empty: the default
    assert tracker.grace == timedelta(minutes=5)


async def test_events_offer_actions_and_snooze_silences_them(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    entry = _options(host_entry, scan_interval=3600, grace_minutes=0)
    events = async_capture_events(hass, EVENT_HEALTH_CHANGED)
    usage, attributes = await _root_disk_usage(hass, entry)
    hass.states.async_set(usage, "97", attributes)
    await hass.async_block_till_done()
    device_id = events[0].data["device_id"]
    assert events[0].data["actions"] == [{"action": f"HOMESENTRY_SNOOZE::{device_id}", "title": "Snooze 1 h"}]

    await hass.services.async_call(DOMAIN, "snooze_health", {"device_id": device_id, "hours": 1}, blocking=True)
    hass.states.async_set(usage, "40", attributes)
    await hass.async_block_till_done()
    assert _health(hass, entry).state == "ok"  # the sensor tells the truth
    assert len(events) == 1  # but no event while snoozed
    freezer.tick(timedelta(hours=1, minutes=1))
    hass.states.async_set(usage, "97", attributes)
    await hass.async_block_till_done()
    assert [e.data["level"] for e in events] == ["critical", "critical"]


async def test_internet_options_show_its_thresholds(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, title="Internet", unique_id="internet", data={"kind": "internet"})
    entry.add_to_hass(hass)  # not set up: only its options form is looked at
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    health = next(value for key, value in flow["data_schema"].schema.items() if str(key) == "health")
    assert {str(k) for k in health.schema.schema} == {
        "grace_minutes", "packet_loss_warning", "packet_loss_critical", "latency_warning", "latency_critical",
    }  # fmt: skip
    hass.config_entries.options.async_abort(flow["flow_id"])
