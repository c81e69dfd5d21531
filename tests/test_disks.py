"""The Disks entry in a real Home Assistant: SMART of recorded real disks, md RAID from real mdstat texts.

smartctl is tests/smartctl_replay.py answering from pySMART's recorded devices
and a published failing drive, spawned by pySMART exactly as the real binary
would be; the real Debian smartctl is used where the test is about this
machine (no SMART disks; permission denied as an unprivileged user).
"""

from __future__ import annotations

from datetime import timedelta
import json
import os
from pathlib import Path
import shutil
import sys

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, UnitOfTemperature, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.homesentry import async_remove_config_entry_device, world
from custom_components.homesentry.const import CONF_KIND, DOMAIN, MonitorKind
from custom_components.homesentry.diagnostics import async_get_config_entry_diagnostics
from custom_components.homesentry.monitors.disks.const import (
    CONF_RAID_INTERVAL,
    CONF_SMART_MINUTES,
    CONF_SMART_READER,
    CONF_SMARTCTL,
)
from custom_components.homesentry.monitors.disks.coordinator import SmartCoordinator
from custom_components.homesentry.monitors.disks.options import DEFAULT_DISKS_OPTIONS
from custom_components.homesentry.probes.smart import SmartReader

from .conftest import entity_state, setup_entry

DATA = Path(__file__).parent / "data"
REPLAY = Path(__file__).parent / "smartctl_replay.py"
MDSTAT = DATA / "mdstat"
# The machine's disks: path -> the recording that answers for it, and the type its scan line names.
DISKS = {
    "/dev/sg2": (DATA / "pysmart" / "singletests" / "sat_hdd_0_issue70", "sat"),  # Seagate Exos 2 TB, healthy
    "/dev/nvme0": (DATA / "pysmart" / "singletests" / "nvme_1_issue_37", "nvme"),  # Samsung 970 EVO Plus
    "/dev/sda": (DATA / "smart_failing" / "st3250318as_failing", "sat"),  # Seagate 7200.12, failing
}


def machine(directory: Path, disks: dict[str, tuple[Path, str]]) -> str:
    """A smartctl whose machine has ``disks``: their recordings in one directory, and a scan listing them.

    The scan is written here (smartctl --scan's format) because the recordings
    come from different machines; everything else is what smartctl printed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    scan = []
    for path, (source, device_type) in disks.items():
        for recorded in source.iterdir():
            if recorded.name.startswith("_") and not recorded.name.startswith("_--scan"):
                shutil.copy(recorded, directory / recorded.name)
        scan.append(f"{path} -d {device_type} # {path}, {device_type} device")
    (directory / "_--scan").write_text("\n".join(scan) + "\n")
    wrapper = directory / "smartctl"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -S -E {REPLAY} {directory} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def keys(smartctl: str) -> dict[str, str]:
    """Each disk's object key, as the integration derives it (model and a digest of the serial)."""
    reader = SmartReader(smartctl)
    found = {}
    for entry in reader.scan():
        reading = reader.read(entry)
        assert reading is not None
        found[entry.path] = reading.key
    (Path(smartctl).parent / "calls.log").unlink()
    return found


def disks_entry(smartctl: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Disks",
        unique_id=MonitorKind.DISKS.value,
        data={CONF_KIND: MonitorKind.DISKS.value, CONF_SMARTCTL: smartctl},
        options=dict(DEFAULT_DISKS_OPTIONS),
    )


