"""A Remote server in a real Home Assistant, through a real node_exporter (Debian's prometheus-node-exporter).

The exporter serves the same built sysfs tree This server reads in these
tests (and this machine's real /proc): the Remote server must show This
server's entities, with the same names, units, classes and readings.
"""

from __future__ import annotations

import logging
from pathlib import Path
import socket
import time
from typing import Any

import bcrypt
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import pytest_socket

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.monitors.remote import coordinator as remote_coordinator

from .conftest import entity_state, setup_entry
from .md_info import md_info, md_machine
from .peers import DockerEngine, NodeExporter, free_port, proc_with
from .probes.test_power import rapl_tree, set_energy
from .smartmon import nvme_metrics, smartmon, smartmon_machine
from .sysfs_tree import HOME_SERVER_MAC, SysfsTree, home_server
from .test_blueprints import _automation as blueprint_automation
from .test_containers import _entry as docker_entry
from .test_dashboard import _render as render_dashboard, _row
from .test_disks import DISKS, MDSTAT, disks_entry, keys as disk_keys, machine as smart_machine
from .web_server import RecordedExporter, WebServer, self_signed

# Local entities with no remote counterpart: node_exporter exports no process list and no sockets, and this
# tree has no cpufreq (This server falls back to /proc/cpuinfo's nominal frequency, which it does not export).
LOCAL_ONLY = {"top_process", "listening_ports", "cpu_frequency"}
DATA = Path(__file__).parent / "data"
SMARTCTL_EXPORTER = DATA / "smartctl_exporter" / "example.prom"


async def _add(hass: HomeAssistant, **user_input: Any) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "remote"})
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "remote")
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


def _entry(
    address: str, *, unique_id: str = "remote_nas", options: dict[str, Any] | None = None, **login: str
) -> MockConfigEntry:
    """A Remote server entry as the flow makes it (title "nas"), for the exporter at ``address``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="nas",
        unique_id=unique_id,
        data={"kind": "remote", "address": address, "verify_ssl": True, **login},
        options=options or {"scan_interval": 30},
    )


def _entities(hass: HomeAssistant, entry: MockConfigEntry | config_entries.ConfigEntry) -> dict[str, Any]:
    """The entry's entities by unique id without the entry's prefix: what a user sees of each."""
    found = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        state = hass.states.get(entity.entity_id)
        found[entity.unique_id.removeprefix(f"{entry.unique_id}_")] = {
            "translation_key": entity.translation_key,
            "unit": entity.unit_of_measurement,
            "device_class": entity.original_device_class,
            "state_class": (entity.capabilities or {}).get("state_class"),
            "enabled": entity.disabled_by is None,
            "state": state.state if state is not None else None,
        }
    return found


async def test_a_nas_added_in_one_dialog_shows_this_server_s_entities(
    hass: HomeAssistant, node_exporter: NodeExporter, host_entry: MockConfigEntry
) -> None:
    result = await _add(hass, address=f"{node_exporter.url}/")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    remote = result["result"]
    assert remote.title == socket.gethostname()  # who answered: node_uname_info's nodename
    assert remote.unique_id == f"remote_{HOME_SERVER_MAC}"  # its eth0's MAC: the hostname is only its name
    assert remote.data == {"kind": "remote", "address": node_exporter.url, "verify_ssl": True}
    await hass.async_block_till_done()
    await setup_entry(hass, host_entry)  # This server, reading the same tree here

    theirs, mine = _entities(hass, remote), _entities(hass, host_entry)
    # Throughput is per interface of the real /proc/net/dev the exporter reads (this namespace's), where
    # This server reads the tree's eth0: compared by kind, not by interface.
    network = {"network_received", "network_sent"}
    for side in (theirs, mine):
        assert {v["translation_key"] for k, v in side.items() if k.startswith("network_")} == network
    compared = {key for key in mine if not key.startswith(("health", "network_"))}
    local_only = {key for key in compared if mine[key]["translation_key"] in LOCAL_ONLY}
    assert {key for key in theirs if not key.startswith(("health", "network_"))} == compared - local_only
    for key in compared - local_only:
        same = {k: v for k, v in mine[key].items() if k != "state"}
        assert {k: v for k, v in theirs[key].items() if k != "state"} == same, key
    # The tree's sensors read the same, and each is a plain-words name on the remote device.
    for key in ("temperature_coretemp_package_id_0", "temperature_nvme_nvme02_composite", "fan_speed_nct6775_fan1"):
        assert theirs[key]["state"] == mine[key]["state"], key
    assert entity_state(hass, remote, "cpu_temperature").state == "45.0"
    assert entity_state(hass, remote, "throttle_events").state == "12"
    assert entity_state(hass, remote, "cpu_usage").state not in ("unknown", STATE_UNAVAILABLE)
    assert hass.states.get(f"sensor.{socket.gethostname().lower()}_cpu_temperature") is not None


async def test_what_answers_is_checked_before_the_entry_is_made(
    hass: HomeAssistant, node_exporter: NodeExporter, socket_enabled: None
) -> None:
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    web = WebServer().start()
    try:
        for user_input, errors in (
            ({"address": "nas:9100"}, {"address": "invalid_url"}),
            ({"address": f"http://127.0.0.1:{free_port('127.0.0.1')}"}, {"base": "exporter_cannot_connect"}),
            ({"address": web.base}, {"base": "not_node_exporter"}),  # an HTTP server, not an exporter
            ({"address": node_exporter.url, "username": "a:b"}, {"username": "invalid_username"}),
        ):
            result = await _add(hass, **user_input)
            assert result["type"] is FlowResultType.FORM
            assert result["errors"] == errors, user_input
    finally:
        web.stop()
    result = await _add(hass, address=f"{node_exporter.url}/metrics")  # the address as a browser shows the metrics
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data["address"] == node_exporter.url
    await hass.async_block_till_done()
    result = await _add(hass, address=node_exporter.url)
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")


async def test_this_server_cannot_be_added_again_as_a_remote_server(
    hass: HomeAssistant, node_exporter: NodeExporter, loaded_host_entry: MockConfigEntry
) -> None:
    result = await _add(hass, address=node_exporter.url)  # the exporter of the machine Home Assistant runs on
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "this_server")


async def test_a_machine_that_stops_answering_and_comes_back(
    hass: HomeAssistant, node_exporter: NodeExporter, caplog: pytest.LogCaptureFixture
) -> None:
    result = await _add(hass, address=node_exporter.url)
    remote = result["result"]
    await hass.async_block_till_done()
    coordinator = remote.runtime_data.monitor.remote
    assert entity_state(hass, remote, "memory_usage").state not in ("unknown", STATE_UNAVAILABLE)

    caplog.set_level(logging.INFO, logger="custom_components.homesentry")
    caplog.clear()
    node_exporter.stop()
    for _ in range(2):
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, remote, "memory_usage").state == STATE_UNAVAILABLE
    assert entity_state(hass, remote, "temperature_coretemp_package_id_0").state == STATE_UNAVAILABLE
    energy = float(entity_state(hass, remote, "server_energy").state)
    await remote.runtime_data.monitor.power.async_refresh()  # no sample while it does not answer: no energy
    await hass.async_block_till_done()
    assert entity_state(hass, remote, "server_power").state == STATE_UNAVAILABLE
    # One outage, one line (not one each for the machine, its arrays, its disks and its power).
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("custom_components.homesentry")]
    assert len(lines) == 1, lines
    assert lines[0].count("Reading the remote server failed") == 1
    caplog.clear()

    node_exporter.start()  # restarted: its counters begin again, no rate is made up
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, remote, "memory_usage").state not in ("unknown", STATE_UNAVAILABLE)
    assert entity_state(hass, remote, "temperature_coretemp_package_id_0").state == "45.0"
    await remote.runtime_data.monitor.power.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, remote, "server_power").state not in ("unknown", STATE_UNAVAILABLE)
    assert float(entity_state(hass, remote, "server_energy").state) == energy  # nothing across the gap
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("custom_components.homesentry")]
    assert len(lines) == 1, lines  # and its end, one line
    assert "recovered" in lines[0]


def _basic_auth(directory: Path, user: str, password: str) -> Path:
    """node_exporter's web.config with one basic-auth user (bcrypt, as it requires)."""
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    config = directory / "web.yml"
    config.write_text(f"basic_auth_users:\n  {user}: '{hashed}'\n")
    return config


