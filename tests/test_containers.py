"""Docker in a real Home Assistant, against a real dockerd (tests/peers.py: DockerEngine).

Every expectation is checked against what ``docker inspect`` says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import logging
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesentry import async_remove_config_entry_device
from custom_components.homesentry.const import CONF_KIND, CONF_SCAN_INTERVAL, CONF_URL, DOMAIN, MonitorKind
from custom_components.homesentry.diagnostics import async_get_config_entry_diagnostics
from custom_components.homesentry.monitors.docker.const import CONF_CONTROL, CONF_REMOVE_AFTER_HOURS
from custom_components.homesentry.monitors.docker.options import DEFAULT_DOCKER_OPTIONS

from .peers import DockerEngine

# Shells that end at once on SIGTERM keep stops and restarts quick.
HEALTH_FILE = "touch /ok; trap 'exit 0' TERM; while :; do sleep 1; done"


def _entry(engine: DockerEngine, **options: Any) -> MockConfigEntry:
    engine_id = engine.cli("info", "--format", "{{.ID}}").stdout.strip()
    return MockConfigEntry(
        domain=DOMAIN,
        title="Docker nas",
        unique_id=f"docker_{engine_id}",
        data={CONF_KIND: MonitorKind.DOCKER.value, CONF_URL: engine.url},
        options={**DEFAULT_DOCKER_OPTIONS, **options},
    )


async def _setup(hass: HomeAssistant, entries: list[MockConfigEntry], entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    entries.append(entry)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _entity_id(hass: HomeAssistant, entry: MockConfigEntry, key: str, name: str = "", platform: str = "sensor") -> str:
    unique_id = f"{entry.unique_id}_{key}" + (f"_{name}" if name else "")
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


def _state(hass: HomeAssistant, entry: MockConfigEntry, key: str, name: str = "", platform: str = "sensor") -> Any:
    state = hass.states.get(_entity_id(hass, entry, key, name, platform))
    assert state is not None
    return state


def _device(hass: HomeAssistant, entry: MockConfigEntry, container: str = "") -> dr.DeviceEntry | None:
    """The engine's device, or a container's."""
    identifier = str(entry.unique_id) + (f"_{container}" if container else "")
    return dr.async_get(hass).async_get_device_by_identifier((DOMAIN, identifier), entry.entry_id)


def _is(hass: HomeAssistant, entity_id: str, value: str) -> bool:
    """The entity exists and has this state."""
    state = hass.states.get(entity_id)
    return state is not None and state.state == value


async def _until(condition: Callable[[], bool], seconds: float = 15.0) -> float:
    """Wait (letting Home Assistant run) until ``condition`` holds; return how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def _wait_inspect(engine: DockerEngine, name: str, check: Callable[[dict[str, Any]], bool]) -> None:
    """Wait until docker inspect shows ``check``; the CLI runs off the event loop."""
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + 30
    while not check(await loop.run_in_executor(None, engine.inspect, name)):
        assert time.monotonic() < deadline, f"{name} never got there"
        await asyncio.sleep(0.2)


def _assert_as_inspected(hass: HomeAssistant, entry: MockConfigEntry, engine: DockerEngine, name: str) -> None:
    """A container's entities say what docker inspect says."""
    inspected = engine.inspect(name)
    state = _state(hass, entry, "container_state", name)
    assert state.state == inspected["State"]["Status"], name
    assert state.attributes["device_class"] == "enum"
    assert _state(hass, entry, "restart_count", name).state == str(inspected["RestartCount"])
    assert _state(hass, entry, "image", name).state == engine.image
    health = inspected["State"].get("Health", {}).get("Status", "none")
    assert _state(hass, entry, "container_health", name).state == health
    running = _state(hass, entry, "container_running", name, "binary_sensor").state
    assert running == ("on" if inspected["State"]["Running"] else "off")
    started = _state(hass, entry, "started_at", name)
    if inspected["State"]["Running"]:
        docker_started = dt_util.parse_datetime(inspected["State"]["StartedAt"][:26] + "Z")
        assert docker_started is not None
        assert dt_util.parse_datetime(started.state) == docker_started.replace(microsecond=0)
    else:
        assert started.state == "unknown"


