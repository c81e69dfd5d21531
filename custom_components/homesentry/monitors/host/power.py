"""The server's own power (This server): measured where the hardware tells, estimated where not, and its cost.

One coordinator beside the host's, at the same interval, one executor job per
cycle (``PowerProbe``). On the event loop it then picks the server's power:

1. a Home Assistant power entity measuring the whole server (a smart plug, a
   UPS that feeds only this server) - *measured*;
2. RAPL's *psys* platform counter, or the battery while it discharges -
   *measured*;
3. otherwise the model (``probes/power_model.py``), *calibrated* once a
   measurement has been seen (each measured cycle is a calibration sample),
   else *estimated* from the machine class's defaults.

Energy is integrated from that power (no energy across a gap longer than three
intervals); cost adds each interval's energy times the price at that moment
(a fixed price, or an entity holding the current price). Totals, today's and
this month's cost, and the calibration samples are kept in a Store.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import logging
from pathlib import Path
import shutil
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ... import world
from ...const import CONF_POWER, DOMAIN, MACHINE_AUTO
from ...coordinator import SubscribingCoordinator, entry_store
from ...energy import EnergyMeter
from ...probes.power import PowerProbe, PowerReadings, PowerSample
from ...probes.power_model import DEFAULTS, Calibration, MachineClass, ModelParameters, estimate, pearson
from .options import HostOptions, PowerOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

MAX_GAP_INTERVALS: Final = 3
PRIME_SECONDS: Final = 0.25
ISSUE_RAPL: Final = "rapl_permission"
CORRELATION_SECONDS: Final = 3600
WATTS_PER_UNIT: Final = {UnitOfPower.WATT: 1.0, UnitOfPower.KILO_WATT: 1000.0, UnitOfPower.MILLIWATT: 0.001}


class PowerCategory(StrEnum):
    """What the power coordinator collects."""

    POWER = "power"
    ATTRIBUTION = "attribution"  # per-process CPU (a process scan per cycle)


class Source(StrEnum):
    """Where the server's power figure comes from."""

    MEASURED = "measured"
    CALIBRATED = "calibrated"
    ESTIMATED = "estimated"


@dataclass(frozen=True, slots=True)
class PowerSnapshot:
    """The server's power this cycle and everything derived from it."""

    watts: float | None
    source: Source
    measured_by: str | None
    modelled: float | None
    energy_kwh: float
    cost_today: float | None
    cost_month: float | None
    currency: str
    sample: PowerSample
    fit: Mapping[str, Any] = field(default_factory=dict)
    correlation: float | None = None
    processes: tuple[tuple[str, float], ...] = ()  # name, watts
    containers: tuple[tuple[str, float], ...] = ()


def detect_machine(procfs_root: Path, sysfs_root: Path) -> MachineClass:
    """The machine class from the device tree (Raspberry Pi) or the CPU model (N100), else a desktop."""
    for path in (procfs_root / "device-tree" / "model", sysfs_root / "firmware" / "devicetree" / "base" / "model"):
        try:
            model = path.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "Raspberry Pi 5" in model:
            return MachineClass.RASPBERRY_PI_5
        if "Raspberry Pi 4" in model:
            return MachineClass.RASPBERRY_PI_4
    try:
        cpuinfo = (procfs_root / "cpuinfo").read_text(errors="replace")
    except OSError:
        cpuinfo = ""
    if "N100" in cpuinfo or "N97" in cpuinfo:
        return MachineClass.INTEL_N100
    return MachineClass.DESKTOP


def model_parameters(section: Mapping[str, Any], machine: MachineClass) -> ModelParameters:
    """The model's parameters: the machine class's defaults, overridden by what the user set (the power section)."""
    options = PowerOptions.of(section)
    base = DEFAULTS[machine]
    idle = options.idle_watts or base.idle_watts
    maximum = options.max_watts or base.max_watts
    return ModelParameters(
        idle_watts=idle,
        max_watts=max(maximum, idle),
        disk_idle_watts=options.hdd_idle_watts,
        disk_active_watts=options.hdd_active_watts,
    )


