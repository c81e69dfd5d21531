"""The shipped blueprint: installed without overwriting the user's edits, and run by Home Assistant's own automation.

The phone is the one thing that cannot run here: ``notify.mobile_app_phone`` is
a recorded service standing in for the Companion app's, registered under the
name the mobile_app integration would give a device called "Phone".
"""

from __future__ import annotations

from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed, async_mock_service

from custom_components.homesentry.blueprints import SHIPPED, async_install_blueprints
from custom_components.homesentry.const import DOMAIN, EVENT_HEALTH_CHANGED

from .conftest import setup_entry
from .sysfs_tree import SysfsTree

BLUEPRINT = "notify_on_problem.yaml"


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


def _edit(path: Path, text: str | None) -> None:
    if text is None:
        path.unlink()
    else:
        path.write_text(text)


async def test_installed_once_and_never_over_a_users_edit(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.config_dir = str(tmp_path)  # a fresh configuration directory
    target = Path(hass.config.path("blueprints", "automation", DOMAIN, BLUEPRINT))
    shipped = _read(SHIPPED / BLUEPRINT)
    await async_install_blueprints(hass)
    assert _read(target) == shipped

    _edit(target, f"{shipped}# my own change\n")  # the user edits it
    await async_install_blueprints(hass)
    assert _read(target) == f"{shipped}# my own change\n"

    _edit(target, None)  # the user deletes it: it comes back
    await async_install_blueprints(hass)
    assert _read(target) == shipped


async def _automation(  # type: ignore[type-arg]
    hass: HomeAssistant, config_dir: Path, blueprint: str = BLUEPRINT, **inputs: object
) -> list:
    hass.config.config_dir = str(config_dir)  # a fresh configuration directory: this version's blueprint
    await async_install_blueprints(hass)
    phones = MockConfigEntry(domain="mobile_app", title="Phone")
    phones.add_to_hass(hass)
    phone = dr.async_get(hass).async_get_or_create(
        config_entry_id=phones.entry_id, identifiers={("mobile_app", "phone-1")}, name="Phone"
    )
    calls = async_mock_service(hass, "notify", "mobile_app_phone")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "HomeSentry push",
                "use_blueprint": {
                    "path": f"{DOMAIN}/{blueprint}",
                    "input": {"phones": [phone.id], **inputs},
                },
            }
        },
    )
    await hass.async_block_till_done()
    return calls


def _health(level: str, previous: str, problems: list[str]) -> dict[str, object]:
    return {"device": "nas", "device_id": "abc123", "level": level, "previous": previous, "problems": problems}


async def test_blueprint_pushes_problems_and_recovery(hass: HomeAssistant, tmp_path: Path) -> None:
    calls = await _automation(hass, tmp_path)
    hass.bus.async_fire(EVENT_HEALTH_CHANGED, _health("critical", "ok", ["nas / disk usage: 97 %"]))
    await hass.async_block_till_done()
    hass.bus.async_fire(EVENT_HEALTH_CHANGED, _health("ok", "critical", []))
    await hass.async_block_till_done()
    assert [c.data["title"] for c in calls] == ["🔴 nas is critical", "✅ nas recovered"]
    assert calls[0].data["message"] == "nas / disk usage: 97 %"
    assert calls[0].data["data"]["url"] == "/config/devices/device/abc123"
    assert calls[1].data["message"] == "It was critical."


