"""Unknown is not ok: a device whose readings stop keeps its problems (marked stale), and no recovery is announced.

Each monitor's real peer goes away while one of its devices has a problem:
the machine's node_exporter, the Docker engine, the UPS's upsd, the Disks
monitor's mdstat. Its Health must not say ``ok``, no ``homesentry_health_changed``
event may say it recovered, the shipped push blueprint (with "Tell me when it
recovers" on, its default) must push nothing, and the peer's return with the
same problem must fire nothing either.
"""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.homesentry.const import DOMAIN, EVENT_HEALTH_CHANGED

from .conftest import entity_state, setup_entry
from .peers import DockerEngine, NodeExporter, NutServer
from .test_blueprints import _automation as blueprint_automation
from .test_containers import _entry as docker_entry, _setup as docker_setup, _until
from .test_disks import MDSTAT, disks_entry
from .test_remote import _entry as remote_entry
from .test_ups import _until as ups_until, ups_entry

NO_GRACE = {"grace_minutes": 0}


def _health(hass: HomeAssistant, entry: MockConfigEntry, identifier: str) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_health_{identifier}")
    assert entity_id is not None, identifier
    return hass.states.get(entity_id)


def _levels(events: list[Any]) -> list[tuple[str, str, str]]:
    return [(e.data["device"], e.data["previous"], e.data["level"]) for e in events]


async def test_a_remote_server_that_stops_answering_keeps_its_problem(
    hass: HomeAssistant, node_exporter: NodeExporter, tmp_path: Path
) -> None:
    calls = await blueprint_automation(hass, tmp_path)
    entry = remote_entry(
        node_exporter.url, options={"scan_interval": 30, "health": {**NO_GRACE, "disk_usage_warning": 1}}
    )
    events = async_capture_events(hass, EVENT_HEALTH_CHANGED)
    await setup_entry(hass, entry)
    machine = str(entry.unique_id)
    assert _health(hass, entry, machine).state == "warning"
    assert [c.data["title"] for c in calls] == ["🟠 nas is warning"]
    before = len(events)

    node_exporter.stop()
    await entry.runtime_data.monitor.remote.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, entry, "disk_usage_root").state == STATE_UNAVAILABLE
    health = _health(hass, entry, machine)
    assert health.state == "warning"  # not ok: nobody saw the disk empty
    assert health.attributes["stale"] == health.attributes["problems"]
    assert any("disk usage" in p.lower() for p in health.attributes["stale"])
    assert events[before:] == []
    assert len(calls) == 1  # no "✅ nas recovered"

    node_exporter.start()  # back, with the same problem: nothing to say
    await entry.runtime_data.monitor.remote.async_refresh()
    await hass.async_block_till_done()
    health = _health(hass, entry, machine)
    assert (health.state, health.attributes["stale"]) == ("warning", [])
    assert events[before:] == []
    assert len(calls) == 1
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_ups_server_that_goes_away_keeps_the_ups_s_problem(hass: HomeAssistant, nut: NutServer) -> None:
    entry = ups_entry(nut)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={**entry.options, "health": NO_GRACE})
    events = async_capture_events(hass, EVENT_HEALTH_CHANGED)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    nut.write(ups_status="OB LB", battery_charge="10")
    await ups_until(hass, entry, "ups_status", "low_battery")
    await hass.async_block_till_done()
    assert _health(hass, entry, str(entry.unique_id)).state == "critical"
    seen = _levels(events)
    assert seen[-1] == ("test UPS", "warning", "critical")  # on battery, then low

    nut.stop()
    await entry.runtime_data.monitor.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, entry, "ups_low_battery", "binary_sensor").state == STATE_UNAVAILABLE
    health = _health(hass, entry, str(entry.unique_id))
    assert health.state == "critical"
    assert health.attributes["stale"]
    assert _levels(events) == seen

    nut.start()
    await ups_until(hass, entry, "ups_status", "low_battery")
    await hass.async_block_till_done()
    assert _health(hass, entry, str(entry.unique_id)).attributes["stale"] == []
    assert _levels(events) == seen
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_an_mdstat_that_cannot_be_read_keeps_the_array_s_problem(
    hass: HomeAssistant, tmp_path: Path, proc: Path
) -> None:
    shutil.copy(MDSTAT / "raid5_failed_member_spare_in.txt", proc / "mdstat")
    entry = disks_entry(str(tmp_path / "none"))
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={**entry.options, "health": NO_GRACE})
    events = async_capture_events(hass, EVENT_HEALTH_CHANGED)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    array = f"{entry.unique_id}_md0"
    assert _health(hass, entry, array).state == "critical"
    seen = _levels(events)

    raid = entry.runtime_data.monitor.raid
    (proc / "mdstat").unlink()
    (proc / "mdstat").mkdir()  # mdstat cannot be read: the arrays are not seen
    await raid.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, entry, "array_problem_md0", "binary_sensor").state == STATE_UNAVAILABLE
    health = _health(hass, entry, array)
    assert (health.state, len(health.attributes["stale"])) == ("critical", len(health.attributes["problems"]))
    assert _levels(events) == seen

    (proc / "mdstat").rmdir()
    shutil.copy(MDSTAT / "raid5_failed_member_spare_in.txt", proc / "mdstat")
    await raid.async_refresh()
    await hass.async_block_till_done()
    assert _health(hass, entry, array).attributes["stale"] == []
    assert _levels(events) == seen
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_docker_engine_that_goes_away_keeps_its_containers_problems(
    hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry], tmp_path: Path
) -> None:
    """The engine's own device goes critical (seen: it does not answer); its unhealthy container does not recover."""
    calls = await blueprint_automation(hass, tmp_path)
    engine.run_container("db", "--network", "none", "--health-cmd", "test -f /never", "--health-interval", "1s",
                         "--health-retries", "1", command="trap 'exit 0' TERM; while :; do sleep 1; done")  # fmt: skip
    entry = docker_entry(engine, scan_interval=3600, health=NO_GRACE)
    events = async_capture_events(hass, EVENT_HEALTH_CHANGED)
    await docker_setup(hass, entries, entry)
    db = er.async_get(hass).async_get_entity_id("binary_sensor", DOMAIN, f"{entry.unique_id}_container_problem_db")
    assert db is not None
    await _until(lambda: (state := hass.states.get(db)) is not None and state.state == "on", 20)
    await hass.async_block_till_done()
    container = next(e for e in _levels(events) if e[2] == "warning")[0]
    assert [c.data["title"] for c in calls] == [f"🟠 {container} is warning"]

    engine.stop()
    await _until(lambda: hass.states.get(db).state == STATE_UNAVAILABLE, 20)
    await hass.async_block_till_done()
    recovered = [e for e in _levels(events) if e[2] == "ok"]
    assert recovered == []
    assert [c.data["title"] for c in calls if "recovered" in c.data["title"]] == []
    healths = [
        hass.states.get(e.entity_id)
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.translation_key == "health"
    ]
    stale = [h for h in healths if h is not None and h.attributes.get("stale")]
    assert [h.state for h in stale] == ["warning"]  # the container's, as it was last seen
    assert any(e[2] == "critical" for e in _levels(events))  # the engine's own: it does not answer, seen
    engine.start()
