"""Record a Home Assistant configuration as a HomeSentry release leaves it, for tests/test_upgrade.py.

Run it on the release to record (not part of the suite: pytest collects it only when named):

    scripts/contained .venv/bin/python -m pytest -p no:cacheprovider tests/upgrade/record_config.py

It sets up a This server, a Disks, a Backup job and a DDNS entry against the
same peers their tests use, lets each keep what it keeps (power totals, backup
runs, the DDNS update state), stops Home Assistant so every Store and registry
is written, and saves the entries, the .storage files and the states to
tests/upgrade/config/. tests/test_upgrade.py loads that under today's code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from ..conftest import MACHINE_ID, DdnsLab, setup_entry
from ..sysfs_tree import SysfsTree
from ..test_ddns import _entry as ddns_entry
from ..test_disks import DISKS, disks_entry, machine

CONFIG = Path(__file__).parent / "config"
ENTRY_IDS = {
    "host": "01HSUPGRADEHOST",
    "disks": "01HSUPGRADEDISKS",
    "backup": "01HSUPGRADEBACKUP",
    "ddns": "01HSUPGRADEDDNS",
}


def entries(host: MockConfigEntry, smartctl: str) -> list[MockConfigEntry]:
    """The four entries, with fixed entry ids."""
    made = [
        host,
        disks_entry(smartctl),
        MockConfigEntry(
            domain="homesentry",
            title="Offsite",
            unique_id="backup_offsite",
            data={"kind": "backup", "name": "Offsite", "path": ""},
            options={"expected_hours": 26, "scan_interval": 60},
        ),
        ddns_entry("noip"),
    ]
    return [
        MockConfigEntry(
            domain="homesentry",
            entry_id=entry_id,
            title=entry.title,
            unique_id=entry.unique_id,
            data=dict(entry.data),
            options=dict(entry.options),
        )
        for entry, entry_id in zip(made, ENTRY_IDS.values(), strict=True)
    ]


async def test_record(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    sysfs: SysfsTree,
    tmp_path: Path,
    ddns_lab: DdnsLab,
) -> None:
    host = MockConfigEntry(
        domain="homesentry",
        title="nas",
        unique_id=f"host_{MACHINE_ID}",
        data={"kind": "host", "name": "nas", "machine_id": MACHINE_ID},
        options={"scan_interval": 30, "interfaces": ["eth0"]},
    )
    made = entries(host, machine(tmp_path / "machine", DISKS))
    for entry in made:
        await setup_entry(hass, entry)
    for success, stamp in ((True, "2026-11-27T02:00:00+00:00"), (False, "2026-11-28T02:00:00+00:00")):
        await hass.services.async_call(
            "homesentry",
            "record_backup",
            {"entry_id": ENTRY_IDS["backup"], "success": success, "timestamp": stamp, "duration_total": 600},
            blocking=True,
        )
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    states = {
        entity.entity_id: {"state": state.state, "attributes": dict(state.attributes)}
        for entry in made
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if (state := hass.states.get(entity.entity_id)) is not None
    }
    config_entries = [
        {key: value for key, value in entry.as_dict().items() if key not in ("created_at", "modified_at")}
        for entry in made
    ]
    for entry in made:
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_stop()  # the final write: every delayed Store and registry save
    CONFIG.mkdir(exist_ok=True)
    storage = {
        key: value
        for key, value in hass_storage.items()
        if key.startswith(("core.entity_registry", "core.device_registry", "homesentry."))
    }
    for name, content in (("entries", config_entries), ("storage", storage), ("states", states)):
        (CONFIG / f"{name}.json").write_text(json.dumps(content, indent=1, sort_keys=True, default=str) + "\n")
