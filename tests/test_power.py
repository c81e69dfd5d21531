"""This server's power in a real Home Assistant: RAPL, a measuring entity, calibration, energy, cost, attribution.

The server is this machine (its real /proc: CPU, processes) with a sysfs tree
that adds what this VM lacks: RAPL zones (package, cores, memory, psys) and a
battery. A smart plug is a state set in Home Assistant, as its integration
would set it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import math
from pathlib import Path
import shutil

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, UnitOfEnergy, UnitOfPower
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.homesentry import world
from custom_components.homesentry.const import CONF_POWER, DOMAIN
from custom_components.homesentry.entity import ENERGY_STEP
from custom_components.homesentry.monitors.host.power import detect_machine, model_parameters
from custom_components.homesentry.probes.power_model import MachineClass, ModelParameters

from .conftest import entity_state, setup_entry
from .peers import DockerEngine
from .probes.test_power import rapl_tree, set_energy
from .sysfs_tree import SysfsTree
from .test_containers import _entry as docker_entry

PLUG = "sensor.server_plug_power"


@pytest.fixture(autouse=True)
def no_nvidia(monkeypatch: pytest.MonkeyPatch) -> None:
    """No nvidia-smi on this machine either way; the GPU path is tested with its own replay."""
    monkeypatch.setattr(world, "NVIDIA_SMI", None)


def with_power(entry: MockConfigEntry, **power: object) -> MockConfigEntry:
    """The This server entry with the power options set."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=entry.unique_id,
        data=dict(entry.data),
        options={**entry.options, CONF_POWER: {"machine_class": "desktop", **power}},
    )


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 30) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_rapl_psys_is_the_measured_power(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree
) -> None:
    powercap = rapl_tree(sysfs.root, {"package-0": 1_000_000, "dram": 0, "psys": 2_000_000})
    host_entry = with_power(host_entry)
    await setup_entry(hass, host_entry)
    coordinator = host_entry.runtime_data.monitor.power
    assert coordinator is not None
    set_energy(powercap, "intel-rapl:0", 1_000_000 + 30_000_000)  # package: 30 J
    set_energy(powercap, "intel-rapl:0:2", 3_000_000)  # memory: 3 J
    set_energy(powercap, "intel-rapl:1", 2_000_000 + 60_000_000)  # platform: 60 J, same interval
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    power = entity_state(hass, host_entry, "server_power")
    assert power.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfPower.WATT
    assert (power.attributes["source"], power.attributes["measured_by"]) == ("measured", "rapl_psys")
    platform = float(entity_state(hass, host_entry, "component_power_psys").state)
    package = float(entity_state(hass, host_entry, "component_power_package_0").state)
    memory = float(entity_state(hass, host_entry, "component_power_dram_0").state)
    assert float(power.state) == platform > 0
    assert package == pytest.approx(platform / 2, rel=0.02)  # half the energy in the same interval
    assert memory == pytest.approx(platform / 20, rel=0.05)
    assert hass.states.get("sensor.nas_cpu_package_0_power") is not None  # named for people


