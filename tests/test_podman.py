"""A Podman engine in a real Home Assistant, through a real Podman's Docker-compatible API (podman 4.3).

Podman differs from dockerd where this checks: /version names the "Podman
Engine"; health checks run only when something runs them (systemd timers on
a host; ``podman healthcheck run`` here, as the timer does); pods exist (their
containers keep their own devices, the pod is an attribute); the stats leave
out the engine's previous CPU sample; an image it imported is named
``localhost/...``. Every expectation is checked against ``podman inspect``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import shutil
import tempfile
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
import pytest_socket

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.monitors.docker.coordinator import container_identifier

from .peers import PodmanEngine, Registry

KEEP_RUNNING = "trap 'exit 0' TERM; while :; do sleep 1; done"


@pytest.fixture
def podman(socket_enabled: None) -> Iterator[PodmanEngine]:
    """A Podman API service with the busybox image (a few seconds)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    directory = Path(tempfile.mkdtemp(prefix="hs-podman-"))
    engine = PodmanEngine(directory).start()
    try:
        engine.import_busybox()
        yield engine
    finally:
        engine.cli("rm", "-af", "-t", "0", check=False)
        engine.cli("pod", "rm", "-af", check=False)
        engine.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _state(hass: HomeAssistant, entry: Any, key: str, name: str, platform: str = "sensor") -> Any:
    unique_id = f"{entry.unique_id}_{key}" + (f"_{name}" if name else "")
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def _refresh(hass: HomeAssistant, entry: Any) -> None:
    await entry.runtime_data.monitor.engine.async_refresh()
    await hass.async_block_till_done()


async def test_a_podman_engine_works_like_a_docker_one(hass: HomeAssistant, podman: PodmanEngine) -> None:
    """Added by its socket; states, health, pods, stats and images as Podman says them."""
    podman.run_container("web", "--health-cmd", "test -e /ok", "--health-interval", "1h", "--health-retries", "1")
    podman.run_container("broken", command="exit 3")
    podman.cli("pod", "create", "--infra=false", "--name", "shop")
    podman.run_container("cart", "--pod", "shop")

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "docker"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": podman.url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done(wait_background_tasks=True)
    info = podman.cli("info", "--format", "{{.Host.Hostname}}").stdout.strip()
    assert entry.title == f"Podman {info}"
    devices = dr.async_get(hass)
    engine = devices.async_get_device_by_identifier((DOMAIN, str(entry.unique_id)), entry.entry_id)
    assert engine is not None
    assert (engine.manufacturer, engine.model) == ("Podman", "Podman Engine")

    for name in ("web", "broken", "cart"):
        inspected = podman.inspect(name)
        assert _state(hass, entry, "container_state", name).state == inspected["State"]["Status"], name
    assert _state(hass, entry, "container_state", "cart").attributes["pod"] == "shop"
    assert "pod" not in _state(hass, entry, "container_state", "web").attributes
    cart = devices.async_get_device_by_identifier(container_identifier(entry, "cart"), entry.entry_id)
    assert cart is not None
    assert cart.name == "cart"
    assert _state(hass, entry, "exit_code", "broken").state == "3"
    problem = _state(hass, entry, "container_problem", "broken", "binary_sensor")
    assert (problem.state, problem.attributes["reason"]) == ("on", "exited_with_error")

    # Health: "starting" until a check runs; Podman runs them from systemd timers, here by hand.
    assert _state(hass, entry, "container_health", "web").state == "starting"
    podman.cli("healthcheck", "run", "web", check=False)  # /ok is missing: the check fails
    await _refresh(hass, entry)
    assert podman.inspect("web")["State"]["Health"]["Status"] == "unhealthy"
    assert _state(hass, entry, "container_health", "web").state == "unhealthy"
    podman.cli("exec", "web", "touch", "/ok")
    podman.cli("healthcheck", "run", "web")
    await _refresh(hass, entry)
    assert _state(hass, entry, "container_health", "web").state == "healthy"

    # Stats: Podman's first answer has no previous CPU sample: unknown, never a made-up 0.
    usage = entry.runtime_data.monitor.usage
    await usage.async_refresh()
    await hass.async_block_till_done()
    sample = usage.data.samples["web"]
    assert sample.memory_used is not None
    assert sample.memory_used > 0
    await usage.async_refresh()
    await hass.async_block_till_done()
    assert usage.data.samples["web"].cpu_percent is not None  # from the previous read of our own

    # Its imported image names no registry (localhost/): not applicable, never "update available".
    image = _state(hass, entry, "image_update", "web", "update")
    assert (image.state, image.attributes["not_applicable"]) == ("off", "local")
    assert entry.runtime_data.monitor.images.client.requests_sent == 0

    # Stop and kill, as podman inspect then says.
    podman.cli("stop", "-t", "1", "cart")
    podman.cli("kill", "web")
    await _refresh(hass, entry)  # Podman may still say "stopped" (its own state) here: read as exited, never a failure
    assert _state(hass, entry, "engine_reachable", "", "binary_sensor").state == "on"
    podman.cli("wait", "web", check=False)
    await _refresh(hass, entry)
    for name in ("web", "cart"):
        assert _state(hass, entry, "container_state", name).state == podman.inspect(name)["State"]["Status"], name
    assert _state(hass, entry, "container_state", "web").state == "exited"
    assert await hass.config_entries.async_unload(entry.entry_id)


