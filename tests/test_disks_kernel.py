"""The Disks monitor with the kernel reader, in a real Home Assistant, on pages a real kernel returned.

This machine has no NVMe or SATA drive to read, so the commands are answered
from tests/data/kernel-smart/qemu-guest.json: what the guest's emulated NVMe
controller and AHCI disk answered to the kernel reader (tests/guest.py;
tests/test_kernel_smart_guest.py reads the same drives live and against
smartctl). tests/data/kernel-smart/smartctl/ holds what smartctl answered of
the same drives in the same guest run (tests/smartctl_record.py), replayed by
tests/smartctl_replay.py: both readers must make the same entities. That replay
is the one stand-in; sysfs is a built tree with those two drives, an eMMC and a
virtio disk, and everything above the transport is the shipped code.
"""

from __future__ import annotations

from copy import deepcopy
import json
from pathlib import Path
import sys
from typing import Any

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, PERCENTAGE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesentry import world
from custom_components.homesentry.const import CONF_KIND, DOMAIN, MonitorKind
from custom_components.homesentry.monitors.disks.const import CONF_SMART_READER, CONF_SMARTCTL
from custom_components.homesentry.monitors.disks.options import DEFAULT_DISKS_OPTIONS
from custom_components.homesentry.probes import kernel_smart
from custom_components.homesentry.probes.kernel_smart import CHECK_POWER_MODE, SMART_SHORT_SELF_TEST
from custom_components.homesentry.probes.passthrough import NVME_BROADCAST, Replay, nvme_key
from custom_components.homesentry.probes.smart import ScanEntry

from .conftest import entity_state, setup_entry

RECORDING = json.loads((Path(__file__).parent / "data" / "kernel-smart" / "qemu-guest.json").read_text())
HEALTH_LOG = nvme_key(0x02, NVME_BROADCAST, (127 << 16) | 0x02, 512)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sysfs with the guest's NVMe controller and SATA disk, an eMMC and a virtio disk; no smartctl installed."""
    root = tmp_path / "sys"
    (root / "class" / "nvme" / "nvme0").mkdir(parents=True)
    _write(root / "block" / "sda" / "device" / "vendor", "ATA     \n")
    _write(root / "block" / "sda" / "size", "131072\n")
    _write(root / "block" / "vda" / "size", "32768\n")
    emmc = root / "block" / "mmcblk0"
    _write(emmc / "size", "61071360\n")
    for name, text in (("type", "MMC"), ("name", "BJTD4R"), ("serial", "0x1b2c3d4e"), ("life_time", "0x02 0x01"),
                       ("pre_eol_info", "0x01")):  # fmt: skip
        _write(emmc / "device" / name, text + "\n")
    (root / "block" / "mmcblk0boot0").mkdir()  # the eMMC's boot partition: not a disk
    monkeypatch.setattr(world, "SYSFS_ROOT", root)
    monkeypatch.setattr(world, "PROCFS_ROOT", tmp_path / "proc")
    monkeypatch.setattr(world, "SMARTCTL_SEARCH", ())
    return root


def answering(monkeypatch: pytest.MonkeyPatch, answers: dict[str, Any]) -> Replay:
    """The kernel reader's commands answered from ``answers``."""
    replay = Replay(answers)
    monkeypatch.setattr(kernel_smart, "KernelTransport", lambda: replay)
    return replay


def disk_key(path: str, kind: str) -> str:
    reading = kernel_smart.KernelSmartReader(world.SYSFS_ROOT, transport=Replay(RECORDING)).read(ScanEntry(path, kind))
    assert reading is not None
    return reading.key


async def start(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Disks",
        unique_id=MonitorKind.DISKS.value,
        data={CONF_KIND: MonitorKind.DISKS.value, CONF_SMARTCTL: "", CONF_SMART_READER: "auto"},
        options=dict(DEFAULT_DISKS_OPTIONS),
    )
    await setup_entry(hass, entry)
    return entry


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.monitor.smart.async_refresh()
    await hass.async_block_till_done()