async def test_plug_measures_then_calibrates_energy_and_cost(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(PLUG, "100", {ATTR_UNIT_OF_MEASUREMENT: UnitOfPower.WATT, "device_class": "power"})
    host_entry = with_power(host_entry, power_entity=PLUG, price=0.25)
    await setup_entry(hass, host_entry)
    await tick(hass, freezer)
    power = entity_state(hass, host_entry, "server_power")
    assert (power.state, power.attributes["source"], power.attributes["measured_by"]) == ("100.0", "measured", PLUG)
    assert power.attributes["estimate"] is not None  # the model runs beside, and learns

    await tick(hass, freezer)
    energy = entity_state(hass, host_entry, "server_energy")
    assert energy.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfEnergy.KILO_WATT_HOUR
    meter = host_entry.runtime_data.monitor.power.data  # the meter counts at full precision
    kwh = meter.energy_kwh
    assert kwh == pytest.approx(100 * 60 / 3_600_000, rel=1e-3)  # 100 W for two 30 s cycles
    assert 0 <= kwh - float(energy.state) < ENERGY_STEP  # the state moves by 10 Wh (or each statistics period)
    cost = entity_state(hass, host_entry, "energy_cost_today")
    assert meter.cost_today == pytest.approx(round(kwh * 0.25, 4), abs=1e-4)
    assert abs(float(cost.state) - meter.cost_today) < 0.01  # the state moves by a cent
    assert cost.attributes["currency"] == hass.config.currency

    # The plug goes away: the model, shifted by what the plug measured, takes over.
    hass.states.async_set(PLUG, "unavailable")
    await tick(hass, freezer)
    power = entity_state(hass, host_entry, "server_power")
    assert power.attributes["source"] == "calibrated"
    assert float(power.state) > 0
    assert power.attributes["calibration"]["samples"] == 3


async def test_energy_survives_a_restart_without_counting_the_downtime(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(PLUG, "0.2", {ATTR_UNIT_OF_MEASUREMENT: UnitOfPower.KILO_WATT})  # 200 W, in kW
    host_entry = with_power(host_entry, power_entity=PLUG)
    await setup_entry(hass, host_entry)
    await tick(hass, freezer, 36)
    before = float(entity_state(hass, host_entry, "server_energy").state)
    assert before == pytest.approx(200 * 36 / 3_600_000, rel=1e-3)

    assert await hass.config_entries.async_unload(host_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=2))  # Home Assistant stopped for two hours
    assert await hass.config_entries.async_setup(host_entry.entry_id)
    await hass.async_block_till_done()
    assert float(entity_state(hass, host_entry, "server_energy").state) == pytest.approx(before)
    await tick(hass, freezer, 30)
    after = float(entity_state(hass, host_entry, "server_energy").state)
    assert after == pytest.approx(before + 200 * 30 / 3_600_000, rel=1e-3)  # the downtime added nothing


def _plug_watts(second: float) -> float:
    """A day of a home server at the plug: 60 W, 40 W more in the afternoon, a 150 W backup from 02:00 to 03:00."""
    return 60 + 40 * math.sin(math.pi * second / 86_400) ** 2 + (150 if 7_200 <= second < 10_800 else 0)


def _plug_kwh(start: float, end: float) -> float:
    """The exact energy of ``_plug_watts`` from ``start`` to ``end`` seconds (its integral), in kWh."""

    def joules(t: float) -> float:  # an antiderivative
        return (
            80 * t
            - 20 * 86_400 / (2 * math.pi) * math.sin(2 * math.pi * t / 86_400)
            + 150 * min(max(t - 7_200, 0), 3_600)
        )

    return (joules(end) - joules(start)) / 3_600_000


async def test_a_day_of_15_s_cycles_keeps_every_watt_hour(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    """The state moves by 10 Wh or once per statistics period, yet the day's total and every hour of it,
    as Home Assistant's statistics read them from the states, are the meter's own."""
    freezer.move_to("2026-11-30T00:00:00+00:00")
    midnight = dt_util.utcnow().timestamp()
    hass.states.async_set(PLUG, str(_plug_watts(0)), {ATTR_UNIT_OF_MEASUREMENT: UnitOfPower.WATT})
    fifteen = MockConfigEntry(
        domain=DOMAIN,
        unique_id=host_entry.unique_id,
        data=dict(host_entry.data),
        options={**host_entry.options, "scan_interval": 15},
    )
    entry = with_power(fifteen, power_entity=PLUG)
    # Without the process scan, which this test does not look at, a day of cycles takes seconds.
    er.async_get(hass).async_get_or_create(
        "sensor", DOMAIN, f"{entry.unique_id}_top_power_consumer", disabled_by=er.RegistryEntryDisabler.USER
    )
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.monitor.power
    assert coordinator is not None
    energy_id = entity_state(hass, entry, "server_energy").entity_id
    shown: list[tuple[float, float]] = []  # (seconds since midnight, the state) at each state row

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if event.data["entity_id"] == energy_id and new_state is not None and new_state.state != "unavailable":
            shown.append((dt_util.utcnow().timestamp() - midnight, float(new_state.state)))

    hass.bus.async_listen("state_changed", record)
    start = float(entity_state(hass, entry, "server_energy").state)
    cycles = 86_400 // 15
    for cycle in range(1, cycles + 1):
        freezer.tick(timedelta(seconds=15))
        hass.states.async_set(PLUG, str(_plug_watts(cycle * 15)), {ATTR_UNIT_OF_MEASUREMENT: UnitOfPower.WATT})
        await coordinator.async_refresh()
    await hass.async_block_till_done()

    day = _plug_kwh(0, 86_400)
    assert coordinator.data.energy_kwh - start == pytest.approx(day, rel=1e-3)  # the meter: the integral
    assert shown[-1][1] - start == pytest.approx(day, rel=1e-3)  # the day's last state: the same
    # Each hour as the statistics see it (the last state before the hour ends) is within one cycle of its energy.
    hourly = [start] + [max((v for t, v in shown if t < h * 3_600), default=start) for h in range(1, 24)]
    hourly.append(shown[-1][1])
    for hour in range(24):
        exact = _plug_kwh(hour * 3_600, (hour + 1) * 3_600)
        assert hourly[hour + 1] - hourly[hour] == pytest.approx(exact, abs=2 * 250 * 15 / 3_600_000), hour
    assert len(shown) <= 288 + day / ENERGY_STEP + 1  # once per statistics period, and per 10 Wh
    assert len(shown) < cycles / 10  # against a row every cycle before


async def test_price_entity_wins_over_the_fixed_price(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set(PLUG, "120", {ATTR_UNIT_OF_MEASUREMENT: UnitOfPower.WATT})
    hass.states.async_set("sensor.tariff", "0.40", {ATTR_UNIT_OF_MEASUREMENT: "EUR/kWh"})
    host_entry = with_power(host_entry, power_entity=PLUG, price=0.10, price_entity="sensor.tariff")
    await setup_entry(hass, host_entry)
    await tick(hass, freezer)
    kwh = float(entity_state(hass, host_entry, "server_energy").state)
    month = float(entity_state(hass, host_entry, "energy_cost_month").state)
    assert month == pytest.approx(kwh * 0.40, abs=1e-4)


async def test_estimate_without_any_measurement_and_attribution(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    host_entry = with_power(host_entry, idle_watts=30, max_watts=90)
    await setup_entry(hass, host_entry)
    await tick(hass, freezer)
    power = entity_state(hass, host_entry, "server_power")
    assert power.attributes["source"] == "estimated"
    assert 30 <= float(power.state) <= 90 + 2 * 6.5  # idle..max, plus the spinning disks of the model
    assert hass.states.get("sensor.nas_energy_cost_today") is None  # no price, no cost entities
    top = entity_state(hass, host_entry, "top_power_consumer")
    assert top.state not in ("unknown", "unavailable")
    assert top.attributes["processes"]
    assert all(p["watts"] >= 0 for p in top.attributes["processes"])


async def test_unreadable_rapl_raises_a_repair_and_recovers(
    hass: HomeAssistant, host_entry: MockConfigEntry, sysfs: SysfsTree, freezer: FrozenDateTimeFactory
) -> None:
    powercap = rapl_tree(sysfs.root, {"package-0": 1})
    shutil.rmtree(powercap / "intel-rapl:1")  # a desktop CPU: no platform counter
    counter = powercap / "intel-rapl:0" / "energy_uj"
    counter.unlink()
    counter.symlink_to(Path("/proc/sys/vm/compact_memory"))  # the kernel refuses this read, as to a non-root reader
    host_entry = with_power(host_entry)
    await setup_entry(hass, host_entry)
    issue_id = f"rapl_permission_{host_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert entity_state(hass, host_entry, "server_power").attributes["source"] == "estimated"

    counter.unlink()
    counter.write_text("5\n")  # the fix applied
    await tick(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


def test_machine_class_is_detected(tmp_path: Path) -> None:
    proc, sys_root = tmp_path / "proc", tmp_path / "sys"
    (proc / "device-tree").mkdir(parents=True)
    (proc / "device-tree" / "model").write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\x00")
    assert detect_machine(proc, sys_root) is MachineClass.RASPBERRY_PI_4
    (proc / "device-tree" / "model").write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\x00")
    assert detect_machine(proc, sys_root) is MachineClass.RASPBERRY_PI_5
    (proc / "device-tree" / "model").unlink()
    (proc / "cpuinfo").write_text("model name\t: Intel(R) N100\n")
    assert detect_machine(proc, sys_root) is MachineClass.INTEL_N100
    (proc / "cpuinfo").unlink()
    assert detect_machine(proc, sys_root) is MachineClass.DESKTOP
    assert model_parameters({"idle_watts": 12.0}, MachineClass.INTEL_N100) == ModelParameters(12.0, 25.0, 4.5, 6.5)


async def test_a_container_s_power_is_named_by_the_docker_entry(
    hass: HomeAssistant,
    host_entry: MockConfigEntry,
    engine: DockerEngine,
    entries: list[MockConfigEntry],
) -> None:
    """The attribution sees a container by its cgroup id; the Docker entry of the same Home Assistant names it."""
    engine.run_container("burner", command="trap 'exit 0' TERM; while :; do :; done")
    docker = docker_entry(engine)
    entries.append(docker)
    await setup_entry(hass, docker)
    host_entry = with_power(host_entry, idle_watts=30, max_watts=90)
    await setup_entry(hass, host_entry)
    power = host_entry.runtime_data.monitor.power
    for _ in range(2):  # a share needs two samples of the processes' CPU time
        await asyncio.sleep(1)
        await power.async_refresh()
    await hass.async_block_till_done()
    top = entity_state(hass, host_entry, "top_power_consumer")
    assert top.state == "burner"  # not the id's first 12 characters
    assert top.attributes["containers"][0]["name"] == "burner"
