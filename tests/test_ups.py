"""A UPS in a real Home Assistant, through a real NUT upsd with the dummy-ups driver."""

from __future__ import annotations

import asyncio
import dataclasses
from ipaddress import ip_address
from typing import Any

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesentry.const import DOMAIN

from .conftest import entity_state
from .peers import NutServer, free_port


def ups_entry(nut: NutServer) -> MockConfigEntry:
    """The entry the config flow makes for the peer's UPS."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="test UPS",
        unique_id=f"ups_127.0.0.1:{nut.port}_ups",
        data={
            "kind": "ups",
            "host": "127.0.0.1",
            "port": nut.port,
            "ups": "ups",
            "username": nut.user,
            "password": nut.password,
        },
        options={"scan_interval": 15},
    )


async def _add(hass: HomeAssistant, nut: NutServer, **server: Any) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ups"})
    assert result["step_id"] == "ups"
    user_input = {"host": "127.0.0.1", "port": nut.port, "username": nut.user, "password": nut.password, **server}
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def _until(hass: HomeAssistant, entry: Any, key: str, value: str, platform: str = "sensor") -> None:
    """Poll (the driver re-reads its file every 2 s) until the entity shows ``value``; 20 s at most.

    (10 s, the earlier limit, ran out once in a full-suite run on a loaded VM.)
    """
    for _ in range(80):
        await entry.runtime_data.monitor.async_refresh()
        if entity_state(hass, entry, key, platform).state == value:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{key} never {value}: {entity_state(hass, entry, key, platform).state}")


async def test_a_power_cut_walks_through_every_state(hass: HomeAssistant, nut: NutServer) -> None:
    result = await _add(hass, nut, port=free_port("127.0.0.1"))
    assert result["errors"] == {"base": "nut_cannot_connect"}
    result = await _add(hass, nut)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "test UPS"
    assert entry.unique_id == f"ups_127.0.0.1:{nut.port}_ups"
    await hass.async_block_till_done()

    status = entity_state(hass, entry, "ups_status")
    assert status.state == "online"
    assert status.attributes["flags"] == "OL"
    assert hass.states.get("sensor.test_ups_status") is not None  # plain words
    assert entity_state(hass, entry, "ups_battery_charge").state == "100.0"
    runtime = entity_state(hass, entry, "ups_battery_runtime")
    assert (float(runtime.state), runtime.attributes["unit_of_measurement"]) == (60, "min")
    assert entity_state(hass, entry, "ups_load").state == "23.0"
    assert entity_state(hass, entry, "ups_input_voltage").state == "230.0"
    power = entity_state(hass, entry, "ups_power")
    assert (power.state, power.attributes["source"]) == ("180.0", "measured")
    energy = entity_state(hass, entry, "ups_energy")
    assert energy.attributes["state_class"] == "total_increasing"
    assert energy.attributes["unit_of_measurement"] == "kWh"
    assert entity_state(hass, entry, "ups_on_battery", "binary_sensor").state == "off"
    assert entity_state(hass, entry, "ups_on_battery_time").state == "0.0"
    assert er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_ups_output_voltage") is None

    nut.write(ups_status="OB DISCHRG", battery_charge="80", battery_runtime="1500")
    await _until(hass, entry, "ups_status", "on_battery")
    assert entity_state(hass, entry, "ups_on_battery", "binary_sensor").state == "on"
    assert entity_state(hass, entry, "ups_battery_charge").state == "80.0"
    await asyncio.sleep(1)
    await entry.runtime_data.monitor.async_refresh()
    assert float(entity_state(hass, entry, "ups_on_battery_time").state) > 0
    nut.write(ups_status="OB LB", battery_charge="10")
    await _until(hass, entry, "ups_status", "low_battery")
    assert entity_state(hass, entry, "ups_low_battery", "binary_sensor").state == "on"
    nut.write(ups_status="OL CHRG RB")
    await _until(hass, entry, "ups_status", "replace_battery")
    assert entity_state(hass, entry, "ups_replace_battery", "binary_sensor").state == "on"
    assert entity_state(hass, entry, "ups_on_battery", "binary_sensor").state == "off"
    assert entity_state(hass, entry, "ups_on_battery_time").state == "0.0"
    assert float(entity_state(hass, entry, "ups_energy").state) > 0  # 180 W for some seconds

    # Watts without ups.realpower: from apparent power, then from the load. (A driver keeps
    # variables its file no longer has, so each UPS model is a fresh driver.)
    nut.stop_driver()
    del nut.variables["ups.realpower"]
    nut.write(ups_power="400")
    nut.start_driver()
    await _until(hass, entry, "ups_power", "240.0")
    assert entity_state(hass, entry, "ups_power").attributes["source"] == "apparent_power"
    nut.stop_driver()
    del nut.variables["ups.power"]
    nut.write(ups_realpower_nominal="420", ups_load="50")
    nut.start_driver()
    await _until(hass, entry, "ups_power", "210.0")
    assert entity_state(hass, entry, "ups_power").attributes["source"] == "load"


async def test_energy_survives_a_restart_and_is_not_made_up_across_a_gap(hass: HomeAssistant, nut: NutServer) -> None:
    entry = (await _add(hass, nut))["result"]
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.monitor
    await asyncio.sleep(1)
    await coordinator.async_refresh()
    before = coordinator.data.energy_kwh
    assert before > 0
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.monitor
    assert coordinator.data.energy_kwh == pytest.approx(before)  # restored, and no energy for the reload's gap

    nut.stop_driver()
    for _ in range(40):
        await coordinator.async_refresh()
        if not coordinator.last_update_success:
            break
        await asyncio.sleep(0.25)
    assert entity_state(hass, entry, "ups_status").state == "unavailable"
    kept = coordinator.data.energy_kwh
    await asyncio.sleep(2)  # the UPS is away: these seconds must add nothing
    nut.start_driver()
    for _ in range(40):
        await coordinator.async_refresh()
        if coordinator.last_update_success:
            break
        await asyncio.sleep(0.25)
    assert entity_state(hass, entry, "ups_status").state == "online"
    assert coordinator.data.energy_kwh == pytest.approx(kept)

    # upsd itself restarts: aionut reconnects on the next poll.
    nut.stop()
    nut.start_driver()
    nut.start_upsd()
    await _until(hass, entry, "ups_status", "online")


async def test_commands_through_a_real_login_and_reauth(hass: HomeAssistant, nut: NutServer) -> None:
    entry = (await _add(hass, nut, password="wrong"))["result"]
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    button = registry.async_get_entity_id("button", DOMAIN, f"{entry.unique_id}_ups_command_load_off")
    assert button is not None  # dummy-ups offers load.off, which cuts the power: disabled by default
    registry_entry = registry.async_get(button)
    assert registry_entry is not None
    assert registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    registry.async_update_entity(button, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert refused.value.translation_key == "ups_login_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    reauth = next(f for f in flows if f["context"]["source"] == config_entries.SOURCE_REAUTH)
    result = await hass.config_entries.flow.async_configure(
        reauth["flow_id"], {"username": nut.user, "password": nut.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["password"] == nut.password
    assert entry.state is ConfigEntryState.LOADED
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)  # upsd says OK


async def test_a_server_that_announces_itself(hass: HomeAssistant, nut: NutServer) -> None:
    """mDNS itself cannot run here: the announcement is the ZeroconfServiceInfo upsd's avahi would send."""
    info = ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="nas.local.",
        name="nas._nut._tcp.local.",
        port=nut.port,
        type="_nut._tcp.local.",
        properties={},
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ups"
    suggested = {str(k): k.description["suggested_value"] for k in result["data_schema"].schema if k.description}
    assert (suggested["host"], suggested["port"]) == ("127.0.0.1", nut.port)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"host": "127.0.0.1", "port": nut.port})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    again = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
    )
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"scan_interval": 30})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    # The server moves (here: upsd restarted on another port; on a LAN, a new DHCP address). Its
    # UPS goes unavailable; its next announcement, same name, new address, is followed, not offered.
    nut.stop()
    nut.port = free_port("127.0.0.1")
    nut.start()
    await _until(hass, entry, "ups_status", "unavailable")
    moved = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=dataclasses.replace(info, port=nut.port)
    )
    assert moved["type"] is FlowResultType.ABORT
    assert moved["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert entry.data["port"] == nut.port
    assert entry.state is ConfigEntryState.LOADED
    assert entity_state(hass, entry, "ups_status").state == "online"
    assert hass.config_entries.flow.async_progress() == []  # nothing offered twice

    # Another server's announcement is still offered.
    other = dataclasses.replace(info, name="garage._nut._tcp.local.", port=free_port("127.0.0.1"))
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=other
    )
    assert result["type"] is FlowResultType.FORM