async def test_a_login_the_exporter_refuses_starts_reauthentication(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, socket_enabled: None
) -> None:
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    exporter = NodeExporter(sysfs.root, web_config=_basic_auth(tmp_path, "monitor", "s3cret")).start()
    try:
        result = await _add(hass, address=exporter.url, username="monitor", password="wrong")
        assert result["errors"] == {"base": "invalid_auth"}
        result = await _add(hass, address=exporter.url)  # no login at all
        assert result["errors"] == {"base": "invalid_auth"}
        entry = _entry(exporter.url, unique_id=f"remote_{socket.gethostname()}", username="monitor", password="old")
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.SETUP_ERROR
        flows = [
            flow
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == config_entries.SOURCE_REAUTH
        ]
        assert len(flows) == 1
        reauth = await hass.config_entries.flow.async_configure(flows[0]["flow_id"])
        assert reauth["step_id"] == "reauth_remote"
        reauth = await hass.config_entries.flow.async_configure(
            reauth["flow_id"], {"username": "monitor", "password": "still wrong"}
        )
        assert reauth["errors"] == {"base": "invalid_auth"}
        reauth = await hass.config_entries.flow.async_configure(
            reauth["flow_id"], {"username": "monitor", "password": "s3cret"}
        )
        assert (reauth["type"], reauth["reason"]) == (FlowResultType.ABORT, "reauth_successful")
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert entry.data["password"] == "s3cret"
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        exporter.stop()


