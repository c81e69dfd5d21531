"""The Docker probe against a real dockerd (tests/peers.py: DockerEngine)."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import os
from pathlib import Path
import queue
import subprocess
import sys
import threading
import time

import pytest

from custom_components.homesentry.probes.docker import (
    ContainerAction,
    ContainerNotFound,
    ContainerState,
    EngineEvent,
    EngineNotFound,
    EngineUnreachable,
    EventFollower,
    Health,
    InvalidEngineUrl,
    NotAnEngine,
    act,
    check_engine,
    normalize_url,
    open_client,
    parse_usage,
    read_engine,
    read_info,
    read_usages,
)

from ..peers import DockerEngine, free_port, need

ROOT = Path(__file__).resolve().parents[2]


def _wait(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@contextlib.contextmanager
def _web_server() -> Iterator[int]:
    """A plain HTTP server that is not Docker: every path is 404."""

    class NotFoundHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFoundHandler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_check_engine_names_the_engine_and_every_kind_of_bad_address(engine: DockerEngine) -> None:
    info = check_engine(str(engine.socket))  # a bare path works
    docker_info = engine.cli("info", "--format", "{{.ID}} {{.Name}} {{.ServerVersion}}").stdout.split()
    assert [info.id, info.name, info.version] == docker_info
    assert info.api_version
    with pytest.raises(EngineNotFound):
        check_engine(str(engine.directory / "missing.sock"))
    with pytest.raises(InvalidEngineUrl):
        check_engine("ssh://nas")
    with pytest.raises(EngineUnreachable):
        check_engine(f"tcp://127.0.0.1:{free_port('127.0.0.1')}")
    with _web_server() as port, pytest.raises(NotAnEngine):
        check_engine(f"http://127.0.0.1:{port}")


def test_normalize_url() -> None:
    assert normalize_url(" /run/docker.sock ") == "unix:///run/docker.sock"
    assert normalize_url("tcp://10.0.0.2:2375") == "tcp://10.0.0.2:2375"
    for bad in ("", "docker.sock", "unix://", "tcp://", "ftp://host"):
        with pytest.raises(InvalidEngineUrl):
            normalize_url(bad)


def test_permission_denied_for_a_user_outside_the_docker_group(engine: DockerEngine) -> None:
    """Root is never refused, so the probe runs as nobody, the way a non-root HA would."""
    setpriv = need("setpriv")
    # The probe module alone (it imports nothing of Home Assistant), not the integration package.
    script = (
        "import importlib.util as u\n"
        f"spec = u.spec_from_file_location('probe', {str(ROOT / 'custom_components/homesentry/probes/docker.py')!r})\n"
        "import sys\nprobe = sys.modules['probe'] = u.module_from_spec(spec)\nspec.loader.exec_module(probe)\n"
        f"try:\n    probe.check_engine({str(engine.socket)!r})\nexcept probe.EnginePermissionDenied:\n"
        "    raise SystemExit(7)\n"
    )
    result = subprocess.run(
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", script],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert oct(engine.socket.stat().st_mode & 0o777) == "0o660"
    assert result.returncode == 7, result.stderr


def test_containers_read_as_docker_inspect_says(engine: DockerEngine) -> None:
    engine.run_container("web", "--network", "none", "--health-cmd", "true", "--health-interval", "1s")
    engine.run_container("sick", "--network", "none", "--health-cmd", "echo db down; exit 1", "--health-interval", "1s")
    engine.run_container("crash", "--network", "none", "--restart", "on-failure:2", command="sleep 0.2; exit 3")
    engine.run_container("plain", "--network", "none")
    engine.cli("create", "--name", "fresh", "--network", "none", engine.image)
    _wait(lambda: engine.inspect("sick")["State"]["Health"]["Status"] == "unhealthy")
    _wait(lambda: engine.inspect("web")["State"]["Health"]["Status"] == "healthy")
    _wait(
        lambda: engine.inspect("crash")["State"]["Status"] == "exited" and engine.inspect("crash")["RestartCount"] == 2
    )
    client = open_client(engine.url)
    snapshot = read_engine(client, read_info(client))
    assert list(snapshot.containers) == ["crash", "fresh", "plain", "sick", "web"]
    for name, container in snapshot.containers.items():
        inspected = engine.inspect(name)
        assert container.id == inspected["Id"]
        assert container.state == inspected["State"]["Status"]
        assert container.restart_count == inspected["RestartCount"]
        assert container.exit_code == inspected["State"]["ExitCode"]
        assert container.image == engine.image
        assert container.health == inspected["State"].get("Health", {}).get("Status", "none")
    assert snapshot.containers["web"].health == Health.HEALTHY
    assert snapshot.containers["sick"].health == Health.UNHEALTHY
    assert snapshot.containers["sick"].health_output == "db down"
    assert snapshot.containers["crash"].state == ContainerState.EXITED
    assert snapshot.containers["crash"].exit_code == 3
    assert snapshot.containers["fresh"].state == ContainerState.CREATED
    assert snapshot.containers["fresh"].started_at is None
    assert snapshot.containers["plain"].started_at is not None
    assert (snapshot.running, snapshot.stopped, snapshot.images) == (3, 2, 1)

    # A poll inspects again only what the list shows changed, or what an event named.
    info = snapshot.info
    again = read_engine(client, info, snapshot)
    assert again.containers["plain"] is snapshot.containers["plain"]
    named = read_engine(client, info, snapshot, ["plain"])
    assert named.containers["plain"] is not snapshot.containers["plain"]
    assert named.containers["plain"] == snapshot.containers["plain"]
    engine.cli("stop", "plain")
    stopped = read_engine(client, info, again)
    assert stopped.containers["plain"].state == ContainerState.EXITED
    assert stopped.containers["plain"].exit_code == 0  # its shell ends on SIGTERM
    assert stopped.containers["web"] is snapshot.containers["web"]
    client.close()


def test_cpu_memory_and_network_of_running_containers(engine: DockerEngine) -> None:
    # One core busy, 20 MiB in tmpfs (charged to the container), a 64 MiB limit.
    engine.run_container(
        "burner", "--network", "none", "--memory", "64m",
        command="dd if=/dev/zero of=/dev/shm/fill bs=1M count=20; while :; do :; done",
    )  # fmt: skip
    engine.cli("network", "create", "--internal", "hs-test")
    try:
        engine.run_container("server", "--network", "hs-test")
        # 1000-byte pings five times a second: about 5 kB/s each way.
        engine.run_container("client", "--network", "hs-test", command="ping -i 0.2 -s 1000 server")
        engine.cli("create", "--name", "idle", "--network", "none", engine.image)
        client = open_client(engine.url)
        containers = read_engine(client, read_info(client)).containers
        first, errors = read_usages(client, containers.values(), {})
        assert errors == {}
        assert set(first) == {"burner", "server", "client"}  # the created one is not read
        time.sleep(3)
        second, _ = read_usages(client, containers.values(), first)
        burner = second["burner"]
        assert burner.cpu_percent is not None
        assert 60 <= burner.cpu_percent <= 105  # one core of 100 % per core
        assert burner.memory_limit == 64 * 1024 * 1024
        assert burner.memory_used is not None
        assert 20 * 1024 * 1024 <= burner.memory_used <= 64 * 1024 * 1024
        assert burner.memory_percent is not None
        assert 30 <= burner.memory_percent <= 100
        assert burner.rx_rate is None  # --network none: no interfaces to count
        server = second["server"]
        assert server.rx_rate is not None
        assert server.tx_rate is not None
        assert 2_000 <= server.rx_rate <= 20_000
        assert 2_000 <= server.tx_rate <= 20_000
        assert second["server"].cpu_percent is not None
        assert second["server"].cpu_percent < 20
        client.close()
    finally:
        engine.remove_all()
        engine.cli("network", "rm", "hs-test")


def _cpu(total: int, system: int) -> dict[str, object]:
    return {"cpu_usage": {"total_usage": total}, "system_cpu_usage": system, "online_cpus": 4}


def test_cgroup_v2_memory_and_a_counter_reset() -> None:
    """This machine runs cgroup v1; a v2 engine reports ``inactive_file`` (moby's v2 collector fields)."""
    raw = {
        "id": "abc",
        "read": "2026-11-23T10:00:10.000000001Z",
        "cpu_stats": {
            "cpu_usage": {"total_usage": 3_000_000_000},
            "system_cpu_usage": 40_000_000_000,
            "online_cpus": 4,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 0}, "system_cpu_usage": 0},
        "memory_stats": {
            "usage": 50_000_000,
            "stats": {"inactive_file": 10_000_000, "anon": 38_000_000},
            "limit": 100_000_000,
        },
    }
    first = parse_usage(raw, None)
    assert first.cpu_percent is None  # no earlier sample of either kind
    assert first.memory_used == 40_000_000
    assert first.memory_percent == 40.0
    later = {
        **raw,
        "read": "2026-11-23T10:00:20.000000001Z",
        "cpu_stats": {
            "cpu_usage": {"total_usage": 5_000_000_000},
            "system_cpu_usage": 80_000_000_000,
            "online_cpus": 4,
        },
    }
    second = parse_usage(later, first)
    assert second.cpu_percent == 20.0  # 2 s of CPU in 40 s of 4 CPUs' time, times 4 CPUs
    restarted = {**later, "cpu_stats": {"cpu_usage": {"total_usage": 1}, "system_cpu_usage": 90_000_000_000}}
    assert parse_usage(restarted, second).cpu_percent is None  # the counter went back: no rate across it


