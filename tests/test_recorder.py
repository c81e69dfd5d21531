"""Per monitor, in a real Home Assistant with its recorder: no state row that says nothing new.

Each monitor runs against its real peer (as in its own tests). Cycles with
unchanged inputs must leave the recorder's ``states`` table alone for every
entity whose inputs did not change; the entities that read a live machine
(This server's CPU, memory, load; a remote machine's; a latency) may write,
but every row they write must carry news: a value that moved by the entity's
step (or what its display shows), a meter's row in a new statistics period,
or a recorded attribute that changed. No row records a quiet attribute. Then
an input changes, and its row appears with the new state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
import inspect
import json
from pathlib import Path
from typing import Any

from homeassistant.components.recorder import Recorder, get_instance, history
from homeassistant.components.sensor import SensorStateClass
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.entity import HomeSentryEntity
from custom_components.homesentry.sensor import STATISTICS_PERIOD, HomeSentrySensor

from .conftest import DdnsLab, entity_state, setup_entry
from .peers import DockerEngine, NetLab, NodeExporter, NutServer
from .sysfs_tree import SysfsTree, write
from .test_containers import _entry as docker_entry
from .test_ddns import _entry as ddns_entry
from .test_disks import DISKS, disks_entry, machine
from .test_internet import _entry as internet_entry, cloudflare, far_dns, internet_env  # noqa: F401  (fixtures)
from .test_remote import _add as add_remote
from .test_ups import ups_entry
from .test_web_service import server, switch_entry  # noqa: F401  (server: a fixture)
from .web_server import WebServer

CYCLES = 5


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_mock: Recorder, enable_custom_integrations: None) -> None:
    """The recorder first: it must be set up before Home Assistant is (the conftest's fixture asks for it after)."""


@dataclass
class Written:
    """An entity's rows in a window: the one before it (what the state showed) and those written in it."""

    before: State | None
    rows: list[State]


async def _cycles(hass: HomeAssistant, entry: ConfigEntry, count: int = CYCLES) -> None:
    """``count`` cycles of every coordinator of the entry, recorded."""
    for _ in range(count):
        for coordinator in entry.runtime_data.runtime.coordinators.values():
            await coordinator.async_refresh()
        await hass.async_block_till_done()
    await async_wait_recording_done(hass)


async def _written(hass: HomeAssistant, entry: ConfigEntry, since: datetime) -> dict[str, Written]:
    """Every enabled entity of the entry and the rows the recorder wrote for it since ``since``."""
    entity_ids = [
        e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id) if not e.disabled_by
    ]

    def read() -> dict[str, Written]:
        written = {}
        for entity_id in entity_ids:
            rows = history.state_changes_during_period(hass, since, entity_id=entity_id, include_start_time_state=False)
            with_start = history.state_changes_during_period(hass, since, entity_id=entity_id)
            new = rows.get(entity_id, [])
            start = with_start.get(entity_id, [])
            written[entity_id] = Written(start[0] if len(start) > len(new) else None, new)
        return written

    return await get_instance(hass).async_add_executor_job(read)


def _entity(hass: HomeAssistant, entity_id: str) -> HomeSentryEntity[Any, Any] | None:
    """The entity object (None: the Health sensor, which sums up the others)."""
    entity = hass.data[entity_id.split(".", maxsplit=1)[0]].get_entity(entity_id)
    return entity if isinstance(entity, HomeSentryEntity) else None


def _news(hass: HomeAssistant, entity: HomeSentryEntity[Any, Any] | None, before: State, row: State) -> bool:
    """Whether ``row`` says something ``before`` did not: the rule every row must meet."""
    if before.attributes != row.attributes or before.state == row.state:
        return before.attributes != row.attributes
    try:
        was, now = float(before.state), float(row.state)
    except ValueError:
        return True  # a word, unavailable, unknown: any change is news
    if (was == 0) != (now == 0):
        return True  # none and some differ whatever the step: a container stopped, loss appeared
    meter = row.attributes.get("state_class") in (SensorStateClass.TOTAL, SensorStateClass.TOTAL_INCREASING)
    period = int(row.last_updated.timestamp()) // STATISTICS_PERIOD
    new_period = int(before.last_updated.timestamp()) // STATISTICS_PERIOD != period
    # A meter also shows its count on the last cycle of a period (within one interval of its end).
    interval = None if entity is None else entity.coordinator.update_interval
    last_cycle = interval is not None and int((row.last_updated + interval).timestamp()) // STATISTICS_PERIOD != period
    return abs(now - was) >= _resolution(hass, entity, row) * (1 - 1e-6) or (meter and (new_period or last_cycle))