async def test_diagnostics_hide_the_address_and_the_login(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, node_exporter: NodeExporter
) -> None:
    result = await _add(hass, address=node_exporter.url)
    remote = result["result"]
    await hass.async_block_till_done()
    hass.config_entries.async_update_entry(remote, data={**remote.data, "username": "monitor", "password": "pw"})
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, remote)
    assert diagnostics["entry"]["data"]["address"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["username"] == "**REDACTED**"
    assert node_exporter.url not in str(diagnostics)
    assert diagnostics["remote"]["data"]["memory"]["total"] > 0


async def test_https_with_a_self_signed_certificate(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, socket_enabled: None
) -> None:
    """node_exporter's own TLS (web.config): a self-signed certificate is refused until verification is off."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    tls = tmp_path / "tls"
    self_signed(tls, days=30)
    config = _basic_auth(tmp_path, "monitor", "s3cret")
    config.write_text(
        f"{config.read_text()}tls_server_config:\n  cert_file: {tls}/cert.pem\n  key_file: {tls}/key.pem\n"
    )
    exporter = NodeExporter(sysfs.root, web_config=config).start()
    try:
        assert exporter.url.startswith("https://")
        login = {"username": "monitor", "password": "s3cret"}
        result = await _add(hass, address=exporter.url, **login)
        assert result["errors"] == {"base": "exporter_cannot_connect"}  # the certificate is nobody's
        result = await _add(hass, address=exporter.url, verify_ssl=False, **login)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        remote = result["result"]
        assert remote.state is ConfigEntryState.LOADED
        assert entity_state(hass, remote, "cpu_temperature").state == "45.0"
        assert await hass.config_entries.async_unload(remote.entry_id)
    finally:
        exporter.stop()


async def test_a_machine_that_accepts_and_never_answers_costs_only_its_time_limit(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, socket_enabled: None
) -> None:
    """A hung machine: the connection is accepted, no answer comes. Each scrape gives up at its limit."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    monkeypatch.setattr(remote_coordinator, "SCRAPE_TIMEOUT", 0.5)
    with socket.create_server(("127.0.0.1", 0)) as silent:
        address = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = await _add(hass, address=address)
        assert result["errors"] == {"base": "exporter_cannot_connect"}
        assert time.monotonic() - started < 3
        entry = _entry(address)
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY  # Home Assistant tries again later
        assert "no answer within 0.5 s" in str(entry.reason)


async def test_a_new_address_of_the_same_machine(
    hass: HomeAssistant, sysfs: SysfsTree, node_exporter: NodeExporter
) -> None:
    result = await _add(hass, address=node_exporter.url)
    remote = result["result"]
    await hass.async_block_till_done()
    flow = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": remote.entry_id}
    )
    assert (flow["type"], flow["step_id"]) == (FlowResultType.FORM, "reconfigure_remote")
    flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {"address": "nas"})
    assert flow["errors"] == {"address": "invalid_url"}
    # The machine's exporter moved to another port: the same machine, so the entry follows it.
    moved = NodeExporter(sysfs.root).start()
    try:
        node_exporter.stop()
        flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {"address": moved.url})
        assert (flow["type"], flow["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
        await hass.async_block_till_done()
        assert remote.data["address"] == moved.url
        assert remote.state is ConfigEntryState.LOADED
        assert entity_state(hass, remote, "cpu_temperature").state == "45.0"
        assert await hass.config_entries.async_unload(remote.entry_id)
    finally:
        moved.stop()


async def test_the_machine_s_docker_engine_comes_through_its_device(
    hass: HomeAssistant, node_exporter: NodeExporter, engine: DockerEngine, entries: list[MockConfigEntry]
) -> None:
    """The engine reports the machine's hostname; its device is linked to that machine's Remote server device."""
    result = await _add(hass, address=node_exporter.url)
    remote = result["result"]
    await hass.async_block_till_done()
    docker = docker_entry(engine)
    entries.append(docker)
    await setup_entry(hass, docker)
    devices = dr.async_get(hass)
    machine = devices.async_get_device_by_identifier((DOMAIN, str(remote.unique_id)), remote.entry_id)
    engine_device = devices.async_get_device_by_identifier((DOMAIN, str(docker.unique_id)), docker.entry_id)
    assert machine is not None
    assert engine_device is not None
    assert engine_device.via_device_id == machine.id
    assert await hass.config_entries.async_unload(remote.entry_id)


async def test_a_machine_watched_as_a_remote_server_is_not_added_again_as_this_server(
    hass: HomeAssistant, node_exporter: NodeExporter
) -> None:
    added = await _add(hass, address=node_exporter.url)  # this machine's own exporter, first
    assert added["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "host"})
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "watched_as_remote")
    assert await hass.config_entries.async_unload(added["result"].entry_id)


async def test_a_remote_server_s_health_reaches_the_phone(
    hass: HomeAssistant, node_exporter: NodeExporter, tmp_path: Path
) -> None:
    """The shipped push blueprint needs no editing for remote servers: their devices have Health too."""
    calls = await blueprint_automation(hass, tmp_path)
    # A disk usage warning at 1 %: the machine's real root filesystem is fuller than that.
    entry = _entry(
        node_exporter.url, options={"scan_interval": 30, "health": {"grace_minutes": 0, "disk_usage_warning": 1}}
    )
    await setup_entry(hass, entry)
    assert entity_state(hass, entry, "health_" + str(entry.unique_id)).state == "warning"
    assert [c.data["title"] for c in calls] == ["🟠 nas is warning"]
    assert "disk usage" in calls[0].data["message"].lower()
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_remote_server_s_rapl_platform_counter_is_its_measured_power(
    hass: HomeAssistant, sysfs: SysfsTree, socket_enabled: None
) -> None:
    """node_exporter's node_rapl_* counters: the same power, components and source as This server shows."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    powercap = rapl_tree(sysfs.root, {"package-0": 1_000_000, "dram": 0, "psys": 2_000_000})
    exporter = NodeExporter(sysfs.root).start()
    try:
        result = await _add(hass, address=exporter.url)
        remote = result["result"]
        await hass.async_block_till_done()
        coordinators = remote.runtime_data.monitor
        set_energy(powercap, "intel-rapl:0", 1_000_000 + 30_000_000)  # package: 30 J
        set_energy(powercap, "intel-rapl:0:2", 3_000_000)  # memory: 3 J
        set_energy(powercap, "intel-rapl:1", 2_000_000 + 60_000_000)  # platform: 60 J, same interval
        await coordinators.remote.async_refresh()
        await coordinators.power.async_refresh()
        await hass.async_block_till_done()
        power = entity_state(hass, remote, "server_power")
        assert (power.attributes["source"], power.attributes["measured_by"]) == ("measured", "rapl_psys")
        platform = float(entity_state(hass, remote, "component_power_psys").state)
        package = float(entity_state(hass, remote, "component_power_package_0").state)
        memory = float(entity_state(hass, remote, "component_power_dram_0").state)
        assert float(power.state) == platform > 0
        assert package == pytest.approx(platform / 2, rel=0.02)
        assert memory == pytest.approx(platform / 20, rel=0.05)
        assert entity_state(hass, remote, "server_energy").attributes["unit_of_measurement"] == "kWh"
        assert await hass.config_entries.async_unload(remote.entry_id)
    finally:
        exporter.stop()


async def test_a_remote_server_s_power_options_are_this_server_s(
    hass: HomeAssistant, node_exporter: NodeExporter
) -> None:
    result = await _add(hass, address=node_exporter.url)
    remote = result["result"]
    await hass.async_block_till_done()
    assert hass.states.get(f"sensor.{slugify(remote.title)}_energy_cost_today") is None  # no price yet
    form = await hass.config_entries.options.async_init(remote.entry_id)
    assert (form["type"], form["step_id"]) == (FlowResultType.FORM, "remote")
    done = await hass.config_entries.options.async_configure(
        form["flow_id"], {"scan_interval": 60, "power": {"machine_class": "intel_n100", "price": 0.3}}
    )
    assert done["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert remote.options["scan_interval"] == 60
    assert remote.options["power"]["price"] == 0.3
    assert remote.runtime_data.monitor.power.machine.value == "intel_n100"
    assert entity_state(hass, remote, "server_power").attributes["source"] == "estimated"
    assert entity_state(hass, remote, "energy_cost_today").state not in ("unknown", STATE_UNAVAILABLE)
    assert await hass.config_entries.async_unload(remote.entry_id)


async def test_a_remote_server_has_its_row_in_the_dashboard(hass: HomeAssistant, node_exporter: NodeExporter) -> None:
    """The shipped dashboard's Servers table finds it with no editing."""
    result = await _add(hass, address=node_exporter.url)
    remote = result["result"]
    await hass.async_block_till_done()
    (header, row) = render_dashboard(hass, "Servers")
    assert header[1:] == ["Server", "CPU", "Memory", "CPU temperature", "Load (5 min)"]
    assert row[1] == remote.title
    assert row[2].endswith(" %")
    assert row[4] == "45.0 °C"
    assert await hass.config_entries.async_unload(remote.entry_id)


async def test_a_nas_s_raid_arrays_are_the_disks_monitor_s(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, proc: Path, socket_enabled: None
) -> None:
    """The same real mdstat, read by This server's Disks monitor and through a real node_exporter: same arrays."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    mdstat = (proc / "mdstat").read_text()  # a raid1 rebuilding onto a new disk, and a clean one
    exporter = NodeExporter(sysfs.root, procfs=proc_with(tmp_path / "exported", mdstat=mdstat)).start()
    try:
        disks = disks_entry(smart_machine(tmp_path / "machine", {}))
        await setup_entry(hass, disks)
        remote = (await _add(hass, address=exporter.url))["result"]
        await hass.async_block_till_done()

        def arrays(entry: MockConfigEntry | config_entries.ConfigEntry) -> dict[str, Any]:
            found = _entities(hass, entry).items()  # an array's Health is keyed by its entry: compared as one
            return {
                k.replace(f"health_{entry.unique_id}_", "health_"): v for k, v in found if k[-4:] in ("_md0", "_md2")
            }

        mine, theirs = arrays(disks), arrays(remote)
        local_only = {key for key in mine if key.startswith("mismatch_count")}  # node_exporter does not export it
        assert len(mine) == 18  # 8 entities of each array, and its Health
        assert set(theirs) == set(mine) - local_only
        for key, seen in theirs.items():
            assert seen == mine[key], key
        for key in ("array_state_md2", "sync_action_md2", "sync_progress_md2", "array_members_md2"):
            assert entity_state(hass, remote, key).state == entity_state(hass, disks, key).state, key
        assert entity_state(hass, remote, "array_state_md2").state == "recovering"
        problem = entity_state(hass, remote, "array_problem_md2", "binary_sensor")
        assert (problem.state, problem.attributes["problems"]) == ("on", ["degraded", "recover"])
        assert entity_state(hass, remote, "array_problem_md0", "binary_sensor").state == "off"

        # Each array is a device under the machine's, named after it.
        devices = dr.async_get(hass)
        machine = devices.async_get_device_by_identifier((DOMAIN, remote.unique_id), remote.entry_id)
        array = devices.async_get_device_by_identifier((DOMAIN, f"{remote.unique_id}_md2"), remote.entry_id)
        assert machine is not None
        assert array is not None
        assert (array.name, array.manufacturer, array.via_device_id) == (
            f"{remote.title} RAID md2",
            "Linux md",
            machine.id,
        )

        # The shipped dashboard's Disks table lists the machine's arrays beside This server's, with no editing.
        table = render_dashboard(hass, "Disks")
        assert (
            _row(table, f"{remote.title} RAID md2")[2:]
            == _row(table, "RAID md2")[2:]
            == ["Rebuilding", "Problem", "0.0 %"]
        )
        assert _row(table, f"{remote.title} RAID md0")[2:] == ["Clean", "OK", "—"]

        # The array fails a member and the exporter says so at the next scrape; then the machine stops answering.
        (tmp_path / "exported" / "mdstat").write_text((MDSTAT / "raid5_failed_member_spare_in.txt").read_text())
        await remote.runtime_data.monitor.remote.async_refresh()
        await hass.async_block_till_done()
        assert entity_state(hass, remote, "array_state_md2").state == STATE_UNAVAILABLE  # gone from mdstat
        failed = entity_state(hass, remote, "array_problem_md0", "binary_sensor")
        assert (failed.state, failed.attributes["problems"]) == ("on", ["failed members: 1"])
        assert entity_state(hass, remote, "failed_members_md0").state == "1"
        exporter.stop()
        await remote.runtime_data.monitor.remote.async_refresh()
        await hass.async_block_till_done()
        assert entity_state(hass, remote, "array_state_md0").state == STATE_UNAVAILABLE
    finally:
        exporter.stop()


async def test_a_nas_s_disks_through_smartmon_are_the_disks_monitor_s(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, proc: Path, socket_enabled: None
) -> None:
    """The same recorded drives: read by This server's Disks monitor, and by the NAS's real smartmon.sh."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    recorded = {path: (next(source.glob("_*--all*")), kind) for path, (source, kind) in DISKS.items()}
    textfiles = tmp_path / "textfiles"
    textfiles.mkdir()
    (textfiles / "smartmon.prom").write_text(smartmon(smartmon_machine(tmp_path / "nas", recorded)))
    exporter = NodeExporter(sysfs.root, textfiles=textfiles).start()
    try:
        smartctl = smart_machine(tmp_path / "machine", DISKS)
        key = disk_keys(smartctl)
        disks = disks_entry(smartctl)
        await setup_entry(hass, disks)
        remote = (await _add(hass, address=exporter.url))["result"]
        await hass.async_block_till_done()

        mine, theirs = _entities(hass, disks), _entities(hass, remote)
        for disk in (key["/dev/sg2"], key["/dev/sda"]):  # the two ATA drives: the same entities, same states
            ours = {k: v for k, v in mine.items() if k.endswith(disk) and not k.startswith("health_")}
            # Not exported by smartmon: the self-test log, and the machine's smartctl (no button to start one).
            local_only = {f"last_self_test_{disk}", f"run_short_self_test_{disk}"}
            assert {k for k in theirs if k.endswith(disk) and not k.startswith("health_")} == set(ours) - local_only
            for name in set(ours) - local_only:
                assert theirs[name] == ours[name], name
        failing = entity_state(hass, remote, f"disk_health_{key['/dev/sda']}")
        assert failing.state == "failed"
        assert any(f.startswith("187 Reported_Uncorrect") for f in failing.attributes["findings"])
        assert entity_state(hass, remote, f"disk_problem_{key['/dev/sda']}", "binary_sensor").state == "on"
        assert entity_state(hass, remote, f"disk_temperature_{key['/dev/sg2']}").state == "31"
        assert not {k for k in theirs if k.startswith(("smart_status", "smart_disks", "run_short_self_test"))}

        # Each disk is a device under the machine's; the dashboard's Disks table lists it.
        devices = dr.async_get(hass)
        machine = devices.async_get_device_by_identifier((DOMAIN, remote.unique_id), remote.entry_id)
        seagate = devices.async_get_device_by_identifier(
            (DOMAIN, f"{remote.unique_id}_{key['/dev/sg2']}"), remote.entry_id
        )
        assert machine is not None
        assert seagate is not None
        assert (seagate.name, seagate.model, seagate.serial_number, seagate.via_device_id) == (
            f"{remote.title} ST2000NM000A-2J2100 (SM2A)",  # named after its machine, as its arrays are
            "ST2000NM000A-2J2100",
            "WS10SM2A",
            machine.id,
        )
        rows = [row for row in render_dashboard(hass, "Disks") if len(row) > 1 and "ST3250318AS" in row[1]]
        assert [(row[1].startswith(remote.title), row[2]) for row in rows] == [(False, "Failed"), (True, "Failed")]

        # The collector finds the drive asleep at its next run: its last values stay, marked asleep.
        text = (textfiles / "smartmon.prom").read_text()
        asleep = text.replace(
            'smartmon_device_active{disk="/dev/sg2",type="sat"} 1',
            'smartmon_device_active{disk="/dev/sg2",type="sat"} 0',
        )
        assert asleep != text
        (textfiles / "smartmon.prom").write_text(asleep)
        await remote.runtime_data.monitor.remote.async_refresh()
        await hass.async_block_till_done()
        temperature = entity_state(hass, remote, f"disk_temperature_{key['/dev/sg2']}")
        assert (temperature.state, temperature.attributes["asleep"]) == ("31", True)
    finally:
        exporter.stop()


async def test_a_nas_s_smartctl_exporter_gives_every_disk_nvme_included(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    node_exporter: NodeExporter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """smartctl_exporter cannot run here: its recorded real answer stands in for it (tests/data/smartctl_exporter)."""
    recorded = SMARTCTL_EXPORTER.read_text()
    smart = RecordedExporter(recorded).start()
    try:
        for smart_address, errors in (
            ("nas:9633", {"smart_address": "invalid_url"}),
            (f"http://127.0.0.1:{free_port('127.0.0.1')}", {"smart_address": "smart_cannot_connect"}),
            (node_exporter.url, {"smart_address": "not_smartctl_exporter"}),  # an exporter, but not that one
        ):
            result = await _add(hass, address=node_exporter.url, smart_address=smart_address)
            assert result["errors"] == errors, smart_address
        guarded = RecordedExporter(recorded, login=("monitor", "s3cret")).start()
        try:  # a smartctl_exporter with a login the node_exporter does not ask for (one login serves both)
            result = await _add(hass, address=node_exporter.url, smart_address=guarded.url)
            assert result["errors"] == {"base": "smart_invalid_auth"}
        finally:
            guarded.stop()
        result = await _add(hass, address=node_exporter.url, smart_address=f"{smart.url}/")
        assert result["type"] is FlowResultType.CREATE_ENTRY
        remote = result["result"]
        assert remote.data["smart_address"] == smart.url
        await hass.async_block_till_done()

        # The NVMe drive is judged by the NVMe rules: reliability degraded and its endurance used up.
        plextor = next(
            k.removeprefix("disk_health_") for k in _entities(hass, remote) if k.startswith("disk_health_plextor")
        )
        health = entity_state(hass, remote, f"disk_health_{plextor}")
        assert health.state == "failed"
        assert health.attributes["findings"][0] == "critical_warning: critical warning 0x04: reliability degraded"
        assert entity_state(hass, remote, f"percentage_used_{plextor}").state == "161"
        assert entity_state(hass, remote, f"media_errors_{plextor}").state == "0"
        assert entity_state(hass, remote, f"disk_temperature_{plextor}").state == "37"
        toshibas = [k for k in _entities(hass, remote) if k.startswith("disk_health_toshiba")]
        assert [entity_state(hass, remote, key).state for key in toshibas] == ["ok"] * 3

        # smartctl_exporter stops making sense: its disks are unavailable (one log line), the machine is not.
        smart.body = "<html>maintenance</html>"
        coordinator = remote.runtime_data.monitor.remote
        for _ in range(2):
            await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert entity_state(hass, remote, f"disk_health_{plextor}").state == STATE_UNAVAILABLE
        assert entity_state(hass, remote, "memory_usage").state not in ("unknown", STATE_UNAVAILABLE)
        assert caplog.text.count("its smartctl_exporter does not answer") == 1
        smart.body = recorded
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert entity_state(hass, remote, f"disk_health_{plextor}").state == "failed"
        assert "its smartctl_exporter answers again" in caplog.text

        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, remote)
        assert diagnostics["entry"]["data"]["smart_address"] == "**REDACTED**"
        assert smart.url not in str(diagnostics)
    finally:
        smart.stop()


def _stat(ticks: int) -> str:
    """This machine's /proc/stat with every CPU's counters moved by ``ticks`` (the same text for the same ticks)."""
    lines = []
    for line in Path("/proc/stat").read_text().splitlines():
        name, *counters = line.split()
        moved = " ".join([name, *(str(int(c) + ticks) for c in counters)])
        lines.append(moved if name.startswith("cpu") else line)
    return "\n".join(lines) + "\n"


async def test_what_appears_after_setup_shows_up_within_one_cycle(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, socket_enabled: None
) -> None:
    """Debian's smartmon timer writes its textfile up to 15 minutes after boot; arrays are made; cores tick late.

    At setup the machine has no SMART textfile, no md array, and CPU counters
    that do not move between scrapes. Each appears at the next scrape and
    gets its entities then; what vanishes goes unavailable.
    """
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    textfiles = tmp_path / "textfiles"
    textfiles.mkdir()
    proc = proc_with(tmp_path / "exported", mdstat="Personalities : \nunused devices: <none>\n", stat=_stat(0))
    exporter = NodeExporter(sysfs.root, procfs=proc, textfiles=textfiles).start()
    try:
        remote = (await _add(hass, address=exporter.url))["result"]
        await hass.async_block_till_done()
        coordinator = remote.runtime_data.monitor.remote
        found = _entities(hass, remote)
        assert not {key for key in found if key.startswith(("array_state", "disk_health", "core_usage", "cpu_usage"))}

        (proc / "mdstat").write_text((MDSTAT / "raid5_failed_member_spare_in.txt").read_text())
        recorded = {"/dev/sda": (next(DISKS["/dev/sda"][0].glob("_*--all*")), "sat")}
        (textfiles / "smartmon.prom").write_text(smartmon(smartmon_machine(tmp_path / "nas", recorded)))
        (proc / "stat").write_text(_stat(100))
        await coordinator.async_refresh()  # one cycle
        await hass.async_block_till_done()
        found = _entities(hass, remote)
        assert found["array_state_md0"]["state"] not in (None, "unknown", STATE_UNAVAILABLE)
        disk = next(key.removeprefix("disk_health_") for key in found if key.startswith("disk_health_"))
        assert found[f"disk_health_{disk}"]["state"] == "failed"
        assert found["cpu_usage"]["state"] not in (None, "unknown", STATE_UNAVAILABLE)
        assert {key for key in found if key.startswith("core_usage_")} == {
            f"core_usage_{n}" for n in range(len([line for line in _stat(0).splitlines() if line[3:4].isdigit()]))
        }

        # The array is stopped and the textfile removed: their entities go unavailable at the next scrape.
        (proc / "mdstat").write_text("Personalities : \nunused devices: <none>\n")
        (textfiles / "smartmon.prom").unlink()
        (proc / "stat").write_text(_stat(200))
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert entity_state(hass, remote, "array_state_md0").state == STATE_UNAVAILABLE
        assert entity_state(hass, remote, f"disk_health_{disk}").state == STATE_UNAVAILABLE
        assert await hass.config_entries.async_unload(remote.entry_id)
    finally:
        exporter.stop()


async def test_placeholder_dmi_names_give_the_board_s(
    hass: HomeAssistant, sysfs: SysfsTree, socket_enabled: None
) -> None:
    """An ASRock B550M Pro4 whose firmware left the system's names "To Be Filled By O.E.M.": the board's are shown."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    sysfs.dmi("To Be Filled By O.E.M.", "To Be Filled By O.E.M.")
    for name, value in (("board_vendor", "ASRock"), ("board_name", "B550M Pro4")):
        (sysfs.root / "class" / "dmi" / "id" / name).write_text(f"{value}\n")
    exporter = NodeExporter(sysfs.root).start()
    try:
        remote = (await _add(hass, address=exporter.url))["result"]
        await hass.async_block_till_done()
        device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, str(remote.unique_id)), remote.entry_id)
        assert device is not None
        assert (device.manufacturer, device.model) == ("ASRock", "B550M Pro4")
        assert await hass.config_entries.async_unload(remote.entry_id)
    finally:
        exporter.stop()


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("recorded", ["raid5_recovery.txt", "raid6_two_missing_recovery.txt"])
async def test_rebuild_progress_with_debian_s_md_info_collector(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, proc: Path, recorded: str
) -> None:
    """node_exporter exports synced blocks, not the level that makes them a %; Debian's md_info.sh exports it.

    The same recorded mdstat is read by This server's Disks monitor and, through
    a real node_exporter, by a Remote server: first without md_info.sh (no
    progress entity: it could never have a value), then with its real output.
    """
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    mdstat = (MDSTAT / recorded).read_text()
    (proc / "mdstat").write_text(mdstat)
    name = mdstat.split("\n")[1].split(" ")[0]
    textfiles = tmp_path / "textfiles"
    textfiles.mkdir()
    exporter = NodeExporter(
        sysfs.root, procfs=proc_with(tmp_path / "exported", mdstat=mdstat), textfiles=textfiles
    ).start()
    try:
        disks = disks_entry(smart_machine(tmp_path / "machine", {}))
        await setup_entry(hass, disks)
        local = float(entity_state(hass, disks, f"sync_progress_{name}").state)
        remote = (await _add(hass, address=exporter.url))["result"]
        await hass.async_block_till_done()
        assert entity_state(hass, remote, f"sync_action_{name}").state == "recover"
        assert f"sync_progress_{name}" not in _entities(hass, remote)  # it cannot be known: no entity

        (textfiles / "md_info.prom").write_text(md_info(md_machine(tmp_path / "md", mdstat)))
        await remote.runtime_data.monitor.remote.async_refresh()
        await hass.async_block_till_done()
        progress = entity_state(hass, remote, f"sync_progress_{name}")
        assert progress.attributes["unit_of_measurement"] == "%"
        assert float(progress.state) == pytest.approx(local, abs=0.1)
        state = entity_state(hass, remote, f"array_state_{name}")
        assert state.attributes["level"] == mdstat.split(" : active ")[1].split()[0]  # raid5, raid6
        assert await hass.config_entries.async_unload(remote.entry_id)
    finally:
        exporter.stop()


async def test_two_machines_with_the_same_hostname_both_add(
    hass: HomeAssistant, tmp_path: Path, socket_enabled: None
) -> None:
    """Two Raspberry Pis are both "raspberrypi": each is its primary MAC; the same machine at two addresses is one.

    (Both exporters run here, so both report this machine's hostname: twins, whatever its name.)
    """
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    first, second = home_server(tmp_path / "first"), home_server(tmp_path / "second")
    second.mac("eth0", "dc:a6:32:00:00:02")  # a Raspberry Pi's prefix
    exporters = [NodeExporter(tree.root).start() for tree in (first, second, first)]  # the first machine twice
    try:
        one = await _add(hass, address=exporters[0].url)
        await hass.async_block_till_done()
        two = await _add(hass, address=exporters[1].url)
        await hass.async_block_till_done()
        assert one["type"] is two["type"] is FlowResultType.CREATE_ENTRY
        assert (one["result"].unique_id, two["result"].unique_id) == (
            f"remote_{HOME_SERVER_MAC}",
            "remote_dc:a6:32:00:00:02",
        )
        hostname = socket.gethostname()
        assert (one["result"].title, two["result"].title) == (hostname, f"{hostname} (127.0.0.1)")
        registry = er.async_get(hass)
        ids = [e.entity_id for e in er.async_entries_for_config_entry(registry, two["result"].entry_id)]
        assert ids
        assert not [entity_id for entity_id in ids if entity_id.endswith("_2")]  # no twin's suffixes
        again = await _add(hass, address=exporters[2].url)  # the first machine under another address
        assert (again["type"], again["reason"]) == (FlowResultType.ABORT, "already_configured")
        flow = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": one["result"].entry_id}
        )
        moved = await hass.config_entries.flow.async_configure(flow["flow_id"], {"address": exporters[1].url})
        assert (moved["type"], moved["reason"]) == (FlowResultType.ABORT, "different_machine")  # its twin, not it
        for result in (one, two):
            assert await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        for exporter in exporters:
            exporter.stop()


async def test_an_entry_known_by_its_hostname_takes_its_mac_with_its_entities(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, socket_enabled: None
) -> None:
    """An entry made before MAC ids (``remote_<hostname>``) is migrated at setup: unique ids, devices, entity ids."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    address = sysfs.root / "class" / "net" / "eth0" / "address"
    address.unlink()  # the exporter says no MAC: what every entry was made with before
    mdstat = (MDSTAT / "raid5_failed_member_spare_in.txt").read_text()
    exporter = NodeExporter(sysfs.root, procfs=proc_with(tmp_path / "exported", mdstat=mdstat)).start()
    hostname = socket.gethostname()
    try:
        entry = _entry(
            exporter.url, unique_id=f"remote_{hostname}", options={"scan_interval": 30, "health": {"grace_minutes": 0}}
        )
        await setup_entry(hass, entry)
        registry, devices = er.async_get(hass), dr.async_get(hass)
        before = {e.entity_id: e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
        assert entity_state(hass, entry, "array_problem_md0", "binary_sensor").state == "on"  # a failed member
        assert await hass.config_entries.async_unload(entry.entry_id)

        address.write_text(f"{HOME_SERVER_MAC}\n")  # the next setup sees the machine's MAC
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        new = f"remote_{HOME_SERVER_MAC}"
        assert entry.unique_id == new
        after = {e.entity_id: e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
        assert set(after) == set(before)  # the same entities, their history with them
        for entity_id, old in before.items():
            assert after[entity_id] == old.replace(f"remote_{hostname}", new), entity_id
        assert entity_state(hass, entry, "array_problem_md0", "binary_sensor").state == "on"
        assert entity_state(hass, entry, f"health_{new}_md0").state == "critical"
        identifiers = {i for d in dr.async_entries_for_config_entry(devices, entry.entry_id) for _, i in d.identifiers}
        assert identifiers == {new, f"{new}_md0"}
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        exporter.stop()


async def test_nvme_drives_through_debian_s_nvme_metrics_collector(
    hass: HomeAssistant, sysfs: SysfsTree, tmp_path: Path, socket_enabled: None
) -> None:
    """Set up the Debian way (smartmon.py leaves NVMe to nvme_metrics.sh): each NVMe drive, judged by the NVMe rules.

    The real nvme_metrics.sh runs over an nvme-cli stand-in answering from two real drives' logs: a Samsung 980
    worn to 169 % with its reliability-degraded bit set, and a healthy Samsung 970 EVO Plus.
    """
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    textfiles = tmp_path / "textfiles"
    textfiles.mkdir()
    drives = {
        "/dev/nvme0n1": DATA / "nvme" / "samsung_980_worn.txt",
        "/dev/nvme1n1": next(DISKS["/dev/nvme0"][0].glob("_*--all*")),
    }
    (textfiles / "nvme_metrics.prom").write_text(nvme_metrics(tmp_path / "nvme", drives))
    # smartmon.sh beside it names the 970 (its serial) and gives its verdict, but no log: one drive, both halves.
    named = {"/dev/nvme1": (drives["/dev/nvme1n1"], "nvme")}
    (textfiles / "smartmon.prom").write_text(smartmon(smartmon_machine(tmp_path / "nas", named)))
    exporter = NodeExporter(sysfs.root, textfiles=textfiles).start()
    try:
        remote = (await _add(hass, address=exporter.url))["result"]
        await hass.async_block_till_done()
        worn = entity_state(hass, remote, "disk_health_nvme0")
        assert worn.state == "failed"
        assert worn.attributes["findings"][0] == "critical_warning: critical warning 0x04: reliability degraded"
        assert entity_state(hass, remote, "percentage_used_nvme0").state == "169"
        assert entity_state(hass, remote, "disk_temperature_nvme0").state == "43"
        assert entity_state(hass, remote, "disk_problem_nvme0", "binary_sensor").state == "on"
        disks = {key.removeprefix("disk_health_") for key in _entities(hass, remote) if key.startswith("disk_health_")}
        assert len(disks) == 2  # the 970 once, not once per collector
        evo = next(disk for disk in disks if disk != "nvme0")
        assert entity_state(hass, remote, f"disk_health_{evo}").state == "ok"
        assert entity_state(hass, remote, f"media_errors_{evo}").state == "0"  # nvme_metrics.sh's log
        assert entity_state(hass, remote, f"percentage_used_{evo}").state == "0"
        device = dr.async_get(hass).async_get_device_by_identifier(
            (DOMAIN, f"{remote.unique_id}_nvme0"), remote.entry_id
        )
        assert device is not None
        assert device.name == f"{remote.title} /dev/nvme0"  # no model or serial is exported: its machine and path
        assert await hass.config_entries.async_unload(remote.entry_id)
    finally:
        exporter.stop()
