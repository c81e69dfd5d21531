"""Config flow end to end in a real Home Assistant: menu, entry, options, reconfigure."""

from __future__ import annotations

import json
from pathlib import Path
import socket
from typing import Any
from unittest.mock import patch

from aiohttp import web
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homesentry import world
from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.monitors import MONITORS
from custom_components.homesentry.monitors.internet.options import DEFAULT_INTERNET_OPTIONS
from custom_components.homesentry.probes.docker import EngineInfo, EnginePermissionDenied

from .conftest import MACHINE_ID
from .peers import DockerEngine, free_port
from .sysfs_tree import SysfsTree


async def test_menu_to_this_server_entry(hass: HomeAssistant, sysfs: SysfsTree) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    # The menu is the registry, in its order, and every option has its words in the user step's menu.
    assert result["menu_options"] == [spec.kind.value for spec in MONITORS]
    labels = json.loads((Path(__file__).parent.parent / "custom_components/homesentry/strings.json").read_text())
    assert set(labels["config"]["step"]["user"]["menu_options"]) == set(result["menu_options"])

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "host"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "host"
    # The name defaults to the machine's hostname.
    schema_defaults = {str(key): key.default() for key in result["data_schema"].schema}
    assert schema_defaults == {"name": socket.gethostname()}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"name": "  "})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"name": "name_required"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"name": "nas"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "nas"
    assert entry.unique_id == f"host_{MACHINE_ID}"
    assert entry.data == {"kind": "host", "name": "nas", "machine_id": MACHINE_ID}
    # Throughput of the physical interfaces only, by default.
    assert entry.options == {"scan_interval": 30, "interfaces": ["eth0"]}
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert hass.states.get("sensor.nas_cpu_usage") is not None


async def test_second_attempt_for_same_machine_aborts(hass: HomeAssistant, host_entry: MockConfigEntry) -> None:
    host_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "host"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_change_interval_and_interfaces(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
    host_entry = loaded_host_entry
    assert hass.states.get("sensor.nas_eth0_received") is not None
    assert hass.states.get("sensor.nas_lo_received") is None

    result = await hass.config_entries.options.async_init(host_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    # Every interface is offered, not only the physical ones.
    interface_selector = next(v for k, v in result["data_schema"].schema.items() if str(k) == "interfaces")
    assert interface_selector.config["options"] == ["docker0", "eth0", "lo", "veth1a2b3c"]

    # Every mount is offered; the ones watched by default are chosen ("/" among them, /proc not).
    mounts = next(k for k in result["data_schema"].schema if str(k) == "mounts")
    assert "/" in mounts.default()
    assert "/proc" not in mounts.default()
    assert "/proc" in result["data_schema"].schema[mounts].config["options"]

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"scan_interval": 120, "interfaces": ["eth0", "lo"], "mounts": ["/", "/proc"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert host_entry.options == {
        "scan_interval": 120,
        "interfaces": ["eth0", "lo"],
        "mounts": ["/", "/proc"],
        "power": {"machine_class": "auto"},  # the power section left closed: defaults
        "health": {},  # and the health section: the default thresholds apply
    }
    assert hass.states.get("sensor.nas_proc_disk_usage") is not None
    # The entry reloaded with the new options.
    coordinator = host_entry.runtime_data.monitor.host
    assert coordinator is not None
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 120
    assert hass.states.get("sensor.nas_lo_received") is not None


async def test_reconfigure_renames_the_server(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
    host_entry = loaded_host_entry

    result = await host_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"name": ""})
    assert result["errors"] == {"name": "name_required"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"name": "Basement NAS"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert host_entry.title == "Basement NAS"
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"host_{MACHINE_ID}"), host_entry.entry_id)
    assert device is not None
    assert device.name == "Basement NAS"


async def test_reconfigure_on_another_machine_aborts(
    hass: HomeAssistant, loaded_host_entry: MockConfigEntry, sysfs: SysfsTree
) -> None:
    host_entry = loaded_host_entry
    # Home Assistant restored onto other hardware: a different machine-id.
    (world.ETC_ROOT / "machine-id").write_text("ffffffffffffffffffffffffffffffff\n")
    result = await host_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"name": "other"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "different_machine"
    assert host_entry.title == "nas"


async def test_menu_to_internet_entry_once(hass: HomeAssistant, socket_enabled: None) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "internet"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "internet"
    with patch("custom_components.homesentry.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert (entry.title, entry.unique_id, entry.data) == ("Internet", "internet", {"kind": "internet"})
    assert entry.options == DEFAULT_INTERNET_OPTIONS

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "internet"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "use_options"


async def test_internet_first_form_takes_the_targets_and_refuses_bad_ones(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "internet"})
    shown = {str(key): key.default() for key in result["data_schema"].schema}
    assert shown == {"targets": "1.1.1.1, 8.8.8.8, 9.9.9.9", "resolvers": "system, 1.1.1.1, 8.8.8.8",
                     "dns_names": "cloudflare.com"}  # fmt: skip
    bad = {"targets": "192.0.2.3, bad/host", "resolvers": "dns.example", "dns_names": " "}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], bad)
    assert result["errors"] == {
        "targets": "invalid_target", "resolvers": "invalid_resolver", "dns_names": "invalid_dns_name",
    }  # fmt: skip
    lab = {"targets": "192.0.2.3,192.0.2.4  192.0.2.3", "resolvers": "127.0.0.1:5353", "dns_names": "lab.test"}
    with patch("custom_components.homesentry.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], lab)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    options = result["result"].options
    assert (options["targets"], options["resolvers"], options["dns_names"]) == (
        ["192.0.2.3", "192.0.2.4"], ["127.0.0.1:5353"], ["lab.test"],
    )  # fmt: skip
    assert options["ping_count"] == DEFAULT_INTERNET_OPTIONS["ping_count"]


async def test_internet_options_reject_bad_input_with_translated_errors(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, title="Internet", unique_id="internet", data={"kind": "internet"},
        options=dict(DEFAULT_INTERNET_OPTIONS),
    )  # fmt: skip
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "internet"
    bad = {
        **DEFAULT_INTERNET_OPTIONS,
        "targets": ["1.1.1.1", "bad host!"],
        "gateway": "router/1",
        "resolvers": ["system", "dns.example"],
        "dns_names": [" "],
        "speed_test_url": "ftp://x",
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], bad)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        "targets": "invalid_target",
        "gateway": "invalid_target",
        "resolvers": "invalid_resolver",
        "dns_names": "invalid_dns_name",
        "speed_test_url": "invalid_url",
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], {**bad, "targets": []})
    assert result["errors"]["targets"] == "targets_required"

    good = {
        **DEFAULT_INTERNET_OPTIONS,
        "targets": [" 192.0.2.3 ", "192.0.2.3", "one.one.one.one"],
        "resolvers": ["system", "127.0.0.1:5353", "[::1]:53"],
        "ping_count": 10.0,
        "speed_test_hours": 6,
    }
    with patch("custom_components.homesentry.async_setup_entry", return_value=True):
        result = await hass.config_entries.options.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["targets"] == ["192.0.2.3", "one.one.one.one"]
    assert entry.options["ping_count"] == 10
    assert entry.options["speed_test_hours"] == 6.0


