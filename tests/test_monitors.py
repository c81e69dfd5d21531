"""The registry of monitors: every kind has a spec, and everything a spec names is reachable.

The integration's own modules ask the registry; these tests hold the registry
to the code and the strings: the config flow's menu, each monitor's steps and
options form, its Stores, its Health thresholds, the entity tables and the
diagnostics all list exactly the registered monitors.
"""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path
import re

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.homesentry.config_flow import HomeSentryConfigFlow, HomeSentryOptionsFlow
from custom_components.homesentry.const import DOMAIN, MonitorKind
from custom_components.homesentry.diagnostics import TO_REDACT
from custom_components.homesentry.monitors import MONITORS, spec_for
from custom_components.homesentry.monitors.base import MonitorSpec

from .test_flow_fuzz import _entries
from .test_repository import ENTITY_TABLES

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / "homesentry"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text())


def test_every_kind_has_its_spec_in_its_own_package() -> None:
    assert [spec.kind for spec in MONITORS] == list(MonitorKind)
    for kind in MonitorKind:
        spec = spec_for(kind.value)
        assert spec.kind is kind
        assert Path(inspect.getfile(spec.async_setup)).parent == INTEGRATION / "monitors" / kind.value
        assert spec.name, kind
        assert spec.sensors, kind


def test_each_monitor_s_steps_are_its_own() -> None:
    """No two monitors' flow mixins define the same step or helper: the composed flows would lose one."""
    for flows in ([s.config_flow for s in MONITORS], [s.options_flow for s in MONITORS]):
        owner: dict[str, str] = {}
        for flow in flows:
            for name in vars(flow):
                if name.startswith("__"):
                    continue
                assert name not in owner, f"{name}: {owner.get(name)} and {flow.__name__}"
                owner[name] = flow.__name__
    for spec in MONITORS:
        assert hasattr(spec.config_flow, f"async_step_{spec.kind}"), spec.kind
        assert hasattr(spec.options_flow, f"async_step_{spec.kind}"), spec.kind
        assert issubclass(HomeSentryConfigFlow, spec.config_flow)
        assert issubclass(HomeSentryOptionsFlow, spec.options_flow)


async def test_the_menu_and_every_options_form_reach_every_monitor(hass: HomeAssistant, tmp_path: Path) -> None:
    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert flow["menu_options"] == [kind.value for kind in MonitorKind]
    hass.config_entries.flow.async_abort(flow["flow_id"])
    seen = set()
    for entry in _entries(tmp_path):
        entry.add_to_hass(hass)
        form = await hass.config_entries.options.async_init(entry.entry_id)
        assert (form["type"], form["step_id"]) == (FlowResultType.FORM, entry.data["kind"])
        hass.config_entries.options.async_abort(form["flow_id"])
        seen.add(entry.data["kind"])
    assert seen == {kind.value for kind in MonitorKind}


def _store_names(spec: MonitorSpec) -> set[str]:
    """The Stores the monitor's code opens: ``entry_store(..., "name")``, and the address history's."""
    names: set[str] = set()
    for path in (INTEGRATION / "monitors" / spec.kind.value).glob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r'entry_store\([^)]*"(\w+)"\)', text))
        if "AddressHistory(" in text:
            names.add("public_ip")
    return names


@pytest.mark.parametrize("spec", MONITORS, ids=lambda spec: spec.kind.value)
def test_a_spec_names_its_stores_thresholds_and_defaults(spec: MonitorSpec) -> None:
    assert set(spec.stores) == _store_names(spec)  # so a removed entry deletes all it kept
    keys = {d.translation_key for d in spec.sensors}
    health = STRINGS["options"]["step"][spec.kind.value]["sections"]["health"]["data"]
    for key in spec.thresholds:
        assert key in keys
        assert {f"{key}_warning", f"{key}_critical"} <= set(health)  # the options form names them
    for key in spec.health_rules:
        assert key in keys | {d.translation_key for d in spec.binary_sensors}
    assert set(health) == {"grace_minutes", *(f"{k}_{w}" for k in spec.thresholds for w in ("warning", "critical"))}
    assert spec.redact <= TO_REDACT


def test_entity_tables_list_exactly_the_registered_monitors() -> None:
    assert list(ENTITY_TABLES.MONITORS) == [spec.name for spec in MONITORS]
    for spec in MONITORS:
        described = ENTITY_TABLES.MONITORS[spec.name]
        assert tuple(described.get("sensor", ())) == spec.sensors
        assert tuple(described.get("binary_sensor", ())) == spec.binary_sensors
        assert tuple(described.get("button", ())) == spec.buttons


def test_no_module_outside_monitors_names_a_monitor() -> None:
    """Setup, the platforms, diagnostics, health, actions, repairs and the flow's menu ask the registry."""
    kinds = {kind.value for kind in MonitorKind}
    for path in INTEGRATION.glob("*.py"):
        if path.name == "const.py":  # where MonitorKind is defined
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert node.value.id != "MonitorKind", f"{path.name}: MonitorKind.{node.attr}"
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not set(node.module.split(".")) & kinds - {"monitors"}, f"{path.name}: {node.module}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in kinds, f"{path.name}: {node.value!r}"
