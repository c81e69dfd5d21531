"""Web services in a real Home Assistant, against real HTTP(S) servers and ports on loopback."""

from __future__ import annotations

from collections.abc import Iterator
import logging
from pathlib import Path
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.diagnostics import async_get_config_entry_diagnostics

from .conftest import entity_state
from .peers import free_port
from .web_server import WebServer, self_signed


@pytest.fixture
def server(socket_enabled: None) -> Iterator[WebServer]:
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    web = WebServer().start()
    yield web
    web.stop()


def switch_entry(server: WebServer, *, failure_threshold: int) -> MockConfigEntry:
    """A web service checking the server's ``/switch`` (up while ``server.healthy``), polled only when asked."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="app",
        unique_id="web_service_switch",
        data={"kind": "web_service", "check": "http", "url": f"{server.base}/switch"},
        options={"scan_interval": 3600, "failure_threshold": failure_threshold, "certificate_days": 14},
    )


async def _flow(hass: HomeAssistant, step: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "web_service"})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["web_http", "web_tcp", "web_icmp"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})
    assert result["type"] is FlowResultType.FORM
    return dict(result)


async def test_a_jellyfin_preset_is_checked_before_it_is_added(hass: HomeAssistant, server: WebServer) -> None:
    result = await _flow(hass, "web_http")
    flow_id = result["flow_id"]
    for user_input, errors in (
        ({"url": "nas:8096"}, {"url": "invalid_url"}),
        ({"url": server.base, "statuses": "200-700"}, {"statuses": "invalid_statuses"}),
        ({"url": server.base, "headers": "no colon here"}, {"headers": "invalid_headers"}),
        ({"url": f"{server.base}/status/500"}, {"base": "check_status"}),
        ({"url": f"{server.base}/ok", "keyword": "Unhealthy"}, {"base": "check_keyword"}),
        ({"url": f"http://127.0.0.1:{free_port('127.0.0.1')}/"}, {"base": "check_refused"}),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors, user_input

    # The app's address alone: the preset adds Jellyfin's health path and expected text.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "Jellyfin", "url": server.base, "preset": "jellyfin", "headers": "X-Api-Key: s3cret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "Jellyfin"
    assert entry.data["url"] == f"{server.base}/health"
    assert entry.data["keyword"] == "Healthy"
    assert entry.unique_id == f"web_service_{server.base}/health"
    await hass.async_block_till_done()
    up = entity_state(hass, entry, "service_up", "binary_sensor")
    assert up.state == "on"
    assert up.attributes["device_class"] == "connectivity"
    assert hass.states.get("binary_sensor.jellyfin_up") is not None  # plain words
    response = entity_state(hass, entry, "response_time")
    assert 0 < float(response.state) < 1000
    assert response.attributes["unit_of_measurement"] == "ms"
    assert entity_state(hass, entry, "http_status").state == "200"
    assert entity_state(hass, entry, "last_failure").state == "unknown"
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_certificate_expiry") is None
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entry"]["data"]["headers"] == "**REDACTED**"
    assert "s3cret" not in str(diagnostics)

    # The same address again is the same service.
    result = await _flow(hass, "web_http")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": f"{server.base}/health"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    # Reconfigure: the same form, filled with the entry's check; checked again before it is saved.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "web_http"
    suggested = {str(k): k.description["suggested_value"] for k in result["data_schema"].schema if k.description}
    assert suggested["url"] == f"{server.base}/health"
    assert suggested["name"] == "Jellyfin"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Jellyfin", "url": f"{server.base}/status/404"}
    )
    assert result["errors"] == {"base": "check_status"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Media", "url": f"{server.base}/ok", "keyword": "Healthy"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.title == "Media"
    assert entry.data["url"] == f"{server.base}/ok"
    assert entry.unique_id == f"web_service_{server.base}/ok"
    assert entity_state(hass, entry, "service_up", "binary_sensor").state == "on"


async def test_one_failure_does_not_flip_it_two_do(
    hass: HomeAssistant, server: WebServer, caplog: pytest.LogCaptureFixture
) -> None:
    entry = switch_entry(server, failure_threshold=2)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.monitor
    assert entity_state(hass, entry, "service_up", "binary_sensor").state == "on"

    server.healthy = False
    await coordinator.async_refresh()
    up = entity_state(hass, entry, "service_up", "binary_sensor")
    assert up.state == "on"  # one dropped request: no alert
    assert up.attributes["failed_checks"] == 1
    assert entity_state(hass, entry, "http_status").state == "503"
    assert entity_state(hass, entry, "last_failure").state == "status"
    await coordinator.async_refresh()
    assert entity_state(hass, entry, "service_up", "binary_sensor").state == "off"
    await coordinator.async_refresh()
    downs = [r for r in caplog.records if r.levelno == logging.WARNING and "is down" in r.getMessage()]
    assert len(downs) == 1
    assert entity_state(hass, entry, "response_time").state not in {"unknown", "unavailable"}  # the 503 came quickly

    server.healthy = True
    await coordinator.async_refresh()
    assert entity_state(hass, entry, "service_up", "binary_sensor").state == "on"  # one success is enough
    assert entity_state(hass, entry, "last_failure").attributes["detail"] == "HTTP 503"
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_an_expiring_certificate(hass: HomeAssistant, socket_enabled: None, tmp_path: Path) -> None:
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    context, expires = self_signed(tmp_path, days=5)
    server = WebServer(context).start()
    try:
        result = await _flow(hass, "web_http")
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": f"{server.base}/ok"})
        assert result["errors"] == {"base": "check_tls"}  # self-signed, verified
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"url": f"{server.base}/ok", "verify_tls": False, "name": "proxmox"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        await hass.async_block_till_done()
        assert entity_state(hass, entry, "certificate_expiry").state == expires.isoformat()
        assert 4.9 <= float(entity_state(hass, entry, "certificate_days_left").state) <= 5.0
        expiring = entity_state(hass, entry, "certificate_expiring", "binary_sensor")
        assert expiring.state == "on"  # within the default 14 days
        assert expiring.attributes["device_class"] == "problem"
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        server.stop()


async def test_tcp_and_ping_checks(hass: HomeAssistant, server: WebServer) -> None:
    result = await _flow(hass, "web_tcp")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": free_port("127.0.0.1")}
    )
    assert result["errors"] == {"base": "check_refused"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "bad host!", "port": server.port}
    )
    assert result["errors"] == {"host": "invalid_target"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": server.port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    tcp = result["result"]
    assert tcp.title == f"127.0.0.1:{server.port}"
    await hass.async_block_till_done()
    assert entity_state(hass, tcp, "service_up", "binary_sensor").state == "on"
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{tcp.unique_id}_http_status") is None

    result = await _flow(hass, "web_icmp")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"host": "127.0.0.1", "name": "lo"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    ping = result["result"]
    await hass.async_block_till_done()
    assert entity_state(hass, ping, "service_up", "binary_sensor").state == "on"
    assert float(entity_state(hass, ping, "response_time").state) < 100

    # Options: interval, failures before down, certificate days.
    result = await hass.config_entries.options.async_init(tcp.entry_id)
    assert result["step_id"] == "web_service"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"scan_interval": 30, "failure_threshold": 3, "certificate_days": 30}
    )
    await hass.async_block_till_done()
    assert tcp.options == {"scan_interval": 30, "failure_threshold": 3, "certificate_days": 30, "health": {}}
    assert tcp.runtime_data.monitor.threshold == 3