async def test_a_newcomer_sees_every_container_as_docker_inspect_does(
    hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry]
) -> None:
    engine.run_container("web", "--network", "none", "--health-cmd", "true", "--health-interval", "1s")
    engine.run_container("sick", "--network", "none", "--health-cmd", "echo db down; exit 1", "--health-interval", "1s")
    engine.run_container("crash", "--network", "none", "--restart", "on-failure:5", command="sleep 0.3; exit 3")
    engine.run_container(
        "burner", "--network", "none", "--memory", "64m",
        command="dd if=/dev/zero of=/dev/shm/fill bs=1M count=20; while :; do :; done",
    )  # fmt: skip
    await _wait_inspect(engine, "sick", lambda i: i["State"]["Health"]["Status"] == "unhealthy")
    await _wait_inspect(engine, "web", lambda i: i["State"]["Health"]["Status"] == "healthy")
    await _wait_inspect(engine, "crash", lambda i: i["State"]["Status"] == "exited" and i["RestartCount"] == 5)
    entry = await _setup(hass, entries, _entry(engine))
    assert entry.state is ConfigEntryState.LOADED

    # The engine's device.
    version = engine.cli("version", "--format", "{{.Server.Version}}").stdout.strip()
    assert _state(hass, entry, "engine_version").state == version
    assert _state(hass, entry, "containers_running").state == "3"
    assert _state(hass, entry, "containers_stopped").state == "1"
    assert _state(hass, entry, "containers_total").state == "4"
    assert _state(hass, entry, "images").state == "1"
    reachable = _state(hass, entry, "engine_reachable", platform="binary_sensor")
    assert reachable.state == "on"
    assert reachable.attributes["device_class"] == "connectivity"

    # A device per container, through the engine, with the image as its model.
    engine_device = _device(hass, entry)
    assert engine_device is not None
    assert engine_device.sw_version == version
    web_device = _device(hass, entry, "web")
    assert web_device is not None
    assert web_device.name == "web"
    assert web_device.model == engine.image
    assert web_device.via_device_id == engine_device.id
    assert _entity_id(hass, entry, "container_state", "web") == "sensor.web_state"  # named in plain words

    for name in ("web", "sick", "crash", "burner"):
        _assert_as_inspected(hass, entry, engine, name)
    assert _state(hass, entry, "exit_code", "crash").state == "3"
    assert _state(hass, entry, "exit_code", "web").state == "unknown"  # never exited

    # Problems, with the reason a user reads.
    problem = _state(hass, entry, "container_problem", "sick", "binary_sensor")
    assert problem.state == "on"
    assert problem.attributes["device_class"] == "problem"
    assert problem.attributes["reason"] == "unhealthy"
    assert problem.attributes["health_output"] == "db down"
    crash = _state(hass, entry, "container_problem", "crash", "binary_sensor")
    assert crash.state == "on"
    assert crash.attributes["reason"] == "exited_with_error"
    assert crash.attributes["exit_code"] == 3
    assert _state(hass, entry, "container_problem", "web", "binary_sensor").state == "off"
    assert _state(hass, entry, "container_problem", "burner", "binary_sensor").state == "off"

    # Resources: the first stats read comes right after setup.
    await _until(lambda: hass.states.get("sensor.burner_cpu") is not None)
    await _until(lambda: hass.states.get("sensor.burner_cpu").state not in {"unknown", "unavailable"})
    cpu = hass.states.get("sensor.burner_cpu")
    assert 60 <= float(cpu.state) <= 105  # one busy core = 100 %, as docker stats shows it
    assert cpu.attributes["unit_of_measurement"] == "%"
    assert cpu.attributes["state_class"] == "measurement"
    memory = _state(hass, entry, "container_memory_used", "burner")
    assert memory.attributes["unit_of_measurement"] == "MiB"
    assert 20 <= float(memory.state) <= 64
    assert 30 <= float(_state(hass, entry, "container_memory_percent", "burner").state) <= 100
    # Stored as a figure, not a float's every digit (an idle one of the host's memory was 0.00128019269654928).
    await _until(lambda: hass.states.get("sensor.web_memory_of_limit") is not None)
    shares = [s.state for s in hass.states.async_all("sensor") if s.entity_id.endswith("_memory_of_limit")]
    assert shares
    assert all(len(share.partition(".")[2]) <= 2 for share in shares), shares
    assert _state(hass, entry, "container_cpu", "crash").state == "0"  # not running: uses nothing

    # Noisy ones start disabled; control is off, so there is no restart button.
    registry = er.async_get(hass)
    network = registry.async_get(_entity_id(hass, entry, "container_network_in", "web"))
    assert network is not None
    assert network.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert registry.async_get_entity_id("button", DOMAIN, f"{entry.unique_id}_container_restart_web") is None

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["docker_engine"]["data"]["engine"]["containers"]["sick"]["health_output"] == "**REDACTED**"
    assert diagnostics["docker_engine"]["data"]["reachable"] is True
    engine.cli("rm", "-f", "burner")  # the busy core would slow the rest of the run