async def test_every_disk_and_array_becomes_entities(hass: HomeAssistant, tmp_path: Path, proc: Path) -> None:
    smartctl = machine(tmp_path / "machine", DISKS)
    key = keys(smartctl)
    entry = disks_entry(smartctl)
    await setup_entry(hass, entry)

    assert entity_state(hass, entry, "smart_status").state == "ok"
    disks = entity_state(hass, entry, "smart_disks")
    assert disks.state == "3"
    assert disks.attributes["failed"] == [key["/dev/sda"]]

    seagate = key["/dev/sg2"]
    temperature = entity_state(hass, entry, f"disk_temperature_{seagate}")
    assert (temperature.state, temperature.attributes[ATTR_UNIT_OF_MEASUREMENT]) == ("31", UnitOfTemperature.CELSIUS)
    assert temperature.attributes["asleep"] is False
    hours = entity_state(hass, entry, f"power_on_hours_{seagate}")
    assert (hours.state, hours.attributes[ATTR_UNIT_OF_MEASUREMENT]) == ("1380", UnitOfTime.HOURS)
    assert entity_state(hass, entry, f"reallocated_sectors_{seagate}").state == "0"
    assert entity_state(hass, entry, f"pending_sectors_{seagate}").state == "0"
    assert entity_state(hass, entry, f"disk_health_{seagate}").state == "ok"
    assert entity_state(hass, entry, f"disk_problem_{seagate}", "binary_sensor").state == "off"
    last_test = entity_state(hass, entry, f"last_self_test_{seagate}")
    assert (last_test.state, last_test.attributes["test"]) == ("passed", "Extended offline")

    samsung = key["/dev/nvme0"]
    wear = entity_state(hass, entry, f"percentage_used_{samsung}")
    assert (wear.state, wear.attributes[ATTR_UNIT_OF_MEASUREMENT]) == ("0", "%")
    assert entity_state(hass, entry, f"media_errors_{samsung}").state == "0"
    assert entity_state(hass, entry, f"disk_health_{samsung}").state == "ok"
    assert entity_state(hass, entry, f"disk_temperature_{samsung}").state == "41"

    failing = key["/dev/sda"]
    health = entity_state(hass, entry, f"disk_health_{failing}")
    assert health.state == "failed"
    assert any(f.startswith("187 Reported_Uncorrect") for f in health.attributes["findings"])
    assert entity_state(hass, entry, f"disk_problem_{failing}", "binary_sensor").state == "on"
    assert entity_state(hass, entry, f"self_assessment_{failing}").state == "failed"
    assert entity_state(hass, entry, f"reallocated_sectors_{failing}").state == "4049"
    assert entity_state(hass, entry, f"last_self_test_{failing}").state == "failed"

    # Each disk is a device of its own, under the Disks device.
    devices = dr.async_get(hass)
    hub = devices.async_get_device_by_identifier((DOMAIN, "disks"), entry.entry_id)
    assert hub is not None
    disk = devices.async_get_device_by_identifier((DOMAIN, f"disks_{seagate}"), entry.entry_id)
    assert disk is not None
    assert (disk.model, disk.serial_number, disk.sw_version, disk.via_device_id) == (
        "ST2000NM000A-2J2100",
        "WS10SM2A",
        "TN03",
        hub.id,
    )
    # Noisy or rarely useful ones start disabled.
    registry = er.async_get(hass)
    timeouts = registry.async_get_entity_id("sensor", DOMAIN, f"disks_command_timeouts_{failing}")
    assert timeouts is not None
    assert registry.async_get(timeouts).disabled_by is er.RegistryEntryDisabler.INTEGRATION

    # RAID: a raid1 rebuilding onto a new disk, and a clean one.
    assert entity_state(hass, entry, "array_state_md2").state == "recovering"
    assert entity_state(hass, entry, "sync_progress_md2").state == "0.0"
    problem = entity_state(hass, entry, "array_problem_md2", "binary_sensor")
    assert (problem.state, problem.attributes["problems"]) == ("on", ["degraded", "recover"])
    assert entity_state(hass, entry, "array_problem_md0", "binary_sensor").state == "off"
    assert entity_state(hass, entry, "array_members_md2").state == "1"

    # Diagnostics never show a serial number.
    diagnostics = json.dumps(await async_get_config_entry_diagnostics(hass, entry))
    assert "WS10SM2A" not in diagnostics
    assert "9VY1LMLV" not in diagnostics


