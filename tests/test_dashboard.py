"""The shipped dashboard names only entities HomeSentry creates (so it cannot drift from the code)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import slugify
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

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


async def test_dashboard_entities_exist(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
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
