"""Health: what judging a device costs, in a real Home Assistant.

Run from the repository root:  .venv/bin/python -m benchmarks.health_eval

A Home Assistant core (pytest-homeassistant-custom-component's test instance,
no HTTP) sets up This server on this machine (real /proc and /sys). Measured:

- one ``HealthTracker.evaluate`` (every entity of the entry judged against the
  rules and thresholds, grace bookkeeping, the Health sensor written if it
  changed), median of RUNS;
- one whole poll cycle of the server with its Health tracker following the
  state changes it causes, against the same cycle with the tracker's
  listener removed: the difference is what health costs per cycle.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
import statistics
import tempfile
import time
from typing import Any

from homeassistant import loader
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_test_home_assistant

from benchmarks.contained import contain
from custom_components.homesentry.const import CONF_KIND, CONF_SCAN_INTERVAL, DOMAIN, MonitorKind
from custom_components.homesentry.monitors.host.const import CONF_MACHINE_ID
from custom_components.homesentry.probes.host import read_machine_id

RUNS = 300
CYCLES = 40


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def _cycle_ms(hass: HomeAssistant, entry: Any) -> float:
    """One poll cycle of the server, entities written and listeners run, in ms."""
    await asyncio.sleep(0.5)  # values move between cycles, as they do 30 s apart
    start = time.perf_counter()
    await entry.runtime_data.monitor.host.async_refresh()
    await hass.async_block_till_done()
    return (time.perf_counter() - start) * 1000


async def main() -> None:
    config = tempfile.mkdtemp(prefix="hs-bench-health-")
    (Path(config) / "custom_components").symlink_to(Path.cwd() / "custom_components")
    async with async_test_home_assistant(config_dir=config) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        machine_id = await hass.async_add_executor_job(read_machine_id, Path("/etc"))
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="bench",
            unique_id=f"host_{machine_id}",
            data={CONF_KIND: MonitorKind.HOST.value, "name": "bench", CONF_MACHINE_ID: machine_id},
            options={CONF_SCAN_INTERVAL: 3600},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        tracker = entry.runtime_data.health
        entities = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))

        samples = []
        for _ in range(RUNS):
            start = time.perf_counter()
            tracker.evaluate()
            samples.append(time.perf_counter() - start)
        print(f"evaluate ({entities} entities of This server): {_median_ms(samples):.3f} ms")

        changes = 0

        def count(_: Any) -> None:
            nonlocal changes
            changes += 1

        # Cycles with the tracker judging, and with its judging switched off (its listener still filters
        # the events), alternated so that warm-up and load drift fall on both alike.
        judge_on, judge_off = tracker.evaluate, lambda: None
        stop = hass.bus.async_listen(EVENT_STATE_CHANGED, count)
        with_health: list[float] = []
        without: list[float] = []
        for _ in range(CYCLES):
            tracker.evaluate = judge_off  # type: ignore[method-assign]
            without.append(await _cycle_ms(hass, entry))
            tracker.evaluate = judge_on  # type: ignore[method-assign]
            with_health.append(await _cycle_ms(hass, entry))
        stop()
        print(f"state changes per cycle: {changes / (2 * CYCLES):.1f}")
        print(
            f"poll cycle with health: {statistics.median(with_health):.2f} ms, "
            f"without: {statistics.median(without):.2f} ms"
        )
        await hass.config_entries.async_unload(entry.entry_id)


if __name__ == "__main__":
    contain()
    try:
        asyncio.run(main())
    finally:
        for directory in Path(tempfile.gettempdir()).glob("hs-bench-health-*"):
            shutil.rmtree(directory, ignore_errors=True)