async def test_sleeping_disk_is_not_woken_and_keeps_its_values(
    hass: HomeAssistant, tmp_path: Path, proc: Path, freezer: FrozenDateTimeFactory
) -> None:
    smartctl = machine(tmp_path / "machine", DISKS)
    key = keys(smartctl)
    entry = disks_entry(smartctl)
    await setup_entry(hass, entry)
    calls = Path(smartctl).parent / "calls.log"
    calls.unlink()
    (Path(smartctl).parent / "asleep_dev_sg2").touch()

    freezer.tick(timedelta(minutes=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    seagate = key["/dev/sg2"]
    assert entity_state(hass, entry, f"disk_temperature_{seagate}").state == "31"  # the last value stays
    assert entity_state(hass, entry, f"disk_temperature_{seagate}").attributes["asleep"] is True
    assert entity_state(hass, entry, f"disk_health_{seagate}").attributes["asleep"] is True
    assert entity_state(hass, entry, "smart_disks").attributes["asleep"] == [seagate]
    # One power-mode check for the sleeping disk, nothing more.
    assert [c for c in calls.read_text().splitlines() if c.endswith("/dev/sg2")] == ["-n standby -d sat --all /dev/sg2"]


async def test_short_self_test_button(hass: HomeAssistant, tmp_path: Path, proc: Path) -> None:
    smartctl = machine(tmp_path / "machine", DISKS)
    key = keys(smartctl)
    entry = disks_entry(smartctl)
    await setup_entry(hass, entry)
    button = er.async_get(hass).async_get_entity_id("button", DOMAIN, f"disks_run_short_self_test_{key['/dev/sg2']}")
    assert button is not None
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "-d sat -t short /dev/sg2" in (Path(smartctl).parent / "calls.log").read_text()

    os.unlink(smartctl)  # smartctl gone: the press says why, translated
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert raised.value.translation_key == "self_test_failed"


async def test_smartctl_missing_raises_a_repair_and_raid_keeps_working(
    hass: HomeAssistant, tmp_path: Path, proc: Path, freezer: FrozenDateTimeFactory
) -> None:
    later = tmp_path / "machine" / "smartctl"
    entry = disks_entry(str(later))  # not installed yet
    await setup_entry(hass, entry)

    assert entity_state(hass, entry, "smart_status").state == "smartctl_missing"
    assert entity_state(hass, entry, "smart_disks").state == "0"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"smartctl_missing_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"smartctl": str(later)}
    assert entity_state(hass, entry, "array_state_md2").state == "recovering"

    # smartctl installed, and a disk plugged in: the repair goes, the disk appears.
    machine(tmp_path / "machine", {"/dev/sg2": DISKS["/dev/sg2"]})
    freezer.tick(timedelta(minutes=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entity_state(hass, entry, "smart_status").state == "ok"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"smartctl_missing_{entry.entry_id}") is None
    assert entity_state(hass, entry, "smart_disks").state == "1"


async def test_disk_removed_for_good_can_be_deleted(
    hass: HomeAssistant, tmp_path: Path, proc: Path, freezer: FrozenDateTimeFactory
) -> None:
    smartctl = machine(tmp_path / "machine", DISKS)
    key = keys(smartctl)
    entry = disks_entry(smartctl)
    await setup_entry(hass, entry)
    scan = Path(smartctl).parent / "_--scan"
    scan.write_text("".join(line + "\n" for line in scan.read_text().splitlines() if "/dev/sda" not in line))
    freezer.tick(timedelta(minutes=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entity_state(hass, entry, f"disk_health_{key['/dev/sda']}").state == STATE_UNAVAILABLE
    devices = dr.async_get(hass)
    gone = devices.async_get_device_by_identifier((DOMAIN, f"disks_{key['/dev/sda']}"), entry.entry_id)
    present = devices.async_get_device_by_identifier((DOMAIN, f"disks_{key['/dev/sg2']}"), entry.entry_id)
    md2 = devices.async_get_device_by_identifier((DOMAIN, "disks_md2"), entry.entry_id)
    assert gone is not None
    assert present is not None
    assert md2 is not None
    assert await async_remove_config_entry_device(hass, entry, gone)
    assert not await async_remove_config_entry_device(hass, entry, present)
    assert not await async_remove_config_entry_device(hass, entry, md2)


@pytest.mark.parametrize(
    "case",
    [
        ("raid1_resync.txt", "resyncing", "on", ["resync"]),
        ("raid5_failed_member_spare_in.txt", "clean", "on", ["failed member: sdd"]),
        ("raid5_recovery.txt", "recovering", "on", ["degraded", "recover"]),
        ("raid1_recovery.txt", "clean", "off", []),
    ],
)
async def test_array_walks_through_real_states(
    hass: HomeAssistant,
    tmp_path: Path,
    proc: Path,
    freezer: FrozenDateTimeFactory,
    case: tuple[str, str, str, list[str]],
) -> None:
    mdstat, state, problem, problems = case
    shutil.copy(MDSTAT / "raid1_raid10_check.txt", proc / "mdstat")
    entry = disks_entry(str(tmp_path / "none"))
    await setup_entry(hass, entry)
    assert entity_state(hass, entry, "array_state_md126").state == "checking"
    assert entity_state(hass, entry, "array_problem_md126", "binary_sensor").state == "off"

    shutil.copy(MDSTAT / mdstat, proc / "mdstat")
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entity_state(hass, entry, "array_state_md0").state == state
    binary = entity_state(hass, entry, "array_problem_md0", "binary_sensor")
    assert (binary.state, binary.attributes["problems"]) == (problem, problems)
    assert entity_state(hass, entry, "array_state_md126").state == STATE_UNAVAILABLE  # gone from mdstat


async def test_mismatches_after_a_check_are_a_warning(
    hass: HomeAssistant, tmp_path: Path, proc: Path, freezer: FrozenDateTimeFactory
) -> None:
    shutil.copy(MDSTAT / "raid1_raid10_check.txt", proc / "mdstat")
    md = tmp_path / "sys" / "block" / "md127" / "md"
    md.mkdir(parents=True)
    (md / "mismatch_cnt").write_text("256\n")
    (md / "sync_action").write_text("idle\n")
    entry = disks_entry(str(tmp_path / "none"))
    await setup_entry(hass, entry)
    health = entity_state(hass, entry, "array_health_md127")
    assert (health.state, health.attributes["mismatch_count"]) == ("warning", 256)
    assert entity_state(hass, entry, "array_problem_md127", "binary_sensor").state == "off"
    assert entity_state(hass, entry, "mismatch_count_md127").state == "256"


async def test_real_smartctl_on_a_machine_without_smart_disks(hass: HomeAssistant, tmp_path: Path) -> None:
    """This VM: the Debian smartctl runs, its scan finds nothing it can open (virtio disks), no /proc/mdstat."""
    if shutil.which("smartctl") is None:
        if os.environ.get("HOMESENTRY_REQUIRE_PEERS"):
            pytest.fail("smartctl (smartmontools) is not installed")
        pytest.skip("smartctl (smartmontools) is not installed")
    entry = disks_entry("")  # found where it is installed
    await setup_entry(hass, entry)
    status = entity_state(hass, entry, "smart_status")
    assert (status.state, status.attributes["smartctl"]) == ("no_disks", "/usr/sbin/smartctl")
    assert entity_state(hass, entry, "smart_disks").state == "0"
    assert not ir.async_get(hass).issues


async def test_smartctl_not_permitted(hass: HomeAssistant, tmp_path: Path, proc: Path) -> None:
    """The real smartctl as an unprivileged user: the kernel refuses it the disk."""
    smartctl = shutil.which("smartctl")
    if smartctl is None or os.geteuid() != 0:
        if os.environ.get("HOMESENTRY_REQUIRE_PEERS"):
            pytest.fail("needs smartctl and root (to drop to nobody)")
        pytest.skip("needs smartctl and root (to drop to nobody)")
    wrapper = tmp_path / "smartctl-as-nobody"
    # smartctl --scan does not list virtio disks; the wrapper's scan names this VM's disk, everything
    # else is the real smartctl run as nobody.
    wrapper.write_text(
        '#!/bin/sh\nif [ "$1" = "--scan" ]; then echo "/dev/vda -d sat # /dev/vda [SAT], ATA device"; exit 0; fi\n'
        f'exec setpriv --reuid=65534 --regid=65534 --clear-groups {smartctl} "$@"\n'
    )
    wrapper.chmod(0o755)
    entry = disks_entry(str(wrapper))
    await setup_entry(hass, entry)
    status = entity_state(hass, entry, "smart_status")
    assert status.state == "not_permitted"
    assert "Permission denied" in status.attributes["unreadable"]["/dev/vda"] or status.attributes["unreadable"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"smartctl_not_permitted_{entry.entry_id}") is not None
    assert entity_state(hass, entry, "array_state_md2").state == "recovering"


async def test_config_flow_options_and_reconfigure(hass: HomeAssistant, tmp_path: Path, proc: Path) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "disks" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "disks"})
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SMARTCTL: str(tmp_path / "not-there")}
    )
    assert result["errors"] == {CONF_SMARTCTL: "smartctl_not_found"}
    smartctl = machine(tmp_path / "machine", {"/dev/sg2": DISKS["/dev/sg2"]})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SMARTCTL: smartctl})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (result["title"], result["data"]) == (
        "Disks", {CONF_KIND: "disks", CONF_SMARTCTL: smartctl, CONF_SMART_READER: "auto"},
    )  # fmt: skip
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]

    again = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    again = await hass.config_entries.flow.async_configure(again["flow_id"], {"next_step_id": "disks"})
    assert (again["type"], again["reason"]) == (FlowResultType.ABORT, "already_configured")

    options = await hass.config_entries.options.async_init(entry.entry_id)
    options = await hass.config_entries.options.async_configure(
        options["flow_id"], {CONF_SMART_MINUTES: 60, CONF_RAID_INTERVAL: 30}
    )
    assert options["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.monitor is not None
    assert entry.runtime_data.monitor.smart.update_interval == timedelta(minutes=60)
    assert entry.runtime_data.monitor.raid.update_interval == timedelta(seconds=30)

    other = machine(tmp_path / "other", {"/dev/nvme0": DISKS["/dev/nvme0"]})
    flow = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_SMARTCTL: other})
    assert (flow["type"], flow["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    await hass.async_block_till_done()
    assert entry.data[CONF_SMARTCTL] == other
    assert entity_state(hass, entry, "smart_disks").state == "1"
    status = entity_state(hass, entry, "smart_status")
    assert (status.attributes["reader"], status.attributes["reason"]) == ("smartctl", f"smartctl is at {other}")

    # Forced to the kernel reader: it reads this machine's sysfs, where there is no disk (an empty tree).
    flow = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_SMARTCTL: other, CONF_SMART_READER: "kernel"}
    )
    await hass.async_block_till_done()
    status = entity_state(hass, entry, "smart_status")
    assert (status.state, status.attributes["reader"]) == ("no_disks", "kernel")
    assert status.attributes["reason"] == "the kernel reader is chosen in the Disks entry"


