"""The shipped dashboard: the entities it names exist, and its tables, rendered by Home Assistant, show real devices.

The tables are templates over HomeSentry's entities; they are rendered here with
real entries: recorded disks through pySMART, a container on a real dockerd, a
web service on a real HTTP server and a backup job's metrics file.
"""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template
from homeassistant.util import dt as dt_util, slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket
import yaml

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.monitors.backup.options import DEFAULT_BACKUP_OPTIONS

from .conftest import setup_entry
from .peers import DockerEngine
from .test_containers import _entry as docker_entry, _setup, _until
from .test_disks import DISKS, disks_entry, machine
from .test_power import with_power
from .web_server import WebServer

ROOT = Path(__file__).parent.parent
DASHBOARD = ROOT / "dashboards" / "homesentry.yaml"


def _entities(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "entity" and isinstance(value, str):
                found.add(value)
            elif key == "entities" and isinstance(value, list):
                found |= {v if isinstance(v, str) else v["entity"] for v in value}
            else:
                found |= _entities(value)
    elif isinstance(node, list):
        for item in node:
            found |= _entities(item)
    return found


async def test_dashboard_entities_exist(hass: HomeAssistant, host_entry: MockConfigEntry) -> None:
    await setup_entry(hass, with_power(host_entry, price=0.25))  # a price: the cost sensors exist
    referenced = _entities(yaml.safe_load(DASHBOARD.read_text()))
    assert referenced
    # This server, set up here under the name "nas": every entity is really there.
    server = {e for e in referenced if e.split(".", 1)[1].startswith("nas_")}
    assert server
    assert server <= {s.entity_id for s in hass.states.async_all()}, server - {
        s.entity_id for s in hass.states.async_all()
    }
    # Internet and Disks: named by their device ("Internet", "Disks") and an entity name HomeSentry has.
    strings = json.loads((ROOT / "custom_components" / "homesentry" / "strings.json").read_text())
    names = {slugify(v["name"]) for platform in strings["entity"].values() for v in platform.values()}
    for entity_id in referenced - server:
        device, _, name = entity_id.split(".", 1)[1].partition("_")
        assert device in {"internet", "disks"}, entity_id
        assert name in names, entity_id


def _markdown(section: str) -> str:
    """The content of the markdown card under the heading ``section``."""
    for grid in yaml.safe_load(DASHBOARD.read_text())["views"][0]["sections"]:
        if grid["cards"][0].get("heading") == section:
            return next(card["content"] for card in grid["cards"] if card["type"] == "markdown")
    raise AssertionError(section)


def _render(hass: HomeAssistant, section: str) -> list[list[str]]:
    """The markdown card rendered by Home Assistant, as table rows of cells (other lines as one cell)."""
    text = Template(_markdown(section), hass).async_render(parse_result=False)
    rows = []
    for line in text.splitlines():
        if line.startswith("|:"):
            continue
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif line.strip():
            rows.append([line.strip()])
    return rows


def _row(rows: list[list[str]], name: str) -> list[str]:
    found = [row for row in rows if len(row) > 1 and row[1] == name]
    assert len(found) == 1, (name, rows)
    return found[0]


async def test_the_tables_find_every_device_by_themselves(hass: HomeAssistant) -> None:
    # Before anything is added, each table says what to add.
    assert _render(hass, "Health") == [
        ["No HomeSentry devices yet: Settings → Devices & services → Add integration → HomeSentry."]
    ]
    for section, words in (("Servers", "Remote server"), ("Disks", "add *Disks*"), ("Containers", "Docker engine"),
                           ("Web services", "Web service"), ("Backups", "Backup job")):  # fmt: skip
        (line,) = _render(hass, section)
        assert words in line[0], section


@pytest.mark.usefixtures("loaded_host_entry", "proc")
async def test_the_tables_show_real_devices(
    hass: HomeAssistant,
    tmp_path: Path,
    engine: DockerEngine,
    entries: list[MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Disks: three recorded disks (one failing) and a recovering RAID 1; no grace, so health shows at once.
    smartctl = machine(tmp_path / "machine", DISKS)
    disks = disks_entry(smartctl)
    disks.add_to_hass(hass)
    hass.config_entries.async_update_entry(disks, options={**disks.options, "health": {"grace_minutes": 0}})
    await _setup(hass, entries, disks)
    # A container on a real dockerd, a web service on a real HTTP server, a backup job with a metrics file.
    engine.run_container("jellyfin", "--network", "none", command="trap 'exit 0' TERM; while :; do sleep 1; done")
    await _setup(hass, entries, docker_entry(engine))
    await _until(lambda: hass.states.get("sensor.jellyfin_cpu") is not None)  # stats come in the background
    await _until(lambda: hass.states.get("sensor.jellyfin_cpu").state not in {"unknown", "unavailable"})
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    web = WebServer().start()
    try:
        await _setup(hass, entries, MockConfigEntry(
            domain=DOMAIN, title="Nextcloud", unique_id="web_service_nextcloud",
            data={"kind": "web_service", "check": "http", "url": f"{web.base}/ok"},
            options={"scan_interval": 3600, "failure_threshold": 2, "certificate_days": 14},
        ))  # fmt: skip
        metrics = tmp_path / "backup.jsonl"
        stamp = (dt_util.utcnow() - timedelta(hours=3)).replace(microsecond=0).isoformat()
        metrics.write_text(json.dumps({"timestamp": stamp, "success": True}) + "\n")
        await _setup(hass, entries, MockConfigEntry(
            domain=DOMAIN, title="Nightly", unique_id="backup_nightly",
            data={"kind": "backup", "name": "Nightly", "path": str(metrics)}, options=dict(DEFAULT_BACKUP_OPTIONS),
        ))  # fmt: skip

        health = _render(hass, "Health")
        failing = [row for row in health if len(row) > 1 and row[2] == "Critical"]
        # The failing disk and the degraded array (its mdstat shows a member missing), worst first, with why.
        failing_disk = next(row[1] for row in failing if row[1].startswith("ST3250318AS ("))
        assert sorted(row[1] for row in failing) == ["RAID md2", failing_disk], health
        assert {row[3] for row in failing} == {
            "RAID md2 Array problem",
            f"{failing_disk} SMART health: failed; {failing_disk} Predicted failure rate: 161.9 %",
        }
        assert all('icon="mdi:alert-octagon"' in row[0] for row in failing)
        assert health[0] == ["", "Device", "Health", "Problems"]
        assert health[1:3] == failing
        ok = health[-1][0]
        assert "OK:**" in ok
        for name in ("nas", "jellyfin", "Nextcloud", "Nightly"):
            assert name in ok, (name, ok)

        (header, nas) = _render(hass, "Servers")  # This server here; a Remote server's row: tests/test_remote.py
        assert header == ["", "Server", "CPU", "Memory", "CPU temperature", "Load (5 min)"]
        assert nas[1] == "nas"
        assert nas[2].endswith(" %")
        assert nas[3].endswith(" %")
        assert nas[4] == "45.0 °C"  # the tree's coretemp package sensor

        table = _render(hass, "Disks")
        assert table[0] == ["", "Disk", "SMART health", "Temperature", "Power-on time"]
        assert _row(table, failing_disk)[2:4] == ["Failed", "38 °C"]
        seagate = next(row for row in table if row[1].startswith("ST2000NM"))
        assert (seagate[2], seagate[3]) == ("OK", "31 °C")
        assert seagate[4] == "1380 h"
        assert _row(table, "RAID md2")[2:] == ["Rebuilding", "Problem", "0.0 %"]
        assert _row(table, "RAID md0")[2:] == ["Clean", "OK", "—"]  # nothing to sync

        (header, jellyfin) = _render(hass, "Containers")
        assert header == ["", "Container", "State", "CPU", "Memory", "Restarts"]
        assert (jellyfin[1], jellyfin[2], jellyfin[5]) == ("jellyfin", "Running", "0")
        assert jellyfin[3].endswith(" %")
        assert jellyfin[4].endswith(" MiB")

        (header, nextcloud) = _render(hass, "Web services")
        assert nextcloud[1:3] == ["Nextcloud", "Connected"]
        assert nextcloud[3].endswith(" ms")
        assert nextcloud[4] == "—"  # plain HTTP: no certificate
        assert 'icon="mdi:check-circle"' in nextcloud[0]

        (header, nightly) = _render(hass, "Backups")
        assert nightly[1:4] == ["Nightly", "Success", "3 hours ago"]
        assert nightly[4] == "100.0 %"
        assert "Template variable warning" not in caplog.text  # a missing value is a dash, not a log line
    finally:
        web.stop()
