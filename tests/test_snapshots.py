"""Per monitor: its entities, devices and diagnostics as Home Assistant keeps them, against syrupy snapshots.

Written before the monitors were restructured, so a refactor that changes an
entity id, a unique id, a translation key, a device or a redaction fails
here. Each monitor runs against its real peer (the same as its own tests).

What depends on the machine running the tests (its cores, filesystems and
disks; a peer's port or id) is normalised: unique ids are shown relative to the
entry's, per-machine objects are left out, and diagnostics are snapshotted as
their shape (keys, value types, what is redacted), not their live values.
"""

from __future__ import annotations

import json
from pathlib import Path
import socket
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from .conftest import DdnsLab, setup_entry
from .peers import DockerEngine, NetLab, NodeExporter, NutServer
from .test_containers import HEALTH_FILE, _entry as docker_entry
from .test_ddns import _entry as ddns_entry
from .test_disks import DISKS, disks_entry, machine
from .test_internet import _entry as internet_entry, cloudflare, far_dns, internet_env  # noqa: F401  (fixtures)
from .test_ups import ups_entry
from .test_web_service import server  # noqa: F401  (fixture)
from .web_server import WebServer

REDACTED = "**REDACTED**"
# One entity per core, filesystem and disk of the machine that runs the tests.
PER_MACHINE_KEYS = frozenset({
    "core_usage", "disk_usage", "disk_free", "disk_used", "stale_mount", "disk_busy", "disk_read", "disk_write",
})  # fmt: skip


def _relative(text: str | None, entry: MockConfigEntry) -> str | None:
    return None if text is None else text.replace(str(entry.unique_id), "<entry>")


def _registry(hass: HomeAssistant, entry: MockConfigEntry, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The entry's entities and devices as the registries keep them."""
    devices = dr.async_get(hass)
    entities = []
    for entity in sorted(
        er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id), key=lambda e: e.unique_id
    ):
        if entity.translation_key in skip:
            continue
        device = devices.async_get(entity.device_id) if entity.device_id else None
        entities.append(
            {
                "entity_id": entity.entity_id,
                "unique_id": _relative(entity.unique_id, entry),
                "translation_key": entity.translation_key,
                "device_class": entity.original_device_class,
                "unit": entity.unit_of_measurement,
                "entity_category": entity.entity_category,
                "enabled": entity.disabled_by is None,
                "device": _relative(next(iter(sorted(i for _, i in device.identifiers)), None), entry)
                if device
                else None,
            }
        )
    rows = []
    for device in sorted(
        dr.async_entries_for_config_entry(devices, entry.entry_id), key=lambda d: sorted(d.identifiers)
    ):
        parent = devices.async_get(device.via_device_id) if device.via_device_id else None
        rows.append(
            {
                "identifiers": sorted((domain, _relative(i, entry)) for domain, i in device.identifiers),
                "name": device.name,
                "manufacturer": device.manufacturer,
                "model": device.model,
                "entry_type": device.entry_type,
                "via": sorted(_relative(i, entry) for _, i in parent.identifiers) if parent else None,
            }
        )
    return {"entities": entities, "devices": rows}


def _shape(value: Any, depth: int | None = None) -> Any:
    """Keys, value types and redactions of a diagnostics tree (to ``depth`` levels, if given).

    A map whose values are all objects of one shape (disks by key, containers
    by name) shows as one ``*`` key: which objects exist is live data.
    """
    if value == REDACTED:
        return value
    if isinstance(value, dict):
        if depth == 0:
            return sorted(value)
        below = None if depth is None else depth - 1
        shaped = {str(k): _shape(v, below) for k, v in sorted(value.items())}
        values = list(shaped.values())
        if values and all(isinstance(v, dict) for v in value.values()) and all(v == values[0] for v in values):
            return {"*": values[0]}
        return shaped
    if isinstance(value, list):
        shapes: list[Any] = []
        for item in value:
            if (shaped_item := _shape(item, depth)) not in shapes:
                shapes.append(shaped_item)
        return shapes
    return type(value).__name__


async def _diagnostics(
    hass: HomeAssistant, client: ClientSessionGenerator, entry: MockConfigEntry, depth: int | None = None
) -> dict[str, Any]:
    diagnostics = await get_diagnostics_for_config_entry(hass, client, entry)
    shaped = {"entry": _shape(diagnostics["entry"])}
    for name, coordinator in sorted(diagnostics.items()):
        if name == "entry":
            continue
        shaped[name] = {
            "last_update_success": coordinator["last_update_success"],
            "update_interval_seconds": coordinator["update_interval_seconds"],
            "data": _shape(coordinator["data"], depth),
        }
    return shaped


