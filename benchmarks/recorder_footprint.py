"""Recorder footprint: the state rows and bytes a day HomeSentry makes in a real Home Assistant's recorder.

Run as root from the repository root:  .venv/bin/python -m benchmarks.recorder_footprint [--minutes N]
[--scenario remote]

A Home Assistant core (pytest-homeassistant-custom-component's test instance)
with its recorder on an SQLite file, and the scenario of issue 20, every entry
added through the config flow with its defaults, as a user adds it:

- This server (this machine's real /proc and /sys) and Disks;
- the Internet connection against lab targets on loopback (ping 127.0.0.2 and
  127.0.0.3, a real dnsmasq as its resolver): nothing leaves the machine;
- Docker: a real dockerd with 20 busybox containers;
- two web services (HTTP servers on loopback) and a backup job (a metrics file);
- a UPS on a real NUT upsd with the dummy-ups driver.

``--scenario remote`` is two Remote servers instead, each a real node_exporter
on loopback reading a machine whose counters move (benchmarks/busy_machine.py):
an idle one and a busy one, with their rows a day each.

After a warm-up (setup writes every entity's first state), it runs N minutes
of real time at the default intervals, then counts the rows the recorder
wrote in that window: state rows per HomeSentry entity and new attribute
sets, and their bytes at what a row and an attribute set cost in this
database (the ``states`` and ``state_attributes`` tables with their indexes,
SQLite's dbstat, over their rows; the pages a short window adds say little
once its rows fit in pages already there). A day and the recorder's default
10-day window are those figures scaled; one run's window includes no outage,
backup run or power cut.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import contextlib
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import shutil
import sqlite3
import tempfile
import time
from typing import Any

from homeassistant import config_entries, loader
from homeassistant.components import recorder
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import async_initialize_recorder
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from benchmarks.busy_machine import BusyMachine
from benchmarks.contained import contain
from custom_components.homesentry.const import DOMAIN
from tests.peers import Dnsmasq, DockerEngine, NodeExporter, NutServer
from tests.web_server import WebServer

CONTAINERS = 20
WARM_UP = 90.0  # seconds: every coordinator has run its first cycles


async def _add(hass: HomeAssistant, kind: str, *steps: dict[str, Any]) -> None:
    """Add one entry through the config flow: the menu's ``kind``, then each form's input."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": kind})
    for user_input in steps:
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] == "create_entry", result
    await hass.async_block_till_done()


def _table_bytes(database: Path, table: str) -> int:
    """Bytes of ``table`` and its indexes (SQLite's dbstat: whole pages)."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        names = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = ?", (table,))]
        marks = ",".join("?" * len(names))
        (size,) = db.execute(f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({marks})", names).fetchone()
    return int(size or 0)


def _row_cost(database: Path) -> tuple[float, float]:
    """What a state row and an attribute set cost on disk, their tables' and indexes' bytes over their rows."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        (states,) = db.execute("SELECT COUNT(*) FROM states").fetchone()
        (attributes,) = db.execute("SELECT COUNT(*) FROM state_attributes").fetchone()
    return (
        _table_bytes(database, "states") / max(states, 1),
        _table_bytes(database, "state_attributes") / max(attributes, 1),
    )


def _rows(database: Path, since: float) -> tuple[Counter[str], Counter[str]]:
    """State rows per entity, and new attribute sets per entity, written since ``since`` (epoch seconds)."""
    rows: Counter[str] = Counter()
    attribute_sets: Counter[str] = Counter()
    with contextlib.closing(sqlite3.connect(database)) as db:
        first_seen: dict[int, str] = {}
        for entity_id, attributes_id, updated in db.execute(
            "SELECT states_meta.entity_id, states.attributes_id, states.last_updated_ts FROM states "
            "JOIN states_meta ON states.metadata_id = states_meta.metadata_id ORDER BY states.state_id"
        ):
            if attributes_id is not None and attributes_id not in first_seen:
                first_seen[attributes_id] = entity_id
                if updated >= since:
                    attribute_sets[entity_id] += 1
            if updated >= since:
                rows[entity_id] += 1
    return rows, attribute_sets