class PowerCoordinator(SubscribingCoordinator[PowerSnapshot, PowerCategory]):
    """The server's power, energy, cost and who uses it."""

    all_categories = frozenset(PowerCategory)

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's power options; its entities are on This server's device."""
        interval = int(HostOptions.of(config_entry.options).scan_interval)
        super().__init__(hass, config_entry, f"power {config_entry.title}", interval, device_info)
        self.section: Mapping[str, Any] = config_entry.options.get(CONF_POWER, {})
        self.options = PowerOptions.of(self.section)
        self.interval = interval
        self.probe: PowerProbe | None = None
        self.machine = MachineClass.DESKTOP
        self.parameters = DEFAULTS[MachineClass.DESKTOP]
        self.calibration = Calibration()
        self.energy = EnergyMeter()
        self.store = entry_store(hass, config_entry.entry_id, "power")
        self._cost: dict[str, Any] = {"day": None, "today": 0.0, "month": None, "this_month": 0.0}
        self._history: deque[tuple[float, float]] = deque(maxlen=max(CORRELATION_SECONDS // interval, 3))
        self._rapl_denied = False

    async def async_setup(self) -> None:
        """Find the machine's counters and restore totals and calibration."""
        smi = world.NVIDIA_SMI
        self.probe = await self.hass.async_add_executor_job(
            lambda: PowerProbe(
                sysfs_root=world.SYSFS_ROOT,
                procfs_root=world.PROCFS_ROOT,
                nvidia_smi=shutil.which(smi) if smi else None,  # a PATH search: in the executor too
            )
        )
        probe = self.probe
        await self.hass.async_add_executor_job(_prime, probe)
        chosen = self.options.machine_class
        if chosen == MACHINE_AUTO:
            detected = await self.hass.async_add_executor_job(detect_machine, world.PROCFS_ROOT, world.SYSFS_ROOT)
        else:
            detected = MachineClass(chosen)
        await self.async_restore(detected)

    async def async_restore(self, machine: MachineClass) -> None:
        """Take the machine's model parameters; restore the totals, costs and calibration samples."""
        self.machine = machine
        self.parameters = model_parameters(self.section, self.machine)
        stored = await self.store.async_load() or {}
        self.energy = EnergyMeter(float(stored.get("energy_kwh", 0.0)))
        self._cost.update({k: stored[k] for k in ("day", "today", "month", "this_month") if k in stored})
        for utilisation, watts, modelled in stored.get("calibration", []):
            self.calibration.add(utilisation, watts, modelled)

    def _stored(self) -> dict[str, Any]:
        samples = list(self.calibration.samples)
        residuals = list(self.calibration.residuals)
        return {
            **self.energy.as_dict(),
            **self._cost,
            "calibration": [
                [round(u, 4), round(w, 2), round(w - r, 2)] for (u, w), r in zip(samples, residuals, strict=True)
            ],
        }

    async def async_close(self) -> None:
        """Keep the totals."""
        await self.store.async_save(self._stored())

    async def async_sample(self, wanted: frozenset[PowerCategory]) -> PowerSample:
        """The sample of the machine for this cycle (one executor job)."""
        assert self.probe is not None
        probe = self.probe
        return await self.hass.async_add_executor_job(
            lambda: probe.sample(processes=PowerCategory.ATTRIBUTION in wanted)
        )

    async def _async_cycle(self, wanted: frozenset[PowerCategory]) -> PowerSnapshot:
        sample = await self.async_sample(wanted)
        self._rapl_issue(bool(sample.readings.rapl_denied))
        now = dt_util.utcnow()
        gpu_watts = sum(g.watts for g in sample.readings.gpus if g.watts is not None)
        modelled = None
        if sample.utilisation is not None:
            modelled = estimate(self.parameters, sample.utilisation, sample.hdd_busy, gpu_watts)
        measured, measured_by = self._measured(sample.readings)
        watts, source = self._power(sample.utilisation, measured, modelled)
        added = self.energy.add(now, watts, MAX_GAP_INTERVALS * self.interval)
        self._add_cost(now, added)
        if watts is not None and sample.utilisation is not None:
            self._history.append((sample.utilisation, watts))
        self.store.async_delay_save(self._stored, 60)
        idle = self._idle_watts()
        dynamic = max((watts or 0.0) - idle, 0.0)
        names = self._container_names()
        return PowerSnapshot(
            watts=watts,
            source=source,
            measured_by=measured_by,
            modelled=modelled,
            energy_kwh=round(self.energy.kwh, 6),
            cost_today=self._cost_value("today"),
            cost_month=self._cost_value("this_month"),
            currency=self.hass.config.currency,
            sample=sample,
            fit=self._fit_attributes(),
            correlation=pearson([u for u, _ in self._history], [w for _, w in self._history]),
            processes=tuple((c.name, round(c.share * dynamic, 2)) for c in sample.processes),
            containers=tuple((names.get(c.name, c.name[:12]), round(c.share * dynamic, 2)) for c in sample.containers),
        )

    def _power(
        self, utilisation: float | None, measured: float | None, modelled: float | None
    ) -> tuple[float | None, Source]:
        """The server's power and where it comes from; a measured cycle is a calibration sample."""
        if measured is not None:
            if utilisation is not None and modelled is not None:
                self.calibration.add(utilisation, measured, modelled)
            return measured, Source.MEASURED
        if modelled is None or utilisation is None:
            return None, Source.ESTIMATED
        calibrated = self.calibration.watts(utilisation, modelled)
        return (calibrated, Source.CALIBRATED) if calibrated is not None else (modelled, Source.ESTIMATED)

    def _measured(self, readings: PowerReadings) -> tuple[float | None, str | None]:
        """The whole server's power where something measures it: an entity, psys, or the battery."""
        entity_id = self.options.power_entity
        if entity_id and (state := self.hass.states.get(entity_id)) is not None:
            unit = state.attributes.get("unit_of_measurement", UnitOfPower.WATT)
            try:
                return float(state.state) * WATTS_PER_UNIT.get(unit, 1.0), entity_id
            except ValueError:
                pass  # unavailable or unknown: fall through to the hardware or the model
        if (psys := readings.rapl.get("psys")) is not None:
            return psys, "rapl_psys"
        if readings.battery_watts is not None:
            return readings.battery_watts, "battery"
        return None, None

    def _idle_watts(self) -> float:
        fit = self.calibration.fit
        return max(fit.watts(0.0), 0.0) if fit is not None else self.parameters.idle_watts

    def _fit_attributes(self) -> Mapping[str, Any]:
        fit = self.calibration.fit
        if fit is None:
            return {"samples": len(self.calibration.samples)}
        return {"r_squared": fit.r_squared, "rmse_watts": fit.rmse_watts, "samples": fit.samples}

    def _price(self) -> float | None:
        if entity_id := self.options.price_entity:
            state = self.hass.states.get(entity_id)
            try:
                return float(state.state) if state is not None else None
            except ValueError:
                return None
        return self.options.price

    def _add_cost(self, now: datetime, kwh: float) -> None:
        local = dt_util.as_local(now)
        day, month = local.date().isoformat(), local.strftime("%Y-%m")
        if self._cost["day"] != day:
            self._cost.update(day=day, today=0.0)
        if self._cost["month"] != month:
            self._cost.update(month=month, this_month=0.0)
        price = self._price()
        if price is not None and kwh > 0:
            self._cost["today"] += kwh * price
            self._cost["this_month"] += kwh * price

    def _cost_value(self, key: str) -> float | None:
        if self._price() is None:
            return None
        return round(float(self._cost[key]), 4)

    def _container_names(self) -> dict[str, str]:
        """Container ids to names, from the entries of this Home Assistant that see containers (a Docker engine)."""
        names: dict[str, str] = {}
        for entry in self.hass.config_entries.async_loaded_entries(DOMAIN):
            names |= entry.runtime_data.runtime.container_names()
        return names

    def _rapl_issue(self, denied: bool) -> None:
        issue_id = f"{ISSUE_RAPL}_{self.config_entry.entry_id}"
        if denied and not self._rapl_denied:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_RAPL,
            )
        elif not denied and self._rapl_denied:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        self._rapl_denied = denied


def _prime(probe: PowerProbe) -> None:
    """A first sample, so the first cycle already has rates (CPU, disks, RAPL, processes)."""
    probe.sample(processes=True)
    time.sleep(PRIME_SECONDS)


async def async_setup_power(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device_info: DeviceInfo
) -> PowerCoordinator:
    """Find the counters, restore, and read once."""
    coordinator = PowerCoordinator(hass, entry, device_info)
    await coordinator.async_setup()
    entry.async_on_unload(coordinator.async_close)
    await coordinator.async_config_entry_first_refresh()
    return coordinator