async def test_events_show_a_dying_or_unhealthy_container_within_seconds(
    hass: HomeAssistant,
    engine: DockerEngine,
    entries: list[MockConfigEntry],
    record_property: Callable[[str, object], None],
) -> None:
    engine.run_container("web", "--network", "none")
    engine.run_container("db", "--network", "none", "--health-cmd", "test -f /ok", "--health-interval", "1s",
                         command=HEALTH_FILE)  # fmt: skip
    await _wait_inspect(engine, "db", lambda i: i["State"]["Health"]["Status"] == "healthy")
    # The poll is an hour away: only the event stream can tell.
    entry = await _setup(hass, entries, _entry(engine, **{CONF_SCAN_INTERVAL: 3600}))
    assert _state(hass, entry, "container_state", "web").state == "running"

    engine.cli("kill", "web")
    took = await _until(lambda: _state(hass, entry, "container_state", "web").state == "exited", 5)
    assert took < 3
    record_property("kill_to_state_ms", round(took * 1000))  # in pytest_results.json, for the README figure
    assert _state(hass, entry, "exit_code", "web").state == "137"
    assert _state(hass, entry, "container_running", "web", "binary_sensor").state == "off"
    # A kill is how docker stop ends a container too: not a problem by itself.
    assert _state(hass, entry, "container_problem", "web", "binary_sensor").state == "off"

    engine.cli("exec", "db", "rm", "/ok")
    await _until(lambda: _state(hass, entry, "container_health", "db").state == "unhealthy", 10)
    problem = _state(hass, entry, "container_problem", "db", "binary_sensor")
    assert problem.state == "on"
    assert problem.attributes["reason"] == "unhealthy"

    # Killed by the kernel for memory: exit 137 like a docker stop, but a problem.
    engine.run_container("hog", "--network", "none", "--memory", "16m", "--memory-swap", "16m",
                         command="x=a; while :; do x=$x$x; done")  # fmt: skip
    await _until(lambda: _is(hass, "sensor.hog_state", "exited"), 10)
    hog = _state(hass, entry, "container_problem", "hog", "binary_sensor")
    assert hog.state == "on"
    assert hog.attributes["reason"] == "out_of_memory"
    assert _state(hass, entry, "exit_code", "hog").state == "137"

    # Restarting again and again: a crash loop while it runs, restarting in between.
    engine.run_container("looper", "--network", "none", "--restart", "always", command="sleep 0.5; exit 1")
    reasons: set[str] = set()

    def looping() -> bool:
        problem = hass.states.get("binary_sensor.looper_problem")
        if problem is not None and problem.state == "on":
            reasons.add(problem.attributes["reason"])
        return "crash_loop" in reasons

    await _until(looping, 20)
    crash_loop = _state(hass, entry, "container_problem", "looper", "binary_sensor")
    assert crash_loop.attributes["restarts_last_10_minutes"] >= 3
    assert reasons <= {"crash_loop", "restarting", "exited_with_error"}
    engine.cli("rm", "-f", "looper")

    # A container created after setup gets its device and entities without a reload.
    engine.run_container("late", "--network", "none")
    await _until(lambda: hass.states.get("sensor.late_state") is not None, 5)
    assert hass.states.get("sensor.late_state").state == "running"
    await _until(lambda: hass.states.get("sensor.late_cpu") is not None, 10)


async def test_a_recreated_container_keeps_its_entities(
    hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry]
) -> None:
    first_id = engine.run_container("app", "--network", "none")
    entry = await _setup(hass, entries, _entry(engine))
    entity_id = _entity_id(hass, entry, "container_state", "app")
    device = _device(hass, entry, "app")
    assert device is not None

    engine.cli("rm", "-f", "app")  # what compose or Watchtower does
    await _until(lambda: hass.states.get(entity_id).state == "unavailable", 5)
    second_id = engine.run_container("app", "--network", "none")
    assert second_id != first_id
    await _until(lambda: hass.states.get(entity_id).state == "running", 5)
    assert _entity_id(hass, entry, "container_state", "app") == entity_id
    again = _device(hass, entry, "app")
    assert again is not None
    assert again.id == device.id
    assert _state(hass, entry, "restart_count", "app").state == "0"


async def test_vanished_containers_are_removed_after_the_grace_period_or_by_hand(
    hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry], hass_storage: dict[str, Any]
) -> None:
    engine.run_container("keep", "--network", "none")
    engine.run_container("gone", "--network", "none")
    entry = _entry(engine, **{CONF_REMOVE_AFTER_HOURS: 24})
    entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    # A container that vanished two days ago, while Home Assistant was down.
    ghost = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"{entry.unique_id}_ghost")}, name="ghost"
    )
    two_days_ago = (dt_util.utcnow() - timedelta(days=2)).isoformat()
    hass_storage[f"{DOMAIN}.{entry.entry_id}.docker"] = {
        "version": 1, "minor_version": 1, "key": f"{DOMAIN}.{entry.entry_id}.docker",
        "data": {"gone_since": {"ghost": two_days_ago}},
    }  # fmt: skip
    await _setup(hass, entries, entry)
    assert devices.async_get(ghost.id) is None  # past the grace period: removed

    engine.cli("rm", "-f", "gone")
    gone = _device(hass, entry, "gone")
    assert gone is not None
    await _until(lambda: hass.states.get("sensor.gone_state").state == "unavailable", 5)
    assert devices.async_get(gone.id) is not None  # within the grace period: kept
    assert "gone" in hass_storage[f"{DOMAIN}.{entry.entry_id}.docker"]["data"]["gone_since"]
    keep = _device(hass, entry, "keep")
    engine_device = _device(hass, entry)
    assert keep is not None
    assert engine_device is not None
    # By hand: only a container the engine no longer has may be deleted.
    assert await async_remove_config_entry_device(hass, entry, gone)
    assert not await async_remove_config_entry_device(hass, entry, keep)
    assert not await async_remove_config_entry_device(hass, entry, engine_device)