async def test_without_smartctl_the_kernel_reader_shows_every_disk(
    hass: HomeAssistant, machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = deepcopy(RECORDING)
    replay = answering(monkeypatch, answers)
    entry = await start(hass)
    sata, nvme = disk_key("/dev/sda", "sat"), disk_key("/dev/nvme0", "nvme")

    status = entity_state(hass, entry, "smart_status")
    assert (status.state, status.attributes["reader"]) == ("ok", "kernel")
    assert status.attributes["reason"] == "smartctl is not installed: the kernel reader reads the disks"
    disks = entity_state(hass, entry, "smart_disks")
    assert disks.state == "3"  # NVMe, SATA and the eMMC; the virtio disk has no health data
    assert disks.attributes["without_health_data"] == ["vda"]
    assert entity_state(hass, entry, "health_data_vda").state == "virtual"

    temperature = entity_state(hass, entry, f"disk_temperature_{sata}")
    assert (temperature.state, temperature.attributes[ATTR_UNIT_OF_MEASUREMENT]) == ("31", UnitOfTemperature.CELSIUS)
    assert entity_state(hass, entry, f"power_on_hours_{sata}").state == "1"
    assert entity_state(hass, entry, f"reallocated_sectors_{sata}").state == "0"
    assert entity_state(hass, entry, f"disk_health_{sata}").state == "ok"
    assert entity_state(hass, entry, f"last_self_test_{sata}").state == "passed"
    assert entity_state(hass, entry, f"disk_temperature_{nvme}").state == "50"
    assert entity_state(hass, entry, f"percentage_used_{nvme}").state == "0"
    assert entity_state(hass, entry, f"disk_health_{nvme}").state == "ok"

    emmc = next(k for k in entry.runtime_data.monitor.smart.data.disks if k.startswith("bjtd4r"))
    wear = entity_state(hass, entry, f"emmc_wear_{emmc}")
    assert (wear.state, wear.attributes[ATTR_UNIT_OF_MEASUREMENT]) == ("20", PERCENTAGE)
    assert (wear.attributes["life_time_a"], wear.attributes["pre_eol"]) == (2, 1)
    assert entity_state(hass, entry, f"disk_health_{emmc}").state == "ok"

    # The button sends SMART EXECUTE OFF-LINE IMMEDIATE (short self-test) to that disk.
    replay.sent.clear()
    button = f"button.{temperature.entity_id.removeprefix('sensor.').removesuffix('_temperature')}_run_short_self_test"
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert f"/dev/sda {SMART_SHORT_SELF_TEST.key}" in replay.sent

    # A critical warning (bit 2, reliability degraded) on the NVMe: that disk fails, the others stay ok.
    page = bytearray.fromhex(answers["/dev/nvme0"][HEALTH_LOG]["data"])
    page[0] = 0x04
    answers["/dev/nvme0"][HEALTH_LOG]["data"] = page.hex()
    # The eMMC reports its reserved blocks urgent.
    (machine / "block" / "mmcblk0" / "device" / "pre_eol_info").write_text("0x03\n")
    await refresh(hass, entry)
    assert entity_state(hass, entry, f"disk_health_{nvme}").state == "failed"
    assert entity_state(hass, entry, f"disk_problem_{nvme}", "binary_sensor").state == "on"
    assert entity_state(hass, entry, f"disk_health_{emmc}").state == "failed"
    assert entity_state(hass, entry, f"disk_health_{sata}").state == "ok"

    # The SATA disk in standby: CHECK POWER MODE only, nothing that could wake it; its values stay. QEMU's IDE
    # disk ignores STANDBY IMMEDIATE (hdparm -y in the guest leaves it "active/idle"), so the standby answer
    # (count 00h) is the recording's, edited.
    answers["/dev/sda"][CHECK_POWER_MODE.key]["count"] = 0x00
    replay.sent.clear()
    await refresh(hass, entry)
    assert [sent for sent in replay.sent if sent.startswith("/dev/sda")] == [f"/dev/sda {CHECK_POWER_MODE.key}"]
    temperature = entity_state(hass, entry, f"disk_temperature_{sata}")
    assert (temperature.state, temperature.attributes["asleep"]) == ("31", True)


async def test_a_disk_it_may_not_read_raises_the_exact_fix(
    hass: HomeAssistant, machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = deepcopy(RECORDING)
    answers["/dev/nvme0"] = {key: {"error": "device"} for key in answers["/dev/nvme0"]}
    answering(monkeypatch, answers)
    entry = await start(hass)

    assert entity_state(hass, entry, "smart_status").state == "ok"  # the SATA disk and the eMMC are still read
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"kernel_not_permitted_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"fixes": "- `/dev/nvme0`: `--device /dev/nvme0 --cap-add SYS_ADMIN`"}
    assert entity_state(hass, entry, "smart_status").attributes["unreadable"] == {
        "/dev/nvme0": "/dev/nvme0: --device /dev/nvme0 --cap-add SYS_ADMIN"
    }

    # Given the device: the repair goes by itself on the next read.
    answers["/dev/nvme0"] = deepcopy(RECORDING["/dev/nvme0"])
    await refresh(hass, entry)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"kernel_not_permitted_{entry.entry_id}") is None
    assert entity_state(hass, entry, "smart_disks").state == "3"


async def test_a_virtual_machine_says_where_health_lives(
    hass: HomeAssistant, machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("sda", "mmcblk0", "mmcblk0boot0"):
        for path in sorted((machine / "block" / name).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        (machine / "block" / name).rmdir()
    (machine / "class" / "nvme" / "nvme0").rmdir()
    answering(monkeypatch, {})
    entry = await start(hass)
    assert entity_state(hass, entry, "smart_status").state == "virtual"
    assert entity_state(hass, entry, "smart_disks").state == "0"
    assert entity_state(hass, entry, "health_data_vda").state == "virtual"
    assert not ir.async_get(hass).issues  # no smartctl-missing or permission repair


async def test_a_container_without_any_disk_access(
    hass: HomeAssistant, machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (machine / "block" / "mmcblk0" / "device" / "life_time").unlink()  # an eMMC that reports no wear: no health data
    answers = {device: {key: {"error": "device"} for key in keys} for device, keys in RECORDING.items()}
    answering(monkeypatch, answers)
    entry = await start(hass)
    assert entity_state(hass, entry, "smart_status").state == "not_permitted"
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"smartctl_not_permitted_{entry.entry_id}") is None  # not smartctl's
    issue = issues.async_get_issue(DOMAIN, f"kernel_not_permitted_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {
        "fixes": "- `/dev/nvme0`: `--device /dev/nvme0 --cap-add SYS_ADMIN`\n"
        "- `/dev/sda`: `--device /dev/sda --cap-add SYS_RAWIO`"
    }


def _disk_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every entity of the entry's disks: unique id -> state and attributes (but the time of the read)."""
    registry = er.async_get(hass)
    found = {}
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        state = hass.states.get(entity.entity_id)
        if state is None or entity.unique_id.removeprefix(f"{entry.unique_id}_").startswith(("smart_", "health")):
            continue  # the Disks device's own: the SMART status names the reader, which is the point
        attributes = {k: v for k, v in state.attributes.items() if k != "last_read"}
        found[entity.unique_id] = (state.state, attributes)
    return found


async def test_both_readers_give_the_same_entities_and_values(
    hass: HomeAssistant, machine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same two drives, the same moment, as the guest answered smartctl and the kernel reader."""
    for name in ("mmcblk0", "mmcblk0boot0", "vda"):  # only the two drives smartctl was asked of
        for path in sorted((machine / "block" / name).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        (machine / "block" / name).rmdir()
    recorded = Path(__file__).parent / "data" / "kernel-smart" / "smartctl"
    smartctl = tmp_path / "smartctl-machine"
    smartctl.mkdir()
    for answer in recorded.iterdir():
        (smartctl / answer.name).write_bytes(answer.read_bytes())
    (smartctl / "_--scan").write_text("/dev/nvme0 -d nvme # /dev/nvme0, NVMe device\n/dev/sda -d sat # /dev/sda\n")
    shim = smartctl / "smartctl"
    shim.write_text(
        f'#!/bin/sh\nexec {sys.executable} -S -E {Path(__file__).parent / "smartctl_replay.py"} {smartctl} "$@"\n'
    )
    shim.chmod(0o755)
    answering(monkeypatch, deepcopy(RECORDING))

    by_reader = {}
    for reader, path in (("smartctl", str(shim)), ("kernel", "")):
        entry = MockConfigEntry(
            domain=DOMAIN, title="Disks", unique_id=MonitorKind.DISKS.value, options=dict(DEFAULT_DISKS_OPTIONS),
            data={CONF_KIND: MonitorKind.DISKS.value, CONF_SMARTCTL: path, CONF_SMART_READER: reader},
        )  # fmt: skip
        await setup_entry(hass, entry)
        assert entity_state(hass, entry, "smart_status").attributes["reader"] == reader
        by_reader[reader] = _disk_states(hass, entry)
        by_reader[f"{reader} registered"] = {  # the disabled ones too
            e.unique_id: (e.original_name, e.translation_key, e.disabled_by)
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        }
        assert await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    assert len(by_reader["kernel"]) >= 15  # both drives' enabled sensors, binary sensors and the button
    assert by_reader["kernel"] == by_reader["smartctl"]
    assert by_reader["kernel registered"] == by_reader["smartctl registered"]