async def _machine_in_home_assistant(
    hass: HomeAssistant, tmp_path: Path
) -> tuple[Path, dict[str, str], MockConfigEntry, SmartCoordinator]:
    """The machine of DISKS set up in Home Assistant: its recordings' directory, disk keys, entry, SMART coordinator."""
    smartctl = machine(tmp_path / "machine", DISKS)
    key = keys(smartctl)
    entry = disks_entry(smartctl)
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.monitor.smart if entry.runtime_data.monitor else None
    assert coordinator is not None
    return Path(smartctl).parent, key, entry, coordinator


async def test_a_hung_disk_costs_only_its_own_entities_and_recovers(
    hass: HomeAssistant,
    tmp_path: Path,
    proc: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(world, "SMARTCTL_TIMEOUT", 1.0)
    directory, key, entry, coordinator = await _machine_in_home_assistant(hass, tmp_path)
    hang = directory / "hang_dev_nvme0"
    hang.touch()
    # Refreshed directly: the timeout runs on the monotonic clock, which a frozen clock would stop.
    for _ in range(2):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert entity_state(hass, entry, f"disk_temperature_{key['/dev/nvme0']}").state == STATE_UNAVAILABLE
    assert entity_state(hass, entry, f"disk_temperature_{key['/dev/sg2']}").state == "31"
    assert entity_state(hass, entry, "smart_status").attributes["unreadable"] == {
        "/dev/nvme0": "smartctl did not answer within 1 s"
    }
    assert caplog.text.count("cannot read SMART of /dev/nvme0") == 1  # logged once, not every cycle

    hang.unlink()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, entry, f"disk_temperature_{key['/dev/nvme0']}").state == "41"
    assert "reading SMART of /dev/nvme0 again" in caplog.text