class _WebServer:
    """An aiohttp server on loopback that answers 404 to everything."""

    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self.runner = runner
        self.port = port

    async def close(self) -> None:
        await self.runner.cleanup()


async def aiohttp_web_server() -> _WebServer:
    runner = web.AppRunner(web.Application())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()  # the kernel picks a free port at bind time
    return _WebServer(runner, int(runner.addresses[0][1]))


async def _reconfigure(hass: HomeAssistant, entry_id: str) -> Any:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry_id}
    )


async def _docker_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "docker"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "docker"
    return dict(result)


async def test_docker_engine_is_tested_before_the_entry_is_made(hass: HomeAssistant, engine: DockerEngine) -> None:
    result = await _docker_form(hass)
    defaults = {str(key): key.default() for key in result["data_schema"].schema}
    assert defaults == {"url": "unix:///var/run/docker.sock"}
    flow_id = result["flow_id"]

    bad = {
        "ssh://nas": "invalid_engine_url",
        str(engine.directory / "nothing.sock"): "socket_not_found",
        f"tcp://127.0.0.1:{free_port('127.0.0.1')}": "cannot_connect",
    }
    for url, error in bad.items():
        result = await hass.config_entries.flow.async_configure(flow_id, {"url": url})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"url": error}, url
    # A web server that is not Docker (Home Assistant's own HTTP port in a real setup).
    server = await aiohttp_web_server()
    try:
        result = await hass.config_entries.flow.async_configure(flow_id, {"url": f"http://127.0.0.1:{server.port}"})
        assert result["errors"] == {"url": "not_docker"}
    finally:
        await server.close()
    # Root is never refused by a socket, so this one error is simulated; the probe's real
    # EACCES is tested as nobody in tests/probes/test_docker.py.
    refused = EnginePermissionDenied("refused")
    with patch("custom_components.homesentry.monitors.docker.flow.check_engine", side_effect=refused):
        result = await hass.config_entries.flow.async_configure(flow_id, {"url": engine.url})
    assert result["errors"] == {"url": "permission_denied"}

    result = await hass.config_entries.flow.async_configure(flow_id, {"url": str(engine.socket)})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    name, engine_id = engine.cli("info", "--format", "{{.Name}} {{.ID}}").stdout.split()
    assert entry.title == f"Docker {name}"
    assert entry.unique_id == f"docker_{engine_id}"
    assert entry.data == {"kind": "docker", "url": engine.url}
    assert entry.options == {
        "control": False, "scan_interval": 15, "stats_interval": 60, "remove_after_hours": 168,
        "image_updates": True, "update_hours": 6, "registry": "", "registry_username": "", "registry_password": "",
    }  # fmt: skip
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED

    # The same engine again, by another address, is the same entry.
    result = await _docker_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": engine.url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    # Reconfigure: a new address must reach the same engine.
    result = await _reconfigure(hass, entry.entry_id)
    assert result["step_id"] == "reconfigure_docker"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": "ssh://nas"})
    assert result["errors"] == {"url": "invalid_engine_url"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": f" {engine.socket} "})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    with patch(
        "custom_components.homesentry.monitors.docker.flow.check_engine",
        return_value=EngineInfo(id="OTHER", name="other", version="29.0.0", api_version="1.52"),
    ):
        result = await _reconfigure(hass, entry.entry_id)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": engine.url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "different_engine"
    await hass.async_block_till_done()
    assert entry.data["url"] == engine.url
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_docker_options(hass: HomeAssistant, engine: DockerEngine) -> None:
    result = await _docker_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": engine.url})
    entry = result["result"]
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "docker"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"control": True, "scan_interval": 30.0, "stats_interval": 120.0, "remove_after_hours": 0.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {
        "control": True, "scan_interval": 30, "stats_interval": 120, "remove_after_hours": 0, "health": {},
        "image_updates": True, "update_hours": 6, "registry": "", "registry_username": "", "registry_password": "",
    }  # fmt: skip
    docker = entry.runtime_data.monitor
    assert docker.engine.update_interval.total_seconds() == 30
    assert docker.usage.update_interval.total_seconds() == 120
    assert docker.images is not None
    assert docker.images.update_interval.total_seconds() == 6 * 3600

    # A private registry's login; the password field shows nothing, and left empty keeps the one stored.
    login = {"registry": " registry.lan:5000 ", "registry_username": "me", "registry_password": "pw"}
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {**login, "update_hours": 12.0})
    await hass.async_block_till_done()
    assert {k: entry.options[k] for k in (*login, "update_hours")} == {
        "registry": "registry.lan:5000", "registry_username": "me", "registry_password": "pw", "update_hours": 12,
    }  # fmt: skip
    result = await hass.config_entries.options.async_init(entry.entry_id)
    password = next(k for k in result["data_schema"].schema if str(k) == "registry_password")
    assert password.default is probatio.UNDEFINED or password.default() in (None, "")  # never shown back
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"image_updates": False})
    await hass.async_block_till_done()
    assert (entry.options["registry_password"], entry.options["image_updates"]) == ("pw", False)
    assert entry.runtime_data.monitor.images is None  # no update entities, no registry request
    assert await hass.config_entries.async_unload(entry.entry_id)