def test_actions_and_events(engine: DockerEngine) -> None:
    engine.run_container("web", "--network", "none")
    events: queue.Queue[EngineEvent] = queue.Queue()
    connected = threading.Event()
    follower = EventFollower(engine.url, events.put, connected.set)
    follower.start()
    try:
        assert connected.wait(10)
        client = open_client(engine.url)
        started = engine.inspect("web")["State"]["StartedAt"]
        act(client, "web", ContainerAction.RESTART)
        assert engine.inspect("web")["State"]["StartedAt"] != started
        act(client, "web", ContainerAction.STOP)
        assert engine.inspect("web")["State"]["Status"] == "exited"
        act(client, "web", ContainerAction.START)
        assert engine.inspect("web")["State"]["Status"] == "running"
        with pytest.raises(ContainerNotFound):
            act(client, "nope", ContainerAction.START)
        engine.cli("kill", "web")
        seen: list[tuple[str, str, str | None]] = []
        deadline = time.monotonic() + 10
        while ("die", "web", "137") not in seen:
            event = events.get(timeout=max(0.1, deadline - time.monotonic()))
            seen.append((event.action, event.name, event.attributes.get("exitCode")))
        # The restart, the stop (the shell's trap exits 0), the start, then the kill.
        assert [s for s in seen if s[0] in {"restart", "start", "die"}] == [
            ("die", "web", "0"),
            ("start", "web", None),
            ("restart", "web", None),
            ("die", "web", "0"),
            ("start", "web", None),
            ("die", "web", "137"),
        ]
        client.close()
    finally:
        follower.stop()
    assert not any(t.name == "homesentry-docker-events" for t in threading.enumerate())


def test_podman_s_own_states_read_as_docker_s() -> None:
    """Podman's compatible API passes its own states through ("stopped" between a kill and its cleanup)."""
    from custom_components.homesentry.probes.docker import ContainerState, parse_container

    def state(status: str) -> ContainerState:
        return parse_container({"Name": "/web", "Id": "1", "State": {"Status": status}}).state

    assert [state(s) for s in ("stopped", "stopping", "configured", "exited", "no-such-state")] == [
        ContainerState.EXITED, ContainerState.RUNNING, ContainerState.CREATED, ContainerState.EXITED,
        ContainerState.DEAD,
    ]  # fmt: skip
