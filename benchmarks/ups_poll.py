"""UPS: what one poll of a real upsd costs.

Run as root from the repository root:  .venv/bin/python -m benchmarks.ups_poll

Starts upsd with the dummy-ups driver (as the tests do) and times the UPS
coordinator's read (LIST VAR and LIST CMD over one persistent connection):
wall time, this process's CPU time, and upsd's CPU time.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import shutil
import statistics
import tempfile
import time

from aionut import AIONUTClient

from benchmarks.contained import contain
from custom_components.homesentry.probes.ups import read_ups
from tests.peers import NutServer

RUNS = 500


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="hs-bench-nut-"))
    server = NutServer(directory).start()
    try:
        assert server.upsd is not None
        client = AIONUTClient("127.0.0.1", server.port, server.user, server.password)
        await read_ups(client, "ups")  # connect
        walls, cpus = [], []
        upsd_before = _cpu(server.upsd.pid)
        for _ in range(RUNS):
            cpu, wall = time.process_time(), time.perf_counter()
            await read_ups(client, "ups")
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        upsd = (_cpu(server.upsd.pid) - upsd_before) / RUNS
        print(
            f"UPS poll (median of {RUNS}): wall {statistics.median(walls) * 1000:.2f} ms, "
            f"HomeSentry CPU {statistics.median(cpus) * 1000:.2f} ms, upsd CPU {upsd * 1000:.2f} ms (mean)"
        )
        client.shutdown()
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    contain()
    asyncio.run(main())
