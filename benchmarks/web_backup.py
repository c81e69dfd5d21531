"""Web service checks and backup metrics reads: what one cycle costs.

Run from the repository root:  .venv/bin/python -m benchmarks.web_backup

1. One HTTP check (GET with a keyword) and one TCP check against a local
   aiohttp server, in one session as Home Assistant's: wall and CPU time.
2. One backup read: nothing appended (the common case), one line appended,
   and a first read of a file with a year of nightly runs and of 100,000 runs.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import statistics
import tempfile
import time

import aiohttp

from benchmarks.contained import contain
from custom_components.homesentry.probes.backup import MetricsFollower
from custom_components.homesentry.probes.web_service import check_http, check_tcp
from tests.web_server import WebServer

RUNS = 200


async def _time(check: object, runs: int = RUNS) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        await check()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


async def checks() -> None:
    server = WebServer().start()
    try:
        async with aiohttp.ClientSession() as session:
            wall, cpu = await _time(lambda: check_http(session, f"{server.base}/ok", keyword="Healthy"))
            print(f"HTTP check (median of {RUNS}): wall {wall:.2f} ms, CPU {cpu:.2f} ms")
            wall, cpu = await _time(lambda: check_tcp("127.0.0.1", server.port))
            print(f"TCP check (median of {RUNS}): wall {wall:.2f} ms, CPU {cpu:.2f} ms")
    finally:
        server.stop()


def _line(index: int) -> str:
    return json.dumps(
        {
            "timestamp": f"2026-01-01T03:00:{index % 60:02d}+00:00",
            "backup_id": f"run-{index}",
            "success": index % 10 != 0,
            "duration_total": 800.5,
            "duration_upload": 600.0,
            "size_bytes": 41_000_000_000,
        }
    )


def _read_ms(follower: MetricsFollower) -> float:
    cpu = time.process_time()
    follower.read()
    return (time.process_time() - cpu) * 1000


def backups() -> None:
    directory = Path(tempfile.mkdtemp(prefix="hs-bench-backup-"))
    for runs in (365, 100_000):
        path = directory / f"runs-{runs}.jsonl"
        path.write_text("".join(_line(i) + "\n" for i in range(runs)))
        follower = MetricsFollower(path)
        print(f"first read of {runs:,} runs ({path.stat().st_size / 1e6:.2f} MB): CPU {_read_ms(follower):.2f} ms")
        idle = statistics.median(_read_ms(follower) for _ in range(RUNS))
        print(f"  read with nothing appended (median of {RUNS}): CPU {idle * 1000:.1f} µs")
        appended = []
        for i in range(RUNS):
            with path.open("a") as file:
                file.write(_line(i) + "\n")
            appended.append(_read_ms(follower))
        print(f"  read of one appended run (median of {RUNS}): CPU {statistics.median(appended) * 1000:.1f} µs")
        follower.close()


if __name__ == "__main__":
    contain()
    asyncio.run(checks())
    backups()