async def _rest_flow(client: Any, path: list[str]) -> str:
    """Open a HomeSentry config flow through the REST API, as the frontend does, down the menu ``path``."""
    response = await client.post("/api/config/config_entries/flow", json={"handler": DOMAIN})
    flow_id = (await response.json())["flow_id"]
    for choice in path:
        response = await client.post(f"/api/config/config_entries/flow/{flow_id}", json={"next_step_id": choice})
        assert response.status == 200
    return str(flow_id)


async def test_hostile_engine_addresses_are_a_form_error_over_rest(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, caplog: pytest.LogCaptureFixture
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    flow_id = await _rest_flow(client, ["docker"])
    for url in ("http://[::1", "tcp://127.0.0.1:-1", "tcp://127.0.0.1:99999", "tcp://:2375", "unix://", "tcp://a b"):
        response = await client.post(f"/api/config/config_entries/flow/{flow_id}", json={"url": url})
        assert response.status == 200, url  # was HTTP 500: docker-py's urlparse raised ValueError
        assert (await response.json())["errors"] == {"url": "invalid_engine_url"}, url
    assert "Traceback" not in caplog.text


async def test_backup_names_are_trimmed_bounded_and_printable(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, tmp_path: Path
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    flow_id = await _rest_flow(client, ["backup"])
    refused = {"x" * 5000: "name_too_long", "night\x00ly": "name_invalid", "night\nly": "name_invalid",
               "\x1b[31mred": "name_invalid", "\u202eylthgin": "name_invalid", "   ": "name_required"}  # fmt: skip
    for name, error in refused.items():
        response = await client.post(f"/api/config/config_entries/flow/{flow_id}", json={"name": name})
        assert response.status == 200
        assert (await response.json())["errors"] == {"name": error}, repr(name)
    with patch("custom_components.homesentry.async_setup_entry", return_value=True):
        response = await client.post(
            f"/api/config/config_entries/flow/{flow_id}", json={"name": "  Nightly 🌙  ", "path": str(tmp_path / "m")}
        )
    assert (await response.json())["title"] == "Nightly 🌙"
