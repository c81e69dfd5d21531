"""Remote servers: what scraping node_exporters costs Home Assistant, and that a dead one delays nobody.

Run as root from the repository root:  .venv/bin/python -m benchmarks.remote_scrape

Real node_exporters (Debian's prometheus-node-exporter) on loopback, read the
way the Remote server's coordinator reads them: an aiohttp GET, then the
cycle's one executor job (parse, snapshot, md arrays, SMART disks and their
predictions). Measured, in this process:

1. one scrape + the cycle's job of a node_exporter's full default output
   (this machine's /sys and /proc): CPU time and wall time, median of RUNS;
2. the cycle's job for a large machine's exposition: that output with 50
   filesystems and 20 disks (their families repeated with other mount points
   and device names, as a NAS would export them), alone and with a
   smartctl_exporter's answer for 5 disks (its recorded real one: it cannot
   run here), median of RUNS;
3. scale: EXPORTERS exporters scraped at once, as EXPORTERS Remote servers at
   the default 30 s interval would be, plus one that accepts the connection
   and never answers: the batch's CPU time as % of one core per interval, and
   how long the answering ones took while the dead one ran into its limit.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import contextlib
from pathlib import Path
import re
import socket
import statistics
import time

import aiohttp

from benchmarks.contained import contain
from custom_components.homesentry.probes.host import HostSnapshot
from custom_components.homesentry.probes.node_exporter import NodeProbe, md_arrays, parse, textfile_disks
from custom_components.homesentry.probes.smart_health import predict
from custom_components.homesentry.probes.smartctl_exporter import exported_disks, parse_smartctl
from tests.peers import NodeExporter

RUNS = 200
EXPORTERS = 25
INTERVAL = 30.0
LIMIT = 10.0  # the coordinator's per-scrape time limit (monitors/remote/coordinator.py)
# A real smartctl_exporter's recorded answer (it cannot run here): tests/data/smartctl_exporter/PROVENANCE.md.
SMARTCTL_EXPORTER = Path(__file__).parents[1] / "tests" / "data" / "smartctl_exporter" / "example.prom"


def _job(text: str, probe: NodeProbe, at: float, smart: str | None = None) -> HostSnapshot:
    """What a Remote server's cycle does in its one executor job: parse (node_exporter's answer, and the
    smartctl_exporter's where there is one), the snapshot, the arrays, the disks and their predictions."""
    samples = parse(text)
    if smart is not None:
        samples |= parse_smartctl(smart)
    md_arrays(samples)
    for disk in (textfile_disks(samples) | exported_disks(samples)).values():
        if disk.reading is not None:
            predict(disk.reading)
    return probe.snapshot(samples, at)


async def _scrape(session: aiohttp.ClientSession, url: str, executor: ThreadPoolExecutor, probe: NodeProbe) -> None:
    async with asyncio.timeout(LIMIT), session.get(f"{url}/metrics") as answer:
        text = await answer.text()
    await asyncio.get_running_loop().run_in_executor(executor, _job, text, probe, time.monotonic())


def _large(text: str) -> str:
    """The exposition with 50 filesystems and 20 disks: each family's first series repeated."""
    lines = text.splitlines()
    extra: list[str] = []
    for prefix, label, count, name in (
        ("node_filesystem_", "mountpoint", 50, "/mnt/disk{n}"),
        ("node_disk_", "device", 20, "sd{letter}"),
    ):
        seen: set[str] = set()
        for line in lines:
            if not line.startswith(prefix) or f'{label}="' not in line:
                continue
            family = line.split("{", 1)[0]
            if family in seen:
                continue
            seen.add(family)
            for n in range(count):
                value = name.format(n=n, letter=chr(ord("a") + n))
                extra.append(re.sub(rf'{label}="[^"]*"', f'{label}="{value}"', line, count=1))
                if label == "mountpoint":
                    extra[-1] = re.sub(r'device="[^"]*"', f'device="/dev/md{n}"', extra[-1], count=1)
    return "\n".join([*lines, *extra]) + "\n"