async def _scenario(hass: HomeAssistant, lab: Path, peers: list[Any]) -> None:
    """Start the peers (each put in ``peers`` as it starts, to be stopped whatever fails) and add every entry."""
    engine = DockerEngine(lab / "docker")
    peers.append(engine)
    engine.start()
    engine.import_busybox()
    for n in range(CONTAINERS):
        engine.run_container(f"app{n:02d}", "--network", "none")
    dns = Dnsmasq(lab / "dns", hosts={"lab.test": "127.0.0.2"}).start()
    peers.append(dns)
    nut = NutServer(lab / "nut")
    peers.append(nut)
    nut.start()
    webs: list[WebServer] = []
    for _ in range(2):
        webs.append(WebServer().start())
        peers.append(webs[-1])
    metrics = lab / "backup.jsonl"
    stamp = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    metrics.write_text(json.dumps({"timestamp": stamp, "success": True, "duration_total": 512}) + "\n")

    await _add(hass, "host", {"name": "nas"})
    await _add(hass, "disks", {})
    lab_line = {"targets": "127.0.0.2, 127.0.0.3", "resolvers": dns.spec, "dns_names": "lab.test"}
    await _add(hass, "internet", lab_line)
    await _add(hass, "docker", {"url": engine.url})
    for n, web in enumerate(webs):
        await _add(hass, "web_service", {"next_step_id": "web_http"}, {"name": f"Web {n}", "url": f"{web.base}/health"})
    await _add(hass, "backup", {"name": "Nightly", "path": str(metrics)})
    await _add(hass, "ups", {"host": "127.0.0.1", "port": nut.port, "username": nut.user, "password": nut.password})


async def _remote_scenario(hass: HomeAssistant, lab: Path, peers: list[Any]) -> dict[str, str]:
    """An idle and a busy machine's node_exporters, each added as a Remote server; their entry ids by name."""
    added = {}
    for n, busy in enumerate((False, True)):
        machine = BusyMachine(lab / f"machine{n}", busy=busy, seed=n + 1)
        machine.sysfs.mac("eth0", f"52:54:00:00:00:0{n + 1}")  # two machines (both say this one's hostname)
        peers.append(machine)
        machine.start()
        # Throughput from the machine's /proc/net/dev, not this namespace's interfaces over netlink.
        exporter = NodeExporter(machine.sysfs.root, procfs=machine.proc, arguments=("--no-collector.netdev.netlink",))
        peers.append(exporter)
        exporter.start()
        before = {entry.entry_id for entry in hass.config_entries.async_entries(DOMAIN)}
        await _add(hass, "remote", {"address": exporter.url})
        (entry_id,) = {entry.entry_id for entry in hass.config_entries.async_entries(DOMAIN)} - before
        added["busy" if busy else "idle"] = entry_id
    return added


