"""Internet connection: accuracy against iputils on an emulated link, and cost.

Run as root from the repository root:  .venv/bin/python -m benchmarks.internet_accuracy

1. For several link settings (delay ± jitter, loss), iputils ``ping`` and
   HomeSentry's probe measure the same link at the same time (each to its own
   address in the far namespace, each with its own loss counter), 200 echo
   requests 20 ms apart. Loss here is random per packet (nft numgen random).
2. The CPU time of one cycle with the default settings: 4 targets x 5 echo
   requests and one lookup at 3 resolvers, over the link without delay.
3. The traffic the default settings send per day.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import dns.message

from custom_components.homesentry.const import DEFAULT_INTERNET_OPTIONS
from custom_components.homesentry.probes.dns import lookup_all
from custom_components.homesentry.probes.ping import PingMethod, jitter, ping
from tests.peers import FAR, INTERNET, NetLab, iputils_result

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


async def cost(lab: NetLab) -> None:
    """CPU milliseconds of one default cycle."""
    from pathlib import Path
    import tempfile

    from tests.peers import Dnsmasq

    with tempfile.TemporaryDirectory() as tmp:
        server = Dnsmasq(Path(tmp), address=FAR, port=53, hosts={"cloudflare.com": "192.0.2.10"}, netns=lab.far).start()
        try:
            targets = (FAR, *INTERNET, INTERNET[0])
            with lab.inside():
                cycles = 20
                cpu = time.process_time()
                wall = time.perf_counter()
                for _ in range(cycles):
                    await asyncio.gather(
                        *(ping(t, method=PingMethod.ICMP, count=5, interval=0.2, wait=1.0) for t in targets),
                        lookup_all((FAR, FAR + ":53", f"[::ffff:{FAR}]:53"), ["cloudflare.com"], lifetime=1.0),
                    )
                cpu_ms = (time.process_time() - cpu) * 1000 / cycles
                wall_s = (time.perf_counter() - wall) / cycles
        finally:
            server.stop()
    interval = DEFAULT_INTERNET_OPTIONS["scan_interval"]
    print(f"\nOne default cycle: {cpu_ms:.2f} ms CPU, {wall_s:.2f} s wall (mostly waiting between echo requests)")
    print(f"At one cycle every {interval} s: {cpu_ms / (interval * 1000) * 100:.4f} % of one core")


def traffic() -> None:
    """Bytes per day the default settings send and receive beyond the LAN."""
    options = DEFAULT_INTERNET_OPTIONS
    cycles = 86400 / options["scan_interval"]
    echo = 84  # IPv4 header 20 + ICMP 8 + 56 bytes payload, each way
    pings = len(options["targets"]) * options["ping_count"] * echo * 2
    query = len(dns.message.make_query(options["dns_names"][0], "A").to_wire()) + 28
    answer = query + 2 * 16  # two A records
    lookups = 2 * (query + answer)  # 1.1.1.1 and 8.8.8.8; the system resolver is usually on the LAN
    whoami = 6 * (60 + 90)  # three services, IPv4 and IPv6, every public_ip_interval
    per_day = cycles * (pings + lookups) + 86400 / options["public_ip_interval"] * whoami
    print(f"\nTraffic with the default settings: {per_day / 1e6:.1f} MB a day, {per_day * 30 / 1e9:.2f} GB/month")
    public_ip = 86400 / options["public_ip_interval"] * whoami
    gateway = cycles * options["ping_count"] * echo * 2
    dns_mb = cycles * lookups / 1e6
    print(f"  pings {cycles * pings / 1e6:.1f} MB, DNS {dns_mb:.1f} MB, public IP {public_ip / 1e6:.2f} MB")
    print(f"  (the gateway's echo requests stay on the LAN: {gateway / 1e6:.1f} MB)")


async def main() -> None:
    """Run everything on a fresh lab."""
    lab = NetLab.create()
    try:
        await accuracy(lab)
        await cost(lab)
    finally:
        lab.destroy()
    traffic()


if __name__ == "__main__":
    asyncio.run(main())