def _resolution(hass: HomeAssistant, entity: HomeSentryEntity[Any, Any] | None, row: State) -> float:
    """The least move a row must show, in the unit of the state: what its display precision shows, or the
    entity's step if that is larger (an energy meter's 10 Wh)."""
    registered = er.async_get(hass).async_get(row.entity_id)
    assert registered is not None
    precision = registered.options.get("sensor", {}).get("suggested_display_precision")
    shown = 0.0 if precision is None else 10.0**-precision
    if not isinstance(entity, HomeSentrySensor) or entity.step is None:
        return shown
    description, unit = entity.entity_description, row.attributes.get("unit_of_measurement")
    step = entity.step
    if unit != description.native_unit_of_measurement and description.device_class in UNIT_CONVERTERS:
        native = description.native_unit_of_measurement
        step = UNIT_CONVERTERS[description.device_class].converter_factory(native, unit)(step)
    return max(shown, step)


def _rows_without_news(hass: HomeAssistant, written: Mapping[str, Written]) -> list[str]:
    found = []
    for entity_id, window in written.items():
        entity = _entity(hass, entity_id)
        before = window.before
        for row in window.rows:
            quiet = frozenset() if entity is None else entity.entity_description.quiet_attributes
            if quiet := quiet & set(row.attributes):
                found.append(f"{entity_id} recorded its quiet {sorted(quiet)}")
            if before is not None and not _news(hass, entity, before, row):
                found.append(f"{entity_id}: {before} -> {row}")
            before = row
    return found


def _key(hass: HomeAssistant, entity_id: str) -> str:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.translation_key is not None
    return entry.translation_key


async def _steady_then_change(
    hass: HomeAssistant,
    entry: ConfigEntry,
    *,
    live: Iterable[str] = (),
    change: Callable[[], Any],
    expect: Mapping[tuple[str, str], str],
) -> None:
    """Cycles with unchanged inputs write nothing new (only ``live`` entities may write, with news each time);
    then ``change`` and one cycle: each ``(key, platform)`` of ``expect`` wrote a row showing its value."""
    await _cycles(hass, entry, 1)  # setup's first values recorded
    since = dt_util.utcnow()
    await _cycles(hass, entry)
    written = await _written(hass, entry, since)
    assert _rows_without_news(hass, written) == []
    moving = {entity_id: [r.state for r in w.rows] for entity_id, w in written.items() if w.rows}
    assert {e: rows for e, rows in moving.items() if _key(hass, e) not in set(live)} == {}
    assert len(written) > len(moving)  # most entities are silent

    since = dt_util.utcnow()
    outcome = change()
    if inspect.isawaitable(outcome):
        await outcome
    for _ in range(80):  # a peer may take a moment to see the change (upsd's driver re-reads every 2 s)
        await _cycles(hass, entry, 1)
        if all(entity_state(hass, entry, key, platform).state == value for (key, platform), value in expect.items()):
            break
        await asyncio.sleep(0.25)
    written = await _written(hass, entry, since)
    assert _rows_without_news(hass, written) == []
    for (key, platform), value in expect.items():
        entity_id = entity_state(hass, entry, key, platform).entity_id
        assert [row.state for row in written[entity_id].rows][-1:] == [value], (entity_id, written[entity_id])


# This server's and a remote machine's readings of the real /proc: they move on their own.
LIVE_MACHINE = (
    "cpu_usage", "load_1m", "load_5m", "load_15m", "memory_usage", "memory_used", "memory_available",
    "swap_usage", "process_count", "disk_busy", "disk_free", "disk_usage", "network_received", "network_sent",
    "server_power", "server_energy", "energy_cost_today", "energy_cost_month", "top_power_consumer",
    "health",  # follows the live readings
)  # fmt: skip


async def test_host(
    recorder_mock: Recorder, hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree
) -> None:
    await setup_entry(hass, host_entry)
    await _warmer(hass, host_entry, sysfs, LIVE_MACHINE)


async def _warmer(hass: HomeAssistant, entry: ConfigEntry, sysfs: SysfsTree, live: Iterable[str]) -> None:
    """Steady cycles of a machine on the sysfs tree, then every sensor of it 7 °C warmer."""
    before = float(entity_state(hass, entry, "cpu_temperature").state)

    def warmer() -> None:
        for reading in (sysfs.root / "class" / "hwmon").glob("*/temp*_input"):
            write(reading, int(reading.read_text()) + 7000)

    await _steady_then_change(
        hass, entry, live=live, change=warmer, expect={("cpu_temperature", "sensor"): str(before + 7)}
    )


