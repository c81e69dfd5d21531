"""Dynamic DNS: what one record cycle and one update cost.

Run from the repository root (dnsmasq installed, as root):  .venv/bin/python -m benchmarks.ddns_cycle

1. One record cycle as the coordinator runs it: two whoami queries, the A
   record at the zone's authoritative server (a real dnsmasq) and at a public
   resolver (a second dnsmasq), all at once. The zone's nameservers are
   looked up once an hour, so the zone walk is timed on its own.
2. One dyndns2 update to a local provider server (the record unchanged: nochg).
   The server runs on a thread of this process, so its CPU is counted too: an
   upper bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
import statistics
import tempfile
import time
from typing import Any

import aiohttp

from benchmarks.contained import contain
from custom_components.homesentry.probes.ddns import DynDns2
from custom_components.homesentry.probes.dns import ask_authoritative, find_zone, resolve_at
from custom_components.homesentry.probes.public_ip import WhoamiService, public_address
from tests.ddns_server import ProviderServer
from tests.peers import Dnsmasq

RUNS = 300
HOSTNAME = "home.example.test"
ADDRESS = "198.51.100.7"


async def _time(call: Callable[[], Awaitable[Any]], runs: int = RUNS) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        await call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


async def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="hs-ddns-bench-"))
    auth = ("--auth-zone=example.test", "--auth-server=ns1.example.test,127.0.0.1", "--auth-ttl=1")
    zone = Dnsmasq(directory / "zone", hosts={HOSTNAME: ADDRESS, "ns1.example.test": "127.0.0.1"}, extra=auth)
    internet = Dnsmasq(directory / "internet", hosts={"myip.opendns.com": ADDRESS, "myip.whoami.test": ADDRESS})
    zone.start()
    internet.start()
    provider = ProviderServer(zone, HOSTNAME, ADDRESS).start()
    services = tuple(
        WhoamiService(name, query, "A", "IN", ("127.0.0.1",), internet.port)
        for name, query in (("opendns", "myip.opendns.com"), ("whoami", "myip.whoami.test"))
    )
    try:
        wall, cpu = await _time(lambda: find_zone(HOSTNAME, zone.spec))
        print(f"Zone walk (once an hour; median of {RUNS}): wall {wall:.2f} ms, CPU {cpu:.2f} ms")

        async def cycle() -> None:
            await asyncio.gather(
                public_address(services, 4),
                ask_authoritative("127.0.0.1", HOSTNAME, port=zone.port),
                resolve_at(internet.spec, HOSTNAME),
            )

        wall, cpu = await _time(cycle)
        print(f"Record cycle (median of {RUNS}): wall {wall:.2f} ms, CPU {cpu:.2f} ms")
        client = DynDns2(HOSTNAME, provider.username, provider.password, provider.base("noip"), "HomeSentry/bench")
        async with aiohttp.ClientSession() as session:
            answer = await client.update(session, ADDRESS)
            assert answer.answer == f"nochg {ADDRESS}", answer
            wall, cpu = await _time(lambda: client.update(session, ADDRESS), runs=100)
        print(f"dyndns2 update, nochg (median of 100): wall {wall:.2f} ms, CPU {cpu:.2f} ms")
    finally:
        provider.stop()
        zone.stop()
        internet.stop()


if __name__ == "__main__":
    contain()
    asyncio.run(main())