async def test_an_answer_that_cannot_be_parsed_costs_only_that_disk_and_recovers(
    hass: HomeAssistant, tmp_path: Path, proc: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory, key, entry, coordinator = await _machine_in_home_assistant(hass, tmp_path)
    # The NVMe disk's recorded answer with one counter pySMART cannot read (it raises ValueError).
    recorded = directory / "_-d_nvme_--all__dev_nvme0"
    good = recorded.read_text()
    recorded.write_text(good.replace("Power On Hours:                     15", "Power On Hours: lots"))
    for _ in range(2):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert entity_state(hass, entry, f"disk_temperature_{key['/dev/nvme0']}").state == STATE_UNAVAILABLE
    assert entity_state(hass, entry, f"disk_temperature_{key['/dev/sg2']}").state == "31"
    assert entity_state(hass, entry, f"disk_health_{key['/dev/sda']}").state == "failed"
    why = entity_state(hass, entry, "smart_status").attributes["unreadable"]["/dev/nvme0"]
    assert why.startswith("cannot parse smartctl's answer for /dev/nvme0: ValueError")
    assert caplog.text.count("cannot read SMART of /dev/nvme0") == 1  # logged once, with the disk's path

    recorded.write_text(good)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert entity_state(hass, entry, f"disk_temperature_{key['/dev/nvme0']}").state == "41"


async def test_the_smart_prediction_limits_are_health_options(hass: HomeAssistant, tmp_path: Path, proc: Path) -> None:
    """A healthy drive's predicted failure rate is shown; the limits in the Health options decide its verdict."""
    smartctl = machine(tmp_path / "machine", {"/dev/sg2": DISKS["/dev/sg2"]})  # the healthy Seagate Exos
    (key,) = keys(smartctl).values()
    entry = disks_entry(smartctl)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={**entry.options, "health": {"grace_minutes": 0}})
    await setup_entry(hass, entry)
    rate = entity_state(hass, entry, f"failure_rate_{key}")
    assert rate.attributes[ATTR_UNIT_OF_MEASUREMENT] == "%"
    assert 2 <= float(rate.state) < 10  # clean counts: the fleet's baseline
    assert entity_state(hass, entry, f"disk_health_{key}").state == "ok"
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"{entry.unique_id}_{key}"), entry.entry_id)
    assert device is not None
    registry = er.async_get(hass)
    (health,) = (
        s.entity_id for s in hass.states.async_all("sensor")
        if "summary" in s.attributes and (e := registry.async_get(s.entity_id)) and e.device_id == device.id
    )  # fmt: skip
    assert hass.states.get(health).state == "ok"

    # A cautious user puts the warning limit below this drive's rate, in the Disks options' Health section.
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    limits = {"grace_minutes": 0, "failure_rate_warning": float(rate.state) - 1, "failure_rate_critical": 50}
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {CONF_SMART_MINUTES: 30, CONF_RAID_INTERVAL: 60, "health": limits}
    )
    assert flow["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entity_state(hass, entry, f"disk_health_{key}").state == "warning"
    assert entity_state(hass, entry, f"failure_rate_{key}").state == rate.state  # the number does not move
    assert hass.states.get(health).state == "warning"
    assert "Predicted failure rate" in hass.states.get(health).attributes["summary"]