async def test_disks(recorder_mock: Recorder, hass: HomeAssistant, tmp_path: Path, proc: Path) -> None:
    entry = disks_entry(machine(tmp_path / "machine", DISKS))
    await setup_entry(hass, entry)
    mdstat = (proc / "mdstat").read_text()
    await _steady_then_change(
        hass,
        entry,
        change=lambda: (proc / "mdstat").write_text(mdstat.replace("[2/2] [UU]", "[2/1] [U_]")),
        expect={("array_state_md0", "sensor"): "degraded", ("array_problem_md0", "binary_sensor"): "on"},
    )


async def test_docker(
    recorder_mock: Recorder, hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry]
) -> None:
    engine.run_container("app")
    entry = docker_entry(engine)
    entries.append(entry)
    await setup_entry(hass, entry)
    await _steady_then_change(
        hass,
        entry,
        live=("container_cpu", "container_memory_used", "container_memory_percent"),
        change=lambda: engine.cli("stop", "app"),
        expect={("container_state_app", "sensor"): "exited"},
    )


async def test_web_service(recorder_mock: Recorder, hass: HomeAssistant, server: WebServer) -> None:  # noqa: F811
    entry = switch_entry(server, failure_threshold=1)
    await setup_entry(hass, entry)

    def fail() -> None:
        server.healthy = False

    await _steady_then_change(
        hass,
        entry,
        live=("response_time",),  # a round trip on loopback moves by a millisecond now and then
        change=fail,
        expect={("service_up", "binary_sensor"): "off", ("http_status", "sensor"): "503"},
    )


async def test_backup(recorder_mock: Recorder, hass: HomeAssistant, tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    stamp = dt_util.utcnow().replace(microsecond=0)
    path.write_text(json.dumps({"timestamp": (stamp.isoformat()), "success": True, "duration_total": 600}) + "\n")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Nightly",
        unique_id=f"backup_{path}",
        data={"kind": "backup", "name": "Nightly", "path": str(path)},
        options={"expected_hours": 26, "scan_interval": 60},
    )
    await setup_entry(hass, entry)

    def failed_run() -> None:
        with path.open("a") as file:
            file.write(json.dumps({"timestamp": dt_util.utcnow().isoformat(), "success": False}) + "\n")

    await _steady_then_change(hass, entry, change=failed_run, expect={("last_backup_result", "sensor"): "failed"})


async def test_ups(recorder_mock: Recorder, hass: HomeAssistant, nut: NutServer) -> None:
    entry = ups_entry(nut)
    await setup_entry(hass, entry)
    await _steady_then_change(
        hass,
        entry,
        live=("ups_energy",),  # counts 180 W on: a row when it crosses a statistics period
        change=lambda: nut.write(battery_charge="80"),
        expect={("ups_battery_charge", "sensor"): "80.0"},
    )


async def test_ddns(recorder_mock: Recorder, hass: HomeAssistant, ddns_lab: DdnsLab) -> None:
    entry = ddns_entry("noip")
    await setup_entry(hass, entry)
    await _steady_then_change(
        hass,
        entry,
        change=lambda: ddns_lab.set_public_ip("198.51.100.42"),
        expect={("ddns_public_ip", "sensor"): "198.51.100.42", ("record_ip", "sensor"): "198.51.100.42"},
    )


# The lab's link: its round trips move by a tenth of a millisecond now and then.
LIVE_LINE = ("latency", "latency_min", "latency_max", "jitter", "target_latency", "dns_time")


async def test_internet(recorder_mock: Recorder, hass: HomeAssistant, internet_env: NetLab) -> None:  # noqa: F811
    entry = internet_entry()
    with internet_env.inside():
        await setup_entry(hass, entry)
        await _steady_then_change(
            hass,
            entry,
            live=LIVE_LINE,
            change=lambda: internet_env.loss(100),
            expect={("packet_loss", "sensor"): "100.0"},
        )
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_remote(
    recorder_mock: Recorder, hass: HomeAssistant, node_exporter: NodeExporter, sysfs: SysfsTree
) -> None:
    entry = (await add_remote(hass, address=node_exporter.url))["result"]
    await hass.async_block_till_done()
    await _warmer(hass, entry, sysfs, (*LIVE_MACHINE, "disk_read", "disk_write", "pressure"))
    assert await hass.config_entries.async_unload(entry.entry_id)