async def test_blueprint_respects_level_and_quiet_hours(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.states.async_set("input_boolean.maintenance", "off")
    calls = await _automation(hass, tmp_path, minimum_level="critical", quiet="input_boolean.maintenance")
    hass.bus.async_fire(EVENT_HEALTH_CHANGED, _health("warning", "ok", ["nas / memory usage: 91 %"]))
    await hass.async_block_till_done()
    assert calls == []  # below the chosen level
    hass.states.async_set("input_boolean.maintenance", "on")
    hass.bus.async_fire(EVENT_HEALTH_CHANGED, _health("critical", "warning", ["nas / disk usage: 97 %"]))
    await hass.async_block_till_done()
    assert calls == []  # maintenance: held
    hass.states.async_set("input_boolean.maintenance", "off")
    hass.bus.async_fire(EVENT_HEALTH_CHANGED, _health("critical", "warning", ["nas / disk usage: 97 %"]))
    await hass.async_block_till_done()
    assert [c.data["title"] for c in calls] == ["🔴 nas is critical"]


async def test_tapping_a_push_action_presses_the_button_or_snoozes(hass: HomeAssistant, tmp_path: Path) -> None:
    """The push carries the device's buttons; a tap comes back as mobile_app_notification_action."""
    calls = await _automation(hass, tmp_path)
    presses = async_mock_service(hass, "button", "press")  # the button's own effect is tested with its monitor
    snoozes = async_mock_service(hass, DOMAIN, "snooze_health")
    actions = [
        {"action": "HOMESENTRY_PRESS::button.jellyfin_restart", "title": "Restart"},
        {"action": "HOMESENTRY_SNOOZE::dev42", "title": "Snooze 1 h"},
    ]
    hass.bus.async_fire(
        EVENT_HEALTH_CHANGED, {**_health("warning", "ok", ["jellyfin: container problem"]), "actions": actions}
    )
    await hass.async_block_till_done()
    assert calls[0].data["data"]["actions"] == actions

    hass.bus.async_fire("mobile_app_notification_action", {"action": "HOMESENTRY_PRESS::button.jellyfin_restart"})
    await hass.async_block_till_done()
    assert [c.data["entity_id"] for c in presses] == [["button.jellyfin_restart"]]
    hass.bus.async_fire("mobile_app_notification_action", {"action": "HOMESENTRY_SNOOZE::dev42"})
    await hass.async_block_till_done()
    assert [c.data for c in snoozes] == [{"device_id": "dev42", "hours": 1}]
    hass.bus.async_fire("mobile_app_notification_action", {"action": "SOMETHING_ELSE"})
    await hass.async_block_till_done()
    assert len(calls) == 1  # a tap is never a new push


async def test_morning_summary_names_what_is_wrong(
    hass: HomeAssistant, tmp_path: Path, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    """This server for real, its disk usage over a threshold set at 0 %: the summary names it."""
    entry = MockConfigEntry(
        domain=DOMAIN, title=host_entry.title, unique_id=host_entry.unique_id, data=dict(host_entry.data),
        options={**host_entry.options, "health": {"disk_usage_warning": 0, "grace_minutes": 0}},
    )  # fmt: skip
    await setup_entry(hass, entry)
    await hass.config.async_update(time_zone="UTC")
    freezer.move_to("2026-11-24 07:29:00+00:00")
    calls = await _automation(hass, tmp_path, blueprint="morning_summary.yaml", at="07:30:00")
    freezer.move_to("2026-11-24 07:30:01+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(calls) == 1
    message = calls[0].data["message"]
    assert "nas Health: warning" in message
    assert "disk usage" in message
    assert "Internet outages today: 0" in message
    await hass.services.async_call("automation", "turn_off", {"entity_id": "all"}, blocking=True)  # no timer left


async def test_problems_held_in_quiet_time_are_summarised_after(
    hass: HomeAssistant, tmp_path: Path, host_entry: MockConfigEntry, sysfs: SysfsTree
) -> None:
    hass.states.async_set("input_boolean.maintenance", "on")
    calls = await _automation(hass, tmp_path, quiet="input_boolean.maintenance")
    entry = MockConfigEntry(
        domain=DOMAIN, title=host_entry.title, unique_id=host_entry.unique_id, data=dict(host_entry.data),
        options={**host_entry.options, "health": {"disk_usage_warning": 0, "grace_minutes": 0}},
    )  # fmt: skip
    await setup_entry(hass, entry)  # the server turns warning during maintenance: held
    await hass.async_block_till_done()
    assert calls == []
    hass.states.async_set("input_boolean.maintenance", "off")
    await hass.async_block_till_done()
    assert [c.data["title"] for c in calls] == ["After the quiet time"]
    assert "nas Health" in calls[0].data["message"]
    assert "disk usage" in calls[0].data["message"]