async def test_host(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_host_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    entry = loaded_host_entry
    assert _registry(hass, entry, PER_MACHINE_KEYS) == snapshot(name="registry")
    # The host's readings are this machine's (its mounts, disks, processes): their top level only.
    assert await _diagnostics(hass, hass_client, entry, depth=0) == snapshot(name="diagnostics")


async def test_disks(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
    proc: Path,
    snapshot: SnapshotAssertion,
) -> None:
    entry = disks_entry(machine(tmp_path / "machine", DISKS))
    await setup_entry(hass, entry)
    assert _registry(hass, entry) == snapshot(name="registry")
    assert await _diagnostics(hass, hass_client, entry) == snapshot(name="diagnostics")


async def test_internet(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    internet_env: NetLab,  # noqa: F811
    snapshot: SnapshotAssertion,
) -> None:
    entry = internet_entry()
    with internet_env.inside():
        await setup_entry(hass, entry)
        assert _registry(hass, entry) == snapshot(name="registry")
        assert await _diagnostics(hass, hass_client, entry) == snapshot(name="diagnostics")
        assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def docker(engine: DockerEngine) -> DockerEngine:
    """The engine with one running container, ``web``."""
    engine.run_container("web", command=HEALTH_FILE)
    return engine


async def test_docker(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    docker: DockerEngine,
    entries: list[MockConfigEntry],
    snapshot: SnapshotAssertion,
) -> None:
    entry = docker_entry(docker, control=True)
    entries.append(entry)
    await setup_entry(hass, entry)
    assert _registry(hass, entry) == snapshot(name="registry")
    assert await _diagnostics(hass, hass_client, entry) == snapshot(name="diagnostics")


async def test_web_service(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    server: WebServer,  # noqa: F811
    snapshot: SnapshotAssertion,
) -> None:
    entry = MockConfigEntry(
        domain="homesentry",
        title="app",
        unique_id=f"web_service_{server.base}/ok",
        data={"kind": "web_service", "check": "http", "url": f"{server.base}/ok", "headers": "X-Api-Key: s3cret"},
        options={"scan_interval": 60, "failure_threshold": 2, "certificate_days": 14},
    )
    await setup_entry(hass, entry)
    assert _registry(hass, entry) == snapshot(name="registry")
    assert await _diagnostics(hass, hass_client, entry) == snapshot(name="diagnostics")


async def test_backup(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, tmp_path: Path, snapshot: SnapshotAssertion
) -> None:
    path = tmp_path / "backup.jsonl"
    path.write_text('{"timestamp": "2026-11-28T02:00:00+00:00", "success": true, "duration_total": 600}\n')
    entry = MockConfigEntry(
        domain="homesentry",
        title="Nightly",
        unique_id=f"backup_{path}",
        data={"kind": "backup", "name": "Nightly", "path": str(path)},
        options={"expected_hours": 26, "scan_interval": 60},
    )
    await setup_entry(hass, entry)
    assert _registry(hass, entry) == snapshot(name="registry")
    assert await _diagnostics(hass, hass_client, entry) == snapshot(name="diagnostics")


async def test_ups(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, nut: NutServer, snapshot: SnapshotAssertion
) -> None:
    entry = ups_entry(nut)
    await setup_entry(hass, entry)
    assert _registry(hass, entry) == snapshot(name="registry")
    assert await _diagnostics(hass, hass_client, entry) == snapshot(name="diagnostics")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_ddns(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, ddns_lab: DdnsLab, snapshot: SnapshotAssertion
) -> None:
    entry = ddns_entry("noip")
    await setup_entry(hass, entry)
    assert _registry(hass, entry) == snapshot(name="registry")
    assert await _diagnostics(hass, hass_client, entry) == snapshot(name="diagnostics")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_remote(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    node_exporter: NodeExporter,
    snapshot: SnapshotAssertion,
) -> None:
    result = await hass.config_entries.flow.async_init("homesentry", context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "remote"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"address": node_exporter.url})
    entry = result["result"]
    await hass.async_block_till_done()
    # The machine is this one: its hostname names the entry, the device and the entity ids.
    host = socket.gethostname()
    registry = json.loads(
        json.dumps(_registry(hass, entry, PER_MACHINE_KEYS | {"network_received", "network_sent"}))
        .replace(slugify(host), "<host>")
        .replace(host, "<host>")
    )
    assert registry == snapshot(name="registry")
    assert await _diagnostics(hass, hass_client, entry, depth=0) == snapshot(name="diagnostics")
    assert await hass.config_entries.async_unload(entry.entry_id)
