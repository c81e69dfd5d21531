"""Docker: the cost of a state cycle and a stats cycle, and how soon a death shows.

Run as root from the repository root:  .venv/bin/python -m benchmarks.docker_poll
(``--podman``: the same state and stats cycles on a real Podman's Docker-compatible API.)

Starts a real dockerd (as the tests do) with 20 running busybox containers,
then measures what the coordinators run:

1. One state cycle (``read_engine``): the full one (inspect every container),
   the steady one (the list shows no change) and one after an event named a
   container: wall time, this process's CPU time, dockerd's CPU time.
2. One stats cycle of all 20 (``read_usages``): the first (the engine samples
   twice) and the steady one-shot reads.
3. From ``docker kill`` (an API call) to the state read that shows the
   container exited, through the event follower, as the engine coordinator
   does it (event, then a refresh).
4. An image-update check of 20 images pushed to a real registry
   (docker-registry 2.8 on loopback), as the image coordinator runs it (two
   at a time): wall time and requests sent.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import os
from pathlib import Path
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchmarks.contained import contain
from custom_components.homesentry.probes.docker import (
    EngineEvent,
    EngineSnapshot,
    EventFollower,
    open_client,
    read_engine,
    read_info,
    read_usages,
)
from custom_components.homesentry.probes.registry import RegistryClient, check_image
from tests.peers import DockerEngine, PodmanEngine, Registry

CONTAINERS = 20
RUNS = 20


def _dockerd_cpu(engine: DockerEngine | PodmanEngine) -> float:
    """dockerd's user + system CPU seconds so far."""
    assert engine.process is not None
    fields = Path(f"/proc/{engine.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    engine: DockerEngine | PodmanEngine, action: object, runs: int
) -> tuple[list[float], list[float], list[float]]:
    walls, cpus, engine_cpus = [], [], []
    for _ in range(runs):
        cpu0, engine0, wall0 = time.process_time(), _dockerd_cpu(engine), time.perf_counter()
        action()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
        engine_cpus.append(_dockerd_cpu(engine) - engine0)
    return walls, cpus, engine_cpus


def _ms(values: list[float]) -> str:
    """The median; dockerd's clock-tick (10 ms) counts are given as their mean instead."""
    return f"{statistics.median(values) * 1000:.1f} ms"


def _mean_ms(values: list[float]) -> str:
    return f"{statistics.mean(values) * 1000:.1f} ms"


def _line(walls: list[float], cpus: list[float], engine_cpus: list[float], engine: str = "dockerd") -> str:
    return f"wall {_ms(walls)}, HomeSentry CPU {_ms(cpus)}, {engine} CPU {_mean_ms(engine_cpus)}"


def _cycles(engine: DockerEngine | PodmanEngine, label: str = "") -> EngineSnapshot:
    """The state and stats cycles of 20 running containers (``label`` before each line: "Podman "); the snapshot."""
    who = "podman service" if isinstance(engine, PodmanEngine) else "dockerd"
    for index in range(CONTAINERS):
        # No network: a PodmanEngine's containers have none already.
        engine.run_container(f"c{index:02d}", *(() if isinstance(engine, PodmanEngine) else ("--network", "none")))
    client = open_client(engine.url)
    info = read_info(client)
    walls, cpus, engine_cpus = _measure(engine, lambda: read_engine(client, info), RUNS)
    print(f"{label}state cycle, {CONTAINERS} containers (median of {RUNS}):")
    print(f"  full (inspect all): {_line(walls, cpus, engine_cpus, who)}")
    snapshot = read_engine(client, info)
    walls, cpus, engine_cpus = _measure(engine, lambda: read_engine(client, info, snapshot), RUNS)
    print(f"  steady (list only): {_line(walls, cpus, engine_cpus, who)}")
    walls, cpus, engine_cpus = _measure(engine, lambda: read_engine(client, info, snapshot, ["c00"]), RUNS)
    print(f"  after one event: {_line(walls, cpus, engine_cpus, who)}")
    containers = list(snapshot.containers.values())
    samples: dict[str, object] = {}

    def first() -> None:
        samples.clear()
        samples.update(read_usages(client, containers, {})[0])

    walls, cpus, engine_cpus = _measure(engine, first, 3)
    print(f"{label}stats cycle, first read (median of 3): {_line(walls, cpus, engine_cpus, who)}")
    walls, cpus, engine_cpus = _measure(
        engine,
        lambda: samples.update(read_usages(client, containers, samples)[0]),  # type: ignore[arg-type]
        5,
    )
    print(f"{label}stats cycle, one-shot (median of 5): {_line(walls, cpus, engine_cpus, who)}")
    client.close()
    return snapshot


def podman() -> None:
    """The cycles on a real Podman (its engine CPU is the API service's)."""
    engine = PodmanEngine(Path(tempfile.mkdtemp(prefix="hs-bench-podman-")))
    engine.start()
    try:
        engine.import_busybox()
        _cycles(engine, "Podman ")
    finally:
        engine.cli("rm", "-af", "-t", "0", check=False)
        engine.stop()


def image_checks(engine: DockerEngine) -> None:
    """20 images pushed to a local registry, checked as the image coordinator does (HEAD, two at a time)."""
    registry = Registry(Path(tempfile.mkdtemp(prefix="hs-bench-registry-"))).start()
    try:
        docker = ["/usr/bin/docker", f"--host={engine.url}"]
        references = []
        for index in range(CONTAINERS):
            tag = f"{registry.host}/bench/app{index:02d}:1"
            subprocess.run([*docker, "tag", engine.image, tag], check=True, capture_output=True)
            subprocess.run([*docker, "push", tag], check=True, capture_output=True)
            references.append(tag)
        client = open_client(engine.url)
        images = {tag: client.inspect_image(tag) for tag in references}
        walls, sent = [], []

        def check(registry_client: RegistryClient, tag: str) -> bool:
            digests = images[tag]["RepoDigests"]
            return check_image(registry_client, tag, repo_digests=digests, labels={}, platform="linux/amd64").available

        for _ in range(5):
            registry_client = RegistryClient()
            start = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:
                found = list(pool.map(check, [registry_client] * len(references), references))
            walls.append(time.perf_counter() - start)
            sent.append(registry_client.requests_sent)
            assert not any(found)
        print(
            f"image check, {CONTAINERS} images (median of 5): wall {_ms(walls)}, requests {statistics.median(sent):.0f}"
        )
        client.close()
    finally:
        registry.stop()


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="hs-bench-docker-"))
    engine = DockerEngine(directory)
    engine.start()
    try:
        engine.import_busybox()
        snapshot = _cycles(engine)
        client = open_client(engine.url)
        info = read_info(client)

        events: queue.Queue[EngineEvent] = queue.Queue()
        connected = threading.Event()
        follower = EventFollower(engine.url, events.put, connected.set)
        follower.start()
        connected.wait(10)
        latencies = []
        for index in range(10):
            name = f"c{index:02d}"
            start = time.perf_counter()
            client.kill(name)
            while True:
                event = events.get(timeout=10)
                if event.name == name and event.action == "die":
                    break
            if read_engine(client, info, snapshot, [name]).containers[name].state == "exited":
                latencies.append(time.perf_counter() - start)
        follower.stop()
        print(
            f"docker kill -> state shows exited (10 kills): median {_ms(latencies)}, max {max(latencies) * 1000:.1f} ms"
        )
        client.close()
        image_checks(engine)
    finally:
        engine.remove_all()
        engine.stop()


if __name__ == "__main__":
    contain()
    if "--podman" in sys.argv:
        podman()
    else:
        main()