def _silent_server() -> tuple[socket.socket, int]:
    """A port that accepts connections and never answers (a hung machine)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server, server.getsockname()[1]


async def _one(session: aiohttp.ClientSession, url: str, executor: ThreadPoolExecutor) -> str:
    """One exporter's full default output, scraped RUNS times; returns that output."""
    probe = NodeProbe()
    await _scrape(session, url, executor, probe)
    cpu, wall = [], []
    for _ in range(RUNS):
        c0, w0 = time.process_time(), time.perf_counter()
        await _scrape(session, url, executor, probe)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    async with session.get(f"{url}/metrics") as answer:
        text = await answer.text()
    print(f"node_exporter default output: {len(text.splitlines())} lines, {len(text) / 1024:.0f} KiB")
    print(f"  one scrape + the cycle's job: CPU {statistics.median(cpu) * 1000:.2f} ms, "
          f"wall {statistics.median(wall) * 1000:.2f} ms (median of {RUNS})")  # fmt: skip
    return text


def _large_machine(text: str) -> None:
    large = _large(text)
    for smart, what in ((None, ""), (SMARTCTL_EXPORTER.read_text(), " + a smartctl_exporter's 5 disks")):
        probe = NodeProbe()
        _job(large, probe, 0.0, smart)
        costs = []
        for run in range(RUNS):
            c0 = time.process_time()
            snapshot = _job(large, probe, float(run + 1), smart)
            costs.append(time.process_time() - c0)
        found = f"{len(snapshot.filesystems)} filesystems, {len(snapshot.disks)} disks"
        print(f"large machine{what}: {len(large.splitlines())} lines, {found}: "
              f"the cycle's job CPU {statistics.median(costs) * 1000:.2f} ms")  # fmt: skip


async def _scale(
    session: aiohttp.ClientSession, urls: list[str], executor: ThreadPoolExecutor, silent_port: int
) -> None:
    probes = [NodeProbe() for _ in urls]
    await asyncio.gather(*(_scrape(session, u, executor, p) for u, p in zip(urls, probes, strict=True)))
    batches = []
    for _ in range(3):
        c0, w0 = time.process_time(), time.perf_counter()
        finished: list[float] = []

        async def timed(u: str, p: NodeProbe, start: float = w0, done: list[float] = finished) -> None:
            await _scrape(session, u, executor, p)
            done.append(time.perf_counter() - start)

        dead = asyncio.create_task(_scrape(session, f"http://127.0.0.1:{silent_port}", executor, NodeProbe()))
        await asyncio.gather(*(timed(u, p) for u, p in zip(urls, probes, strict=True)))
        answered_cpu, answered = time.process_time() - c0, max(finished)
        with contextlib.suppress(TimeoutError):
            await dead
        batches.append((answered_cpu, answered, time.perf_counter() - w0))
    cpu = statistics.median(b[0] for b in batches)
    answered = statistics.median(b[1] for b in batches) * 1000
    gave_up = statistics.median(b[2] for b in batches)
    share = 100 * cpu / INTERVAL
    print(f"{len(urls)} remote servers scraped at once (+1 that never answers), median of 3 batches:")
    print(f"  CPU {cpu * 1000:.1f} ms per batch = {share:.3f} % of one core at the {INTERVAL:.0f} s interval")
    print(f"  all {len(urls)} answered within {answered:.0f} ms; the silent one gave up after {gave_up:.1f} s")


async def main() -> None:
    exporters = [NodeExporter(Path("/sys")).start() for _ in range(EXPORTERS)]
    silent, silent_port = _silent_server()
    executor = ThreadPoolExecutor(max_workers=4)
    try:
        async with aiohttp.ClientSession() as session:
            text = await _one(session, exporters[0].url, executor)
            _large_machine(text)
            await _scale(session, [e.url for e in exporters], executor, silent_port)
    finally:
        executor.shutdown()
        silent.close()
        for exporter in exporters:
            exporter.stop()


if __name__ == "__main__":
    contain()
    asyncio.run(main())
