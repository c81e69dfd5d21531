"""Internet connection: accuracy against iputils on an emulated link, and cost.

Run as root from the repository root:  .venv/bin/python -m benchmarks.internet_accuracy

1. For several link settings (delay ± jitter, loss), iputils ``ping`` and
   HomeSentry's probe measure the same link at the same time (each to its own
   address in the far namespace, each with its own loss counter), 200 echo
   requests 20 ms apart. Loss here is random per packet (nft numgen random).
2. The CPU time of one cycle with the default settings: 4 targets x 5 echo
   requests and one lookup at 3 resolvers, over the link without delay.
3. The traffic the default settings put on the line per day, counted in the
   link's interface statistics while the probes run.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import statistics
import tempfile
import time

from benchmarks.contained import contain
from custom_components.homesentry.monitors.internet.options import DEFAULT_INTERNET_OPTIONS
from custom_components.homesentry.probes.dns import lookup_all
from custom_components.homesentry.probes.ping import PingMethod, jitter, ping
from custom_components.homesentry.probes.public_ip import WhoamiService, public_address
from tests.peers import FAR, INTERNET, Dnsmasq, NetLab, iputils_result, run

SETTINGS = [(10.0, 0.0, 0), (20.0, 0.0, 2), (50.0, 5.0, 10), (100.0, 10.0, 5)]
COUNT, INTERVAL = 200, 0.02


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


async def accuracy(lab: NetLab) -> None:
    """Print the configured / iputils / HomeSentry table."""
    print("| configured delay ± jitter, loss | iputils avg / jitter / loss | HomeSentry avg / jitter / loss |")
    print("|---|---|---|")
    for delay, spread, loss in SETTINGS:
        lab.set_delay(delay, spread)
        lab.loss(loss, hosts=INTERNET, random=True)
        reference_run = lab.iputils(INTERNET[1], COUNT, INTERVAL, wait=0.5)
        with lab.inside():
            result = await ping(INTERNET[0], method=PingMethod.ICMP, count=COUNT, interval=INTERVAL, wait=0.5)
        sent, rtts = iputils_result(reference_run)
        reference = (statistics.fmean(rtts), jitter(rtts), 100 * (sent - len(rtts)) / sent)
        print(
            f"| {delay:.0f} ms ± {spread:.0f} ms, {loss} % "
            f"| {_fmt(reference[0])} ms / {_fmt(reference[1])} ms / {reference[2]:.1f} % "
            f"| {_fmt(result.average)} ms / {_fmt(result.jitter)} ms / {result.loss:.1f} % |"
        )
    lab.clear()


def _link_bytes(lab: NetLab) -> int:
    """Bytes both ways through near's end of the link (Ethernet frames)."""
    stats = json.loads(run("ip", "-n", lab.near, "-s", "-j", "link", "show", "hs0").stdout)[0]["stats64"]
    return int(stats["rx"]["bytes"]) + int(stats["tx"]["bytes"])


async def _measure(lab: NetLab, cycles: int, cycle: object) -> float:
    """Link bytes per run of ``cycle`` (a coroutine function), averaged."""
    before = _link_bytes(lab)
    for _ in range(cycles):
        await cycle()  # type: ignore[operator]
    return (_link_bytes(lab) - before) / cycles


async def cost_and_traffic(lab: NetLab) -> None:
    """CPU time of a default cycle, and the bytes the default settings put on the line."""
    options = DEFAULT_INTERNET_OPTIONS
    interval, count, names = options["scan_interval"], options["ping_count"], options["dns_names"]
    cycles = 20

    async def bursts(targets: tuple[str, ...], resolvers: tuple[str, ...]) -> None:
        await asyncio.gather(
            *(ping(t, method=PingMethod.ICMP, count=count, interval=0.2, wait=1.0) for t in targets),
            lookup_all(resolvers, names, lifetime=1.0),
        )

    whoami = (
        WhoamiService("opendns", "myip.opendns.com", "A", "IN", (FAR,), 53),
        WhoamiService("google", "o-o.myaddr.l.google.com", "TXT", "IN", (FAR,), 53),
    )
    with tempfile.TemporaryDirectory() as tmp:
        hosts = {"cloudflare.com": "192.0.2.10", "myip.opendns.com": "203.0.113.7"}
        extra = ("--txt-record=o-o.myaddr.l.google.com,203.0.113.7",)
        server = Dnsmasq(Path(tmp), address=FAR, port=53, hosts=hosts, extra=extra, netns=lab.far).start()
        try:
            with lab.inside():
                # A default cycle: the gateway and three internet targets, three resolvers.
                everything = (FAR, *INTERNET, INTERNET[0])
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(cycles):
                    await bursts(everything, (FAR, f"{FAR}:53", f"[::ffff:{FAR}]:53"))
                cpu_ms = (time.process_time() - cpu) * 1000 / cycles
                wall_s = (time.perf_counter() - wall) / cycles
                # What leaves the LAN each cycle: three internet targets and the two public resolvers.
                internet = await _measure(lab, cycles, lambda: bursts((*INTERNET, INTERNET[0]), (FAR, f"{FAR}:53")))
                gateway = await _measure(lab, cycles, lambda: bursts((FAR,), ()))
                # Two of the three whoami services answer over IPv4 here; a round is three services, twice.
                round_bytes = await _measure(lab, cycles, lambda: public_address(whoami, 4)) / 2 * 6
        finally:
            server.stop()
    print(f"\nOne default cycle: {cpu_ms:.2f} ms CPU, {wall_s:.2f} s wall (mostly waiting between echo requests)")
    print(f"At one cycle every {interval} s: {cpu_ms / (interval * 1000) * 100:.4f} % of one core")
    a_day = 86400 / interval
    public_ip = 86400 / options["public_ip_interval"] * round_bytes
    per_day = a_day * internet + public_ip
    print("\nTraffic beyond the LAN with the default settings (Ethernet frames counted on the link):")
    print(f"  {per_day / 1e6:.1f} MB a day, {per_day * 30 / 1e9:.2f} GB a month")
    print(f"  pings and DNS {internet:.0f} B a cycle = {a_day * internet / 1e6:.1f} MB a day")
    print(f"  public IP {public_ip / 1e6:.2f} MB a day")
    print(f"  (the gateway's echo requests stay on the LAN: {a_day * gateway / 1e6:.1f} MB a day)")


async def main() -> None:
    """Run everything on a fresh lab."""
    lab = NetLab.create()
    try:
        await accuracy(lab)
        await cost_and_traffic(lab)
    finally:
        lab.destroy()


if __name__ == "__main__":
    contain()
    asyncio.run(main())
