"""Host sensors in a real Home Assistant, reading a built sysfs and the real /proc."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import logging
import os
from pathlib import Path
import shutil
import threading

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import slugify
import psutil
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.probes.diskstats import physical_disks
from custom_components.homesentry.probes.filesystems import list_mounts
from custom_components.homesentry.probes.host import Category

from .conftest import MACHINE_ID, entity_state, setup_entry
from .sysfs_tree import SysfsTree, write

# What a newcomer sees without touching anything: enabled by default.
DEFAULT_ENABLED = {
    "sensor.nas_health",
    "sensor.nas_power",
    "sensor.nas_energy",
    "sensor.nas_top_power_consumer",
    "sensor.nas_cpu_usage",
    "sensor.nas_load_1_min",
    "sensor.nas_load_5_min",
    "sensor.nas_load_15_min",
    "sensor.nas_cpu_frequency",
    "sensor.nas_cpu_temperature",
    "sensor.nas_coretemp_package_id_0_temperature",
    "sensor.nas_coretemp_core_0_temperature",
    "sensor.nas_coretemp_core_1_temperature",
    "sensor.nas_nct6775_systin_temperature",
    "sensor.nas_nct6775_cputin_temperature",
    "sensor.nas_acpitz_temp1_temperature",
    "sensor.nas_nvme_nvme01_composite_temperature",
    "sensor.nas_nvme_nvme02_composite_temperature",
    "sensor.nas_nct6775_fan1_fan_speed",
    "sensor.nas_nct6775_fan2_fan_speed",
    "sensor.nas_bat0_battery",
    "sensor.nas_cpu_throttle_events",
    "sensor.nas_memory_usage",
    "sensor.nas_memory_used",
    "sensor.nas_memory_available",
    "sensor.nas_swap_usage",
    "sensor.nas_last_boot",
    "sensor.nas_processes",
    "sensor.nas_eth0_received",
    "sensor.nas_eth0_sent",
}
NOISY_DISABLED = {
    "sensor.nas_cpu_pressure",
    "sensor.nas_memory_pressure",
    "sensor.nas_i_o_pressure",
    "sensor.nas_top_process",
    "sensor.nas_listening_ports",
}


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_newcomer_sees_enabled_entities_and_noisy_ones_disabled(
    hass: HomeAssistant, loaded_host_entry: MockConfigEntry
) -> None:
    host_entry = loaded_host_entry
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, host_entry.entry_id)
    enabled = {e.entity_id for e in entries if e.disabled_by is None}
    disabled = {e.entity_id for e in entries if e.disabled_by is not None}
    # The filesystems are this machine's own (its /proc/self/mountinfo).
    mounts = list_mounts(Path("/proc/self/mountinfo"))
    assert "/" in {m.path for m in mounts}
    disk = {"sensor." + slugify(f"nas {m.path} {kind}") for m in mounts for kind in ("disk usage", "free space")}
    stale = {"binary_sensor." + slugify(f"nas {m.path} stale mount") for m in mounts}
    # The physical disks are this machine's own too (its /sys/block and /proc/diskstats): busy is on,
    # throughput (moving every cycle) off.
    physical = physical_disks(Path("/sys"))
    assert physical
    busy = {f"sensor.nas_{d}_busy" for d in physical}
    throughput = {f"sensor.nas_{d}_{kind}" for d in physical for kind in ("read", "write")}
    assert enabled == DEFAULT_ENABLED | disk | stale | busy
    cores = {f"sensor.nas_cpu_core_{i}_usage" for i in range(psutil.cpu_count() or 1)}
    used = {"sensor." + slugify(f"nas {m.path} used space") for m in mounts}
    assert disabled == NOISY_DISABLED | cores | used | throughput
    assert {s.entity_id for s in hass.states.async_all("sensor")} == DEFAULT_ENABLED | disk | busy
    for entity_id in DEFAULT_ENABLED | disk | stale | busy:
        assert _state(hass, entity_id) not in ("unknown", STATE_UNAVAILABLE), entity_id


async def test_registry_and_units_snapshot(
    hass: HomeAssistant, loaded_host_entry: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    host_entry = loaded_host_entry
    registry = er.async_get(hass)
    rows = []
    for entry in sorted(er.async_entries_for_config_entry(registry, host_entry.entry_id), key=lambda e: e.entity_id):
        if entry.translation_key in {
            "core_usage", "disk_usage", "disk_free", "disk_used", "stale_mount", "disk_busy", "disk_read", "disk_write"
        }:  # fmt: skip
            continue  # one per core, filesystem and disk of the machine running the tests
        rows.append(
            {
                "entity_id": entry.entity_id,
                "unique_id": entry.unique_id,
                "translation_key": entry.translation_key,
                "device_class": entry.original_device_class,
                "unit": entry.unit_of_measurement,
                "capabilities": entry.capabilities,
                "entity_category": entry.entity_category,
                "enabled": entry.disabled_by is None,
            }
        )
    assert rows == snapshot


async def test_values_match_the_machine(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
    host_entry = loaded_host_entry
    assert _state(hass, "sensor.nas_cpu_temperature") == "45.0"
    cpu_temperature = hass.states.get("sensor.nas_cpu_temperature")
    assert cpu_temperature is not None
    assert cpu_temperature.attributes["unit_of_measurement"] == "°C"
    assert cpu_temperature.attributes["device_class"] == "temperature"
    assert cpu_temperature.attributes["state_class"] == "measurement"
    assert cpu_temperature.attributes["label"] == "Package id 0"
    assert cpu_temperature.attributes["critical"] == 100.0
    assert _state(hass, "sensor.nas_nct6775_cputin_temperature") == "38.5"
    assert _state(hass, "sensor.nas_nct6775_fan1_fan_speed") == "1205"
    fan = hass.states.get("sensor.nas_nct6775_fan1_fan_speed")
    assert fan is not None
    assert fan.attributes["unit_of_measurement"] == "rpm"
    assert _state(hass, "sensor.nas_bat0_battery") == "87.0"
    assert _state(hass, "sensor.nas_cpu_throttle_events") == "12"
    # Memory in GiB (suggested unit), from the real /proc/meminfo.
    memory = hass.states.get("sensor.nas_memory_used")
    assert memory is not None
    assert memory.attributes["unit_of_measurement"] == "GiB"
    assert float(memory.state) == pytest.approx(psutil.virtual_memory().used / 1024**3, abs=0.25)
    boot = datetime.fromisoformat(_state(hass, "sensor.nas_last_boot"))
    assert abs((boot - datetime.fromtimestamp(psutil.boot_time(), tz=UTC)).total_seconds()) <= 1
    assert abs(int(_state(hass, "sensor.nas_processes")) - len(psutil.pids())) <= 10
    assert 0 <= float(_state(hass, "sensor.nas_cpu_usage")) <= 100
    received = hass.states.get("sensor.nas_eth0_received")
    assert received is not None
    assert received.attributes["unit_of_measurement"] == "Mbit/s"
    assert received.attributes["device_class"] == "data_rate"

    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, f"host_{MACHINE_ID}"), host_entry.entry_id)
    assert device is not None
    assert (device.name, device.manufacturer, device.model) == ("nas", "Intel(R) Client Systems", "NUC12WSHi5")
    assert device.sw_version == f"Debian GNU/Linux 12 (bookworm) {os.uname().release}"


async def test_throughput_in_megabits_after_a_cycle(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    # Set up under the frozen clock, so both samples are on the same clock.
    await setup_entry(hass, host_entry)
    # 30 s at 1 Mbit/s in (125 000 B/s) and 0.1 Mbit/s out.
    sysfs.counters("eth0", 10_000 + 30 * 125_000, 5_000 + 30 * 12_500)
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert float(_state(hass, "sensor.nas_eth0_received")) == pytest.approx(1.0, rel=0.02)
    assert float(_state(hass, "sensor.nas_eth0_sent")) == pytest.approx(0.1, rel=0.02)


async def test_only_enabled_categories_are_collected(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
    host_entry = loaded_host_entry
    coordinator = host_entry.runtime_data.monitor.host
    assert coordinator is not None
    disabled = {Category.CPU_PER_CORE, Category.PRESSURE, Category.TOP_PROCESSES, Category.LISTENING_PORTS}
    assert coordinator.wanted == frozenset(Category) - disabled
    await coordinator.async_refresh()
    assert coordinator.data.collected == frozenset(Category) - disabled
    assert coordinator.data.top_processes is None

    # The user enables "Top process": after the reload HA does, it is collected.
    registry = er.async_get(hass)
    registry.async_update_entity("sensor.nas_top_process", disabled_by=None)
    await hass.config_entries.async_reload(host_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = host_entry.runtime_data.monitor.host
    assert coordinator is not None
    assert Category.TOP_PROCESSES in coordinator.wanted
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    top = hass.states.get("sensor.nas_top_process")
    assert top is not None
    assert top.state not in ("unknown", STATE_UNAVAILABLE)
    assert len(top.attributes["processes"]) == 5


async def test_failing_category_unavailable_logged_once_then_recovers(
    hass: HomeAssistant, loaded_host_entry: MockConfigEntry, sysfs: SysfsTree, caplog: pytest.LogCaptureFixture
) -> None:
    host_entry = loaded_host_entry
    coordinator = host_entry.runtime_data.monitor.host
    assert coordinator is not None
    hwmon = sysfs.root / "class" / "hwmon"
    saved = sysfs.root / "hwmon-saved"
    shutil.move(hwmon, saved)
    write(hwmon, "gone wrong")  # listing it now fails with NotADirectoryError
    caplog.set_level(logging.INFO)
    for _ in range(3):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert _state(hass, "sensor.nas_cpu_temperature") == STATE_UNAVAILABLE
    assert _state(hass, "sensor.nas_nct6775_fan1_fan_speed") == STATE_UNAVAILABLE
    # Other categories keep updating.
    assert _state(hass, "sensor.nas_memory_usage") != STATE_UNAVAILABLE
    assert _state(hass, "sensor.nas_bat0_battery") == "87.0"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "cannot read" in r.message]
    assert [r.message.split(": ")[1] for r in warnings] == ["cannot read fans", "cannot read temperatures"]

    hwmon.unlink()
    shutil.move(saved, hwmon)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _state(hass, "sensor.nas_cpu_temperature") == "45.0"
    assert _state(hass, "sensor.nas_nct6775_fan1_fan_speed") == "1205"
    assert sum("reading temperatures again" in r.message for r in caplog.records) == 1


async def test_sensor_gone_becomes_unavailable(
    hass: HomeAssistant, loaded_host_entry: MockConfigEntry, sysfs: SysfsTree
) -> None:
    host_entry = loaded_host_entry
    coordinator = host_entry.runtime_data.monitor.host
    assert coordinator is not None
    shutil.rmtree(sysfs.root / "class" / "power_supply" / "BAT0")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _state(hass, "sensor.nas_bat0_battery") == STATE_UNAVAILABLE


async def test_whole_cycle_failure_and_recovery(
    hass: HomeAssistant, loaded_host_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    host_entry = loaded_host_entry
    coordinator = host_entry.runtime_data.monitor.host
    assert coordinator is not None
    real_collect = coordinator.probe.collect

    # Injected fault (nothing on a real machine makes psutil itself raise an
    # unexpected error on demand): the probe call raises once.
    def broken(categories: object) -> object:
        raise RuntimeError("psutil exploded")

    coordinator.probe.collect = broken  # type: ignore[method-assign]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _state(hass, "sensor.nas_cpu_usage") == STATE_UNAVAILABLE
    assert "Reading this server failed: psutil exploded" in caplog.text
    coordinator.probe.collect = real_collect  # type: ignore[method-assign]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _state(hass, "sensor.nas_cpu_usage") != STATE_UNAVAILABLE


async def test_cycles_never_overlap(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
    host_entry = loaded_host_entry
    coordinator = host_entry.runtime_data.monitor.host
    assert coordinator is not None
    real_collect = coordinator.probe.collect
    running = 0
    most = 0

    def counting(categories: frozenset[Category]) -> object:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            import time

            time.sleep(0.05)
            return real_collect(categories)
        finally:
            running -= 1

    coordinator.probe.collect = counting  # type: ignore[method-assign]
    import asyncio

    await asyncio.gather(*(coordinator.async_refresh() for _ in range(4)))
    assert most == 1


async def test_unload_and_reload(hass: HomeAssistant, loaded_host_entry: MockConfigEntry) -> None:
    host_entry = loaded_host_entry
    assert await hass.config_entries.async_unload(host_entry.entry_id)
    await hass.async_block_till_done()
    assert host_entry.state is ConfigEntryState.NOT_LOADED
    assert _state(hass, "sensor.nas_cpu_usage") == STATE_UNAVAILABLE
    assert await hass.config_entries.async_setup(host_entry.entry_id)
    await hass.async_block_till_done()
    assert host_entry.state is ConfigEntryState.LOADED
    assert _state(hass, "sensor.nas_cpu_usage") != STATE_UNAVAILABLE


async def test_thermal_zone_only_machine(hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree) -> None:
    # A board whose temperatures exist only as ACPI thermal zones.
    shutil.rmtree(sysfs.root / "class" / "hwmon")
    write(sysfs.root / "class" / "thermal" / "thermal_zone0" / "type", "acpitz")
    write(sysfs.root / "class" / "thermal" / "thermal_zone0" / "temp", 41000)
    await setup_entry(hass, host_entry)
    assert _state(hass, "sensor.nas_cpu_temperature") == "41.0"
    assert _state(hass, "sensor.nas_acpitz_acpitz_temperature") == "41.0"
    assert hass.states.get("sensor.nas_nct6775_fan1_fan_speed") is None


async def test_filesystems_and_a_hung_mount(
    hass: HomeAssistant, loaded_host_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The machine's real mounts (its /proc/self/mountinfo); "/" is always among them."""
    entry = loaded_host_entry
    usage = entity_state(hass, entry, "disk_usage_root")
    expected = os.statvfs("/")
    used = (expected.f_blocks - expected.f_bfree) * expected.f_frsize
    assert float(usage.state) == pytest.approx(100 * used / (used + expected.f_bavail * expected.f_frsize), abs=0.5)
    assert usage.attributes["unit_of_measurement"] == "%"
    free = entity_state(hass, entry, "disk_free_root")
    assert free.attributes["unit_of_measurement"] == "GiB"
    assert float(free.state) == pytest.approx(expected.f_bavail * expected.f_frsize / 2**30, rel=0.01)
    assert entity_state(hass, entry, "stale_mount_root", "binary_sensor").state == "off"
    registry = er.async_get(hass)
    used = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_disk_used_root")
    assert used is not None
    registry_entry = registry.async_get(used)
    assert registry_entry is not None
    assert registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION  # used space starts disabled

    # "/" stops answering (as a dead NFS server would): its entities go unavailable, the rest go on.
    release = threading.Event()
    real_statvfs = os.statvfs

    def statvfs(path: str) -> os.statvfs_result:
        if path == "/":
            release.wait(30)
        return real_statvfs(path)

    monkeypatch.setattr(os, "statvfs", statvfs)
    coordinator = entry.runtime_data.monitor.host
    try:
        await coordinator.async_refresh()
        assert entity_state(hass, entry, "disk_usage_root").state == "unavailable"
        assert entity_state(hass, entry, "stale_mount_root", "binary_sensor").state == "on"
        assert entity_state(hass, entry, "cpu_usage").state != "unavailable"
    finally:
        release.set()
    await asyncio.sleep(0.1)
    await coordinator.async_refresh()
    assert entity_state(hass, entry, "disk_usage_root").state != "unavailable"
    assert entity_state(hass, entry, "stale_mount_root", "binary_sensor").state == "off"
