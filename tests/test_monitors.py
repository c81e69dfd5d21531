"""The registry of monitors: every kind has a spec, and everything a spec names is reachable.

The integration's own modules ask the registry; these tests hold the registry
to the code and the strings: the config flow's menu, each monitor's steps and
options form, its Stores, its Health thresholds, the entity tables and the
diagnostics all list exactly the registered monitors.
"""

from __future__ import annotations

import ast
import importlib
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
from custom_components.homesentry.monitors.ddns.options import DdnsOptions
from custom_components.homesentry.monitors.disks.options import DisksOptions
from custom_components.homesentry.monitors.host.options import DEFAULT_POWER_OPTIONS, PowerOptions
from custom_components.homesentry.monitors.internet.options import InternetOptions

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
    """The Stores the monitor's code opens: ``entry_store(..., "name")``, and the address history's.

    Also those of another monitor's module it builds on (the Remote server's power is This server's
    power coordinator, fed otherwise).
    """
    package = INTEGRATION / "monitors" / spec.kind.value
    paths = set(package.glob("*.py"))
    for path in list(paths):
        for other, module in re.findall(r"^from \.\.(\w+)\.(\w+) import", path.read_text(), re.MULTILINE):
            paths.add(INTEGRATION / "monitors" / other / f"{module}.py")
    names: set[str] = set()
    for path in paths:
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
        assert tuple(described.get("update", ())) == spec.updates


@pytest.mark.parametrize("module", ["test_snapshots", "test_recorder"])
def test_every_monitor_has_its_own_test_in(module: str) -> None:
    """A new monitor fails here until it has its snapshot and recorder tests (``test_<kind>``), by name."""
    tests = importlib.import_module(f"tests.{module}")
    missing = [kind.value for kind in MonitorKind if not hasattr(tests, f"test_{kind.value}")]
    assert missing == [], f"tests/{module}.py has no test_<kind> for {missing}"


def test_every_monitor_has_an_entry_for_the_flow_fuzz(tmp_path: Path) -> None:
    """The fuzz sends hostile input to every options and reconfigure form of these entries: one per monitor at least."""
    covered = {entry.data["kind"] for entry in _entries(tmp_path)}
    missing = [kind.value for kind in MonitorKind if kind.value not in covered]
    assert missing == [], f"tests/test_flow_fuzz.py's _entries has no entry of {missing}"


def test_the_flows_take_on_every_monitor_s_steps_in_the_registry_s_order() -> None:
    """config_flow.py lists the mixins by name, for mypy and editors: a monitor left out fails here."""
    assert HomeSentryConfigFlow.__bases__ == tuple(spec.config_flow for spec in MONITORS)
    assert HomeSentryOptionsFlow.__bases__ == tuple(spec.options_flow for spec in MONITORS)


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
                if path.name == "config_flow.py" and node.module.endswith(".flow"):
                    continue  # the flows' mixins, listed by name (held to the registry below)
                assert not set(node.module.split(".")) & kinds - {"monitors"}, f"{path.name}: {node.module}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in kinds, f"{path.name}: {node.value!r}"


# What 0.2.0's const.DEFAULT_OPTIONS stored in a new entry, by kind: the typed options must store the same.
DEFAULTS_0_2_0: dict[str, dict[str, object]] = {
    "host": {"scan_interval": 30},
    "disks": {"smart_minutes": 30, "raid_interval": 60},
    "internet": {
        "targets": ["1.1.1.1", "8.8.8.8", "9.9.9.9"],
        "ping_gateway": True,
        "gateway": "",
        "ping_count": 5,
        "tcp_port": 443,
        "resolvers": ["system", "1.1.1.1", "8.8.8.8"],
        "dns_names": ["cloudflare.com"],
        "failure_threshold": 2,
        "scan_interval": 30,
        "public_ip_interval": 300,
        "speed_test_url": "https://speed.cloudflare.com",
        "speed_test_hours": 0,
        "speed_test_streams": 4,
        "speed_test_max_mb": 100,
    },
    "docker": {"control": False, "scan_interval": 15, "stats_interval": 60, "remove_after_hours": 168},
    "web_service": {"scan_interval": 60, "failure_threshold": 2, "certificate_days": 14},
    "backup": {"expected_hours": 26, "scan_interval": 60},
    "ups": {"scan_interval": 15},
    "ddns": {"mode": "update", "scan_interval": 300, "grace_minutes": 10, "reachability": []},
}


# Options added since, with the default an older entry (which lacks them) reads.
ADDED_SINCE_0_2_0: dict[str, dict[str, object]] = {
    "disks": {"scrub_overdue_days": 35},
    "docker": {
        "image_updates": True,
        "update_hours": 6,
        "registry": "",
        "registry_username": "",
        "registry_password": "",
    },
}


def test_new_entries_store_the_options_0_2_0_stored() -> None:
    stored = {spec.kind.value: dict(spec.default_options) for spec in MONITORS}
    wanted = {kind: {**options, **ADDED_SINCE_0_2_0.get(kind, {})} for kind, options in DEFAULTS_0_2_0.items()}
    assert {kind: stored[kind] for kind in DEFAULTS_0_2_0} == wanted
    # An entry made by 0.2.0 reads each added option's default.
    assert (
        DisksOptions.of(DEFAULTS_0_2_0["disks"]).scrub_overdue_days == ADDED_SINCE_0_2_0["disks"]["scrub_overdue_days"]
    )
    assert DEFAULT_POWER_OPTIONS == {"machine_class": "auto", "hdd_idle_watts": 4.5, "hdd_active_watts": 6.5}


def test_typed_options_read_what_forms_and_older_entries_stored() -> None:
    # A form's numbers come as floats; a list as a list; what the field cannot hold keeps its default.
    options = InternetOptions.of({"ping_count": 10.0, "targets": ["192.0.2.1"], "speed_test_hours": "", "x": 1})
    assert (options.ping_count, options.targets, options.speed_test_hours) == (10, ("192.0.2.1",), 0)
    assert isinstance(options.ping_count, int)
    assert InternetOptions.of({}) == InternetOptions()
    power = PowerOptions.of({"idle_watts": "12.5", "price": None, "power_entity": "sensor.plug"})
    assert (power.idle_watts, power.price, power.power_entity, power.machine_class) == (
        12.5,
        None,
        "sensor.plug",
        "auto",
    )
    assert DdnsOptions.of({"grace_minutes": 0.05}).grace_minutes == 0.05  # minutes may be fractions
