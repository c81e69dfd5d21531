"""Diagnostics: useful content, identifiers redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import MACHINE_ID


async def test_diagnostics_redacted(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, loaded_host_entry: MockConfigEntry
) -> None:
    host_entry = loaded_host_entry

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, host_entry)
    text = json.dumps(diagnostics)
    assert MACHINE_ID not in text
    assert diagnostics["entry"]["data"]["machine_id"] == "**REDACTED**"
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"
    host = diagnostics["host"]
    assert host["last_update_success"] is True
    assert host["update_interval_seconds"] == 30
    assert "top_processes" not in host["collecting"]
    assert "temperatures" in host["collecting"]
    assert host["failing"] == {}
    assert host["data"]["cpu_temperature"]["label"] == "Package id 0"
    assert host["data"]["boot_time"].endswith("+00:00")
