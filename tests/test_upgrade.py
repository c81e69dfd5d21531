"""An install upgraded in place: the configuration an earlier release wrote loads with the same entities and states.

tests/upgrade/config/ was written by tests/upgrade/record_config.py on the
release before the monitors were restructured (0.2.0, commit 1ad27fa): four
entries (This server, Disks, a Backup job fed only by the action, a DDNS
hostname), their entity and device registries and their Stores (power totals,
backup runs, the DDNS update state and address history). Here Home Assistant
starts from that .storage with today's code, against the same peers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import DdnsLab
from .sysfs_tree import SysfsTree
from .test_disks import DISKS, machine

CONFIG = Path(__file__).parent / "upgrade" / "config"
# This server's readings that come from the sysfs tree the tests build, not from the machine running them.
HOST_FROM_SYSFS = ("temperature", "fan_speed", "battery", "throttle_events")


@pytest.fixture
def recorded_storage(hass_storage: dict[str, Any]) -> dict[str, Any]:
    """The earlier release's .storage, in place before Home Assistant starts (requested before ``hass``)."""
    hass_storage.update(json.loads((CONFIG / "storage.json").read_text()))
    return hass_storage


# Attributes that are "when" or "where" of this run: read times, grace deadlines, the replayed smartctl's path
# and the DNS lab's ports. The DDNS lab's record starts stale on every run, so its update is sent again: when
# it was sent is this run's too.
LIVE_ATTRIBUTES = frozenset({"last_read", "grace_until", "last_attempt", "smartctl", "public_resolvers"})
LIVE_STATES = frozenset({"sensor.home_example_test_last_update"})
# Attributes added since that release, left out of today's states where the recorded one lacks them: a
# Health sensor's ``stale`` problems (a device that cannot be read keeps them; empty here).
ADDED_ATTRIBUTES = frozenset({"stale"})
# Added since that release with a value, left out where the recorded state lacks them: which SMART reader ran and
# why (smartctl, at the replayed path), the disks without health data; and the SMART status's new state.
NEW_ATTRIBUTES = frozenset({"reader", "reason", "without_health_data"})
NEW_OPTIONS = frozenset({"virtual"})


def _compared(entity_id: str, host_entry: bool) -> bool:
    """Whether a recorded state is the same on every run: not a live reading of the machine running the tests."""
    return not host_entry or entity_id.endswith(HOST_FROM_SYSFS)


def _stable(entity_id: str, state: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """A state without what belongs to the run that read it."""
    return {
        "state": None if entity_id in LIVE_STATES else state,
        "attributes": {key: value for key, value in attributes.items() if key not in LIVE_ATTRIBUTES},
    }


async def test_an_earlier_release_s_configuration_comes_up_unchanged(
    recorded_storage: dict[str, Any],
    hass: HomeAssistant,
    sysfs: SysfsTree,
    tmp_path: Path,
    ddns_lab: DdnsLab,
) -> None:
    # phcc starts the registries empty without reading .storage: read the recorded one, as a real start does.
    devices = dr.async_get(hass)
    registry = er.async_get(hass)
    devices._loaded_event.clear()
    await devices.async_load()
    await registry._async_load()
    recorded_entities = {e.entity_id: e.unique_id for e in registry.entities.values()}
    recorded_devices = {d.id: d.identifiers for d in devices.devices}
    assert len(recorded_entities) == 109  # 94 enabled, with a state
    smartctl = machine(tmp_path / "machine", DISKS)  # the same recordings, where this run keeps them
    entries = []
    for stored in json.loads((CONFIG / "entries.json").read_text()):
        data = stored["data"] | ({"smartctl_path": smartctl} if stored["data"]["kind"] == "disks" else {})
        entry = MockConfigEntry(
            domain=stored["domain"],
            entry_id=stored["entry_id"],
            title=stored["title"],
            unique_id=stored["unique_id"],
            data=data,
            options=stored["options"],
            version=stored["version"],
            minor_version=stored["minor_version"],
        )
        entry.add_to_hass(hass)
        entries.append(entry)
    assert await async_setup_component(hass, "homesentry", {})  # every entry, as at a start
    await hass.async_block_till_done()
    assert all(entry.state is ConfigEntryState.LOADED for entry in entries)

    # The same entities under the same ids, on the same devices: none added, none orphaned.
    assert {e.entity_id: e.unique_id for e in registry.entities.values()} == recorded_entities
    assert {d.id: d.identifiers for d in devices.devices} == recorded_devices
    # The same states and attributes, totals and history restored from the Stores.
    recorded = json.loads((CONFIG / "states.json").read_text())
    host_entities = {e.entity_id for e in er.async_entries_for_config_entry(registry, "01HSUPGRADEHOST")}
    compared = 0
    changed: dict[str, Any] = {}
    for entity_id, was in recorded.items():
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        if not _compared(entity_id, entity_id in host_entities):
            continue
        compared += 1
        attributes = json.loads(json.dumps(dict(state.attributes), default=str))
        added = {key for key in ADDED_ATTRIBUTES if key not in was["attributes"] and not attributes.get(key)}
        added |= NEW_ATTRIBUTES - set(was["attributes"])
        if "options" in attributes and "options" in was["attributes"]:
            attributes["options"] = [o for o in attributes["options"] if o in was["attributes"]["options"] or o
                                     not in NEW_OPTIONS]  # fmt: skip
        now = _stable(entity_id, state.state, {k: v for k, v in attributes.items() if k not in added})
        if now != (was := _stable(entity_id, was["state"], was["attributes"])):
            changed[entity_id] = (was, now)
    assert changed == {}
    assert compared >= 60
    for entry in entries:
        assert await hass.config_entries.async_unload(entry.entry_id)
