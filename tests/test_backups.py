"""Backup jobs in a real Home Assistant: a metrics file written during the test, and the action."""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest

from custom_components.homesentry.const import DOMAIN

from .conftest import entity_state


def _line(hours_ago: float, success: bool = True, **extra: Any) -> str:
    stamp = (dt_util.utcnow() - timedelta(hours=hours_ago)).replace(microsecond=0).isoformat()
    return json.dumps({"timestamp": stamp, "success": success, **extra}) + "\n"


def _append(path: Path, text: str) -> None:
    with path.open("a") as file:
        file.write(text)


async def _add(hass: HomeAssistant, user_input: dict[str, Any]) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "backup"})
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def test_a_nightly_backup_from_its_metrics_file(hass: HomeAssistant, tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    for user_input, errors in (
        ({"name": " ", "path": str(path)}, {"name": "name_required"}),
        ({"name": "Nightly", "path": "backup.jsonl"}, {"path": "path_not_absolute"}),
        ({"name": "Nightly", "path": str(tmp_path / "no" / "backup.jsonl")}, {"path": "directory_missing"}),
    ):
        result = await _add(hass, user_input)
        assert result["errors"] == errors
    result = await _add(hass, {"name": "Nightly", "path": str(path)})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.monitor

    # No file yet (the script has not run): nothing is wrong, the file is said missing.
    problem = entity_state(hass, entry, "backup_problem", "binary_sensor")
    assert problem.state == "off"
    assert problem.attributes["file_missing"] is True
    assert entity_state(hass, entry, "last_backup_result").state == "unknown"
    assert hass.states.get("sensor.nightly_last_backup_result") is not None  # plain words

    _append(path, _line(49, duration_total=700, size_bytes=40 * 2**30))
    _append(path, _line(25, duration_total=812.5, duration_upload=610, duration_prune=40, size_bytes=41 * 2**30))
    _append(path, "garbage\n")
    _append(path, _line(1)[:15])  # being written
    await coordinator.async_refresh()
    assert entity_state(hass, entry, "last_backup_result").state == "success"
    duration = entity_state(hass, entry, "backup_duration")
    assert float(duration.state) == 812.5
    assert duration.attributes["upload_seconds"] == 610
    assert duration.attributes["prune_seconds"] == 40
    size = entity_state(hass, entry, "backup_size")
    assert size.attributes["unit_of_measurement"] == "GiB"
    assert float(size.state) == 41.0
    assert entity_state(hass, entry, "backup_runs").state == "2"
    assert entity_state(hass, entry, "backup_success_rate").state == "100.0"
    assert entity_state(hass, entry, "malformed_lines").state == "1"
    assert entity_state(hass, entry, "backup_problem", "binary_sensor").state == "off"  # 25 h < 26 h

    _append(path, _line(1)[15:].replace('"success": true', '"success": false'))
    await coordinator.async_refresh()
    assert entity_state(hass, entry, "last_backup_result").state == "failed"
    problem = entity_state(hass, entry, "backup_problem", "binary_sensor")
    assert problem.state == "on"
    assert problem.attributes["reason"] == "last_run_failed"
    assert entity_state(hass, entry, "backup_success_rate").state == "66.7"
    last_success = dt_util.parse_datetime(entity_state(hass, entry, "last_successful_backup").state)
    assert last_success is not None
    assert 24.9 < (dt_util.utcnow() - last_success).total_seconds() / 3600 < 25.1

    # A restart goes on where reading stood: nothing is counted twice.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entity_state(hass, entry, "backup_runs").state == "3"
    assert entity_state(hass, entry, "malformed_lines").state == "1"
    _append(path, _line(0.5))
    await entry.runtime_data.monitor.async_refresh()
    assert entity_state(hass, entry, "backup_runs").state == "4"

    # Rotated while Home Assistant was stopped: the new file is read from its start, known runs once.
    assert await hass.config_entries.async_unload(entry.entry_id)
    path.rename(tmp_path / "backup.jsonl.1")
    path.write_text(_line(0.5) + _line(0.2))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entity_state(hass, entry, "backup_runs").state == "5"


async def test_an_unreadable_file_makes_the_job_unavailable_then_recovers(hass: HomeAssistant, tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    path.mkdir()  # a directory where the file should be: not readable as one
    result = await _add(hass, {"name": "Nightly", "path": str(path)})
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.SETUP_RETRY
    path.rmdir()
    path.write_text(_line(2))
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entity_state(hass, entry, "last_backup_result").state == "success"
    coordinator = entry.runtime_data.monitor
    path.unlink()
    path.mkdir()
    await coordinator.async_refresh()
    assert entity_state(hass, entry, "last_backup_result").state == "unavailable"
    path.rmdir()
    path.write_text(_line(1))
    await coordinator.async_refresh()
    assert entity_state(hass, entry, "last_backup_result").state == "success"


async def test_an_overdue_backup_and_the_action(hass: HomeAssistant, tmp_path: Path) -> None:
    path = tmp_path / "backup.jsonl"
    path.write_text(_line(30))
    result = await _add(hass, {"name": "Offsite", "path": str(path)})
    entry = result["result"]
    await hass.async_block_till_done()
    problem = entity_state(hass, entry, "backup_problem", "binary_sensor")
    assert problem.state == "on"
    assert problem.attributes["reason"] == "overdue"  # last success 30 h ago, expected every 26 h

    # A script on another machine reports through the action (REST: POST /api/services/homesentry/record_backup).
    await hass.services.async_call(
        DOMAIN,
        "record_backup",
        {"entry_id": entry.entry_id, "success": True, "duration_total": 42, "duration_upload": 30, "size_bytes": 1024},
        blocking=True,
    )
    assert entity_state(hass, entry, "backup_problem", "binary_sensor").state == "off"
    assert entity_state(hass, entry, "backup_duration").attributes["upload_seconds"] == 30
    assert entity_state(hass, entry, "backup_runs").state == "2"

    with pytest.raises(ServiceValidationError) as bad:
        await hass.services.async_call(
            DOMAIN, "record_backup", {"entry_id": entry.entry_id, "success": True, "timestamp": "soon"}, blocking=True
        )
    assert bad.value.translation_key == "invalid_backup_run"
    with pytest.raises(ServiceValidationError) as wrong:
        await hass.services.async_call(DOMAIN, "record_backup", {"entry_id": "nope", "success": True}, blocking=True)
    assert wrong.value.translation_key == "not_a_backup_job"

    # Options: a weekly job.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "backup"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"expected_hours": 170, "scan_interval": 60}
    )
    await hass.async_block_till_done()
    assert entry.options == {"expected_hours": 170, "scan_interval": 60, "health": {}}


async def test_a_job_reported_only_by_the_action(
    hass: HomeAssistant, hass_storage: dict[str, Any], tmp_path: Path
) -> None:
    result = await _add(hass, {"name": "Laptop"})
    entry = result["result"]
    assert entry.unique_id == "backup_laptop"
    await hass.async_block_till_done()
    assert "file_missing" not in entity_state(hass, entry, "backup_problem", "binary_sensor").attributes
    await hass.services.async_call(
        DOMAIN, "record_backup", {"entry_id": entry.entry_id, "success": False, "backup_id": "b1"}, blocking=True
    )
    assert entity_state(hass, entry, "last_backup_result").attributes["backup_id"] == "b1"
    assert len(hass_storage[f"{DOMAIN}.{entry.entry_id}.backup"]["data"]["runs"]) == 1

    # Reconfigure: a metrics file after all.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "backup"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Laptop", "path": str(tmp_path / "laptop.jsonl")}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.unique_id == f"backup_{tmp_path / 'laptop.jsonl'}"
    assert entity_state(hass, entry, "backup_runs").state == "1"  # the reported run is kept
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.{entry.entry_id}.backup" not in hass_storage