async def test_control_is_off_until_allowed_then_restart_start_and_stop_work(
    hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry]
) -> None:
    engine.run_container("web", "--network", "none")
    entry = await _setup(hass, entries, _entry(engine))
    web = _device(hass, entry, "web")
    assert web is not None
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(DOMAIN, "container_restart", {"device_id": web.id}, blocking=True)
    assert refused.value.translation_key == "control_disabled"
    assert engine.inspect("web")["RestartCount"] == 0

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "docker"
    health = next(v for k, v in result["data_schema"].schema.items() if str(k) == "health").schema.schema
    grace = next(k for k in health if str(k) == "grace_minutes")
    assert grace.description["suggested_value"] == 2  # the Health section, as it stands
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**DEFAULT_DOCKER_OPTIONS, CONF_CONTROL: True, "health": {"grace_minutes": 5}}
    )
    await hass.async_block_till_done()
    assert entry.options[CONF_CONTROL] is True
    assert entry.options["health"] == {"grace_minutes": 5}
    assert entry.runtime_data.health.grace == timedelta(minutes=5)
    button = _entity_id(hass, entry, "container_restart", "web", "button")
    assert button == "button.web_restart"

    started = engine.inspect("web")["State"]["StartedAt"]
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert engine.inspect("web")["State"]["StartedAt"] != started
    await hass.services.async_call(DOMAIN, "container_stop", {"device_id": web.id}, blocking=True)
    assert engine.inspect("web")["State"]["Status"] == "exited"
    await _until(lambda: _state(hass, entry, "container_state", "web").state == "exited", 5)
    await hass.services.async_call(DOMAIN, "container_start", {"device_id": [web.id]}, blocking=True)
    assert engine.inspect("web")["State"]["Status"] == "running"
    await hass.services.async_call(DOMAIN, "container_restart", {"device_id": web.id}, blocking=True)

    engine_device = _device(hass, entry)
    assert engine_device is not None
    with pytest.raises(ServiceValidationError) as wrong:
        await hass.services.async_call(DOMAIN, "container_stop", {"device_id": engine_device.id}, blocking=True)
    assert wrong.value.translation_key == "not_a_container"
    engine.cli("rm", "-f", "web")
    with pytest.raises(HomeAssistantError) as missing:
        await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert missing.value.translation_key == "container_not_found"


async def test_engine_going_away_and_coming_back(
    hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry], caplog: pytest.LogCaptureFixture
) -> None:
    engine.run_container("web", "--network", "none", "--restart", "always")
    entry = await _setup(hass, entries, _entry(engine, **{CONF_SCAN_INTERVAL: 3600}))
    await _until(lambda: hass.states.get("sensor.web_cpu") is not None)
    caplog.set_level(logging.INFO, logger="custom_components.homesentry")

    engine.stop()
    await _until(lambda: _state(hass, entry, "engine_reachable", platform="binary_sensor").state == "off", 10)
    assert _state(hass, entry, "container_state", "web").state == "unavailable"
    assert _state(hass, entry, "containers_running").state == "unavailable"
    await _until(lambda: hass.states.get("sensor.web_cpu").state == "unavailable", 70)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "cannot read" in r.getMessage()]
    assert len(warnings) == 1  # one line, however long the engine is away

    engine.start()  # "always" brings web back with the engine
    await _until(lambda: _state(hass, entry, "engine_reachable", platform="binary_sensor").state == "on", 20)
    await _until(lambda: _state(hass, entry, "container_state", "web").state == "running", 20)
    assert any("reading containers again" in r.getMessage() for r in caplog.records)
    assert len([r for r in caplog.records if r.levelno == logging.WARNING and "cannot read" in r.getMessage()]) == 1


async def test_setup_waits_for_an_engine_that_is_not_there(
    hass: HomeAssistant, engine: DockerEngine, entries: list[MockConfigEntry]
) -> None:
    entry = _entry(engine)
    entry.add_to_hass(hass)
    entries.append(entry)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_URL: f"unix://{engine.directory}/no.sock"})
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "cannot be reached" in entry.reason