def _config_directory() -> Path:
    """A configuration directory the peers' users may traverse, with this integration in it."""
    config = Path(tempfile.mkdtemp(prefix="hs-bench-recorder-"))
    config.chmod(0o755)
    (config / "custom_components").symlink_to(Path.cwd() / "custom_components")
    return config


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0, help="the measured window, in minutes of real time")
    parser.add_argument("--top", type=int, default=20, help="how many entities to list")
    parser.add_argument("--scenario", choices=("lab", "remote"), default="lab", help="issue 20's lab, or two remotes")
    args = parser.parse_args()
    servers: dict[str, str] = {}

    config = _config_directory()
    database = config / "home-assistant_v2.db"
    peers: list[Any] = []
    async with async_test_home_assistant(config_dir=str(config)) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        async_initialize_recorder(hass)  # what Home Assistant's bootstrap does before the recorder sets up
        assert await async_setup_component(
            hass, recorder.DOMAIN, {recorder.DOMAIN: {"db_url": f"sqlite:///{database}", "commit_interval": 1}}
        )
        assert await async_setup_component(hass, "network", {})  # the HTTP client's resolver asks it
        await hass.async_block_till_done()
        try:
            if args.scenario == "remote":
                servers = await _remote_scenario(hass, config / "lab", peers)
            else:
                await _scenario(hass, config / "lab", peers)
            await asyncio.sleep(WARM_UP)
            await recorder.get_instance(hass).async_block_till_done()
            start = time.time()
            await asyncio.sleep(args.minutes * 60)
            await recorder.get_instance(hass).async_block_till_done()
            window = time.time() - start
            row_bytes, set_bytes = await hass.async_add_executor_job(_row_cost, database)
            rows, attribute_sets = await hass.async_add_executor_job(_rows, database, start)
            ours = {e.entity_id for e in er.async_get(hass).entities.values() if e.platform == DOMAIN}
            entries = {e.entity_id: e.config_entry_id for e in er.async_get(hass).entities.values()}
        finally:
            for entry in hass.config_entries.async_entries(DOMAIN):
                await hass.config_entries.async_unload(entry.entry_id)
            for peer in reversed(peers):
                if isinstance(peer, DockerEngine) and peer.process is not None:
                    peer.remove_all()  # its containers, as the tests' fixture removes them
                peer.stop()
            await hass.async_stop(force=True)  # the recorder's thread ends with Home Assistant
            shutil.rmtree(config, ignore_errors=True)

    _report(
        window,
        rows=rows,
        attribute_sets=attribute_sets,
        ours=ours,
        entries=entries,
        servers=servers,
        costs=(row_bytes, set_bytes),
        top=args.top,
    )


def _report(
    window: float,
    *,
    rows: Counter[str],
    attribute_sets: Counter[str],
    ours: set[str],
    entries: dict[str, str | None],
    servers: dict[str, str],
    costs: tuple[float, float],
    top: int,
) -> None:
    """Print the window's figures scaled to a day (and per Remote server where there are some)."""
    row_bytes, set_bytes = costs
    day = 86400 / window
    our_rows = {entity: count for entity, count in rows.items() if entity in ours}
    share = sum(our_rows.values()) / max(sum(rows.values()), 1)
    rows_day = sum(our_rows.values()) * day
    sets_day = sum(count for entity, count in attribute_sets.items() if entity in ours) * day
    silent = len(ours) - len(our_rows)
    print(f"recorder footprint: {len(ours)} HomeSentry entities, window {window / 60:.1f} min of real time")
    print(f"  state rows: {rows_day:,.0f} a day ({share:.1%} of the recorder's rows)")
    print(f"  new attribute sets: {sets_day:,.0f} a day")
    # Bytes at what a row and an attribute set cost in this database: the growth of its pages
    # in one window says little once a day's rows fit in the pages already there.
    bytes_day = rows_day * row_bytes + sets_day * set_bytes
    print(
        f"  bytes (states and state_attributes, indexes included, {row_bytes:.0f} bytes a row and "
        f"{set_bytes:.0f} an attribute set in this database): {bytes_day / 1e6:.2f} MB a day"
    )
    print(f"  10-day window (the recorder's default): {rows_day * 10:,.0f} rows, {bytes_day * 10 / 1e6:.1f} MB")
    print(f"  entities that wrote no row in the window: {silent}")
    for name, entry_id in servers.items():
        server_rows = sum(count for entity, count in our_rows.items() if entries.get(entity) == entry_id)
        enabled = sum(1 for entity in ours if entries.get(entity) == entry_id)
        print(f"  {name} remote server: {server_rows * day:,.0f} state rows a day ({enabled} entities)")
    print(f"  the {top} entities writing most (rows a day, new attribute sets a day):")
    for entity, count in sorted(our_rows.items(), key=lambda item: -item[1])[:top]:
        print(f"    {entity:60s} {count * day:8,.0f}  {attribute_sets.get(entity, 0) * day:8,.0f}")


if __name__ == "__main__":
    contain()
    asyncio.run(main())