def _index(podman: PodmanEngine, registry: Registry, name: str, amd64: str, arm64: str) -> None:
    """Push a two-platform index (``podman manifest``) under ``name``, from two local images."""
    local = f"localhost/index-{abs(hash((amd64, arm64)))}:1"
    podman.cli("manifest", "create", local)
    podman.cli("manifest", "add", "--os", "linux", "--arch", "amd64", local, f"containers-storage:{amd64}")
    podman.cli("manifest", "add", "--os", "linux", "--arch", "arm64", local, f"containers-storage:{arm64}")
    podman.cli("manifest", "push", "--all", "--tls-verify=false", local, f"docker://{registry.host}/{name}")


def _variant(podman: PodmanEngine, tag: str, text: str) -> None:
    """A local image of its own: busybox and one file."""
    podman.run_container(f"make-{text}", command=f"echo {text} > /variant")
    podman.cli("wait", f"make-{text}")
    podman.cli("commit", f"make-{text}", tag)
    podman.cli("rm", f"make-{text}")


async def test_a_multi_platform_index_is_compared_by_this_machine_s_platform(
    hass: HomeAssistant, podman: PodmanEngine
) -> None:
    """Another platform's new image is no update here; this platform's is (Podman keeps the platform's digest)."""
    registry = Registry(Path(tempfile.mkdtemp(prefix="hs-registry-"))).start()
    try:
        for text in ("amd-1", "arm-1", "arm-2", "amd-2"):
            _variant(podman, f"localhost/{text}:1", text)
        tag = f"{registry.host}/hs/multi:1"
        _index(podman, registry, "hs/multi:1", "localhost/amd-1:1", "localhost/arm-1:1")
        podman.cli("pull", "--tls-verify=false", tag)
        podman.cli("run", "-d", "--network", "none", "--name", "multi", tag, "sh", "-c", KEEP_RUNNING)
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "docker"})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"url": podman.url})
        entry = result["result"]
        await hass.async_block_till_done(wait_background_tasks=True)
        assert _state(hass, entry, "image_update", "multi", "update").state == "off"

        async def check() -> Any:
            images = entry.runtime_data.monitor.images
            images._by_reference.clear()
            await images.async_refresh()
            await hass.async_block_till_done()
            return _state(hass, entry, "image_update", "multi", "update")

        client = entry.runtime_data.monitor.images.client
        sent = client.requests_sent
        _index(podman, registry, "hs/multi:1", "localhost/amd-1:1", "localhost/arm-2:1")  # arm64 only
        state = await check()
        assert (state.state, state.attributes["error"]) == ("off", None)
        assert client.requests_sent == sent + 2  # the HEAD (a new index digest), then the index itself
        _index(podman, registry, "hs/multi:1", "localhost/amd-2:1", "localhost/arm-2:1")  # this platform's
        assert (await check()).state == "on"
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        registry.stop()
        shutil.rmtree(registry.directory, ignore_errors=True)


async def test_podman_s_events_show_a_kill_and_a_failing_check_within_seconds(
    hass: HomeAssistant, podman: PodmanEngine
) -> None:
    """Its event stream (kill, die, health_status) refreshes the state at once: the poll here waits an hour."""
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.homesentry.const import CONF_KIND, CONF_URL, MonitorKind
    from custom_components.homesentry.monitors.docker.options import DEFAULT_DOCKER_OPTIONS

    from .test_containers import _until

    podman.run_container("web")
    podman.run_container("db", "--health-cmd", "test -e /ok", "--health-interval", "1h", "--health-retries", "1")
    engine_id = podman.cli("info", "--format", "{{.Host.Hostname}}").stdout.strip()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Podman {engine_id}",
        unique_id=f"docker_podman_{engine_id}",
        data={CONF_KIND: MonitorKind.DOCKER.value, CONF_URL: podman.url},
        options={**DEFAULT_DOCKER_OPTIONS, "scan_interval": 3600},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    podman.cli("kill", "web")
    took = await _until(lambda: _state(hass, entry, "container_state", "web").state == "exited", 5)
    assert took < 5
    podman.cli("healthcheck", "run", "db", check=False)
    await _until(lambda: _state(hass, entry, "container_health", "db").state == "unhealthy", 5)
    assert await hass.config_entries.async_unload(entry.entry_id)
