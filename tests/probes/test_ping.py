"""Ping bursts across a real link between network namespaces, checked against iputils."""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path
import subprocess
import sys

import pytest

from custom_components.homesentry.probes import ping as ping_module
from custom_components.homesentry.probes.ping import (
    CombinedPing,
    PingMethod,
    PingResult,
    detect_method,
    jitter,
    ping,
)

from ..peers import FAR, INTERNET, NetLab, iputils_result, need

ROOT = Path(__file__).resolve().parents[2]


def test_statistics_of_a_burst() -> None:
    result = PingResult("t", "192.0.2.9", PingMethod.ICMP, 5, (10.0, 12.0, 11.0, 15.0))
    assert result.received == 4
    assert result.loss == 20.0
    assert result.average == 12.0
    assert (result.minimum, result.maximum) == (10.0, 15.0)
    assert result.jitter == pytest.approx((2 + 1 + 4) / 3)
    silent = PingResult("t", None, PingMethod.TCP, 0, error="cannot resolve")
    assert (silent.loss, silent.reachable, silent.average, silent.jitter) == (100.0, False, None, None)
    assert jitter([5.0]) is None


def test_combined_connection_weights_every_probe() -> None:
    a = PingResult("a", "a", PingMethod.ICMP, 4, (10.0, 20.0, 10.0, 20.0))  # jitter 10 over 3 pairs
    b = PingResult("b", "b", PingMethod.ICMP, 4, (30.0, 30.0))  # jitter 0 over 1 pair
    combined = CombinedPing((a, b))
    assert combined.sent == 8
    assert combined.loss == 25.0
    assert combined.average == 20.0
    assert (combined.minimum, combined.maximum) == (10.0, 30.0)
    assert combined.jitter == pytest.approx(30 / 4)
    assert combined.reachable
    nothing = CombinedPing(())
    assert (nothing.loss, nothing.average, nothing.jitter, nothing.reachable) == (100.0, None, None, False)


def test_root_may_use_raw_icmp(lab_sockets: None) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    assert detect_method() is PingMethod.ICMP


@pytest.mark.parametrize(("delay", "spread"), [(20.0, 0.0), (50.0, 5.0)])
async def test_icmp_burst_agrees_with_iputils(lab: NetLab, delay: float, spread: float) -> None:
    """Both tools at once on the same link, each to its own host with its own 10 % loss counter."""
    lab.set_delay(delay, spread)
    lab.loss(10, hosts=INTERNET)
    reference_run = lab.iputils(INTERNET[1], 100, 0.02)
    with lab.inside():
        result = await ping(INTERNET[0], method=PingMethod.ICMP, count=100, interval=0.02, wait=0.5)
    sent, reference = await asyncio.get_running_loop().run_in_executor(None, iputils_result, reference_run)
    assert (sent, result.sent) == (100, 100)
    reference_avg = sum(reference) / len(reference)
    assert result.average == pytest.approx(reference_avg, abs=max(0.05 * reference_avg, 1.0))
    # The user-space emulator holds packets a little longer than asked, never shorter.
    assert delay - 0.5 <= result.average <= delay + 3
    assert result.loss == pytest.approx(100 * (sent - len(reference)) / sent, abs=3)
    assert result.loss == pytest.approx(10, abs=3)
    reference_jitter = jitter(reference)
    assert reference_jitter is not None
    assert result.jitter is not None
    assert result.jitter == pytest.approx(reference_jitter, abs=max(0.3 * reference_jitter, 1.5))


async def test_unanswered_targets_report_full_loss_and_names_resolve(lab: NetLab) -> None:
    lab.down((INTERNET[1],))
    with lab.inside():
        silent = await ping(INTERNET[1], method=PingMethod.ICMP, count=3, interval=0.05, wait=0.3)
        tcp_silent = await ping(INTERNET[1], method=PingMethod.TCP, count=2, interval=0.05, wait=0.3)
    assert (silent.sent, silent.received, silent.loss) == (3, 0, 100.0)
    assert (tcp_silent.sent, tcp_silent.loss) == (2, 100.0)
    by_name = await ping("localhost", method=PingMethod.ICMP, count=2, interval=0.05, wait=0.3)
    assert (by_name.address, by_name.loss) == ("127.0.0.1", 0.0)


async def test_a_silent_target_never_takes_another_bursts_replies(lab: NetLab, monkeypatch: pytest.MonkeyPatch) -> None:
    """A raw socket sees every echo reply of the host; even with the same identifier (as two
    bursts once had, by chance), the gateway's replies must not count for a silent target.
    """
    monkeypatch.setattr(ping_module, "_IDENTIFIERS", itertools.repeat(0x4242))
    lab.down((INTERNET[1],))
    with lab.inside():
        silent, answering = await asyncio.gather(
            ping(INTERNET[1], method=PingMethod.ICMP, count=5, interval=0.02, wait=0.3),
            ping(FAR, method=PingMethod.ICMP, count=5, interval=0.02, wait=0.3),
        )
    assert (silent.received, answering.received) == (0, 5)


async def test_tcp_timing_counts_refusals_as_answers(lab: NetLab) -> None:
    """Nobody listens on far's port 443: the reset is the answer, timed like an echo."""
    lab.set_delay(15.0)
    with lab.inside():
        result = await ping(FAR, method=PingMethod.TCP, count=5, interval=0.05, wait=0.5, tcp_port=443)
    assert result.method is PingMethod.TCP
    assert result.loss == 0
    # Timed in the event loop (no kernel stamps for a connect): a little above the link's delay.
    assert 14.5 <= result.average <= 15.0 + 8


_AS_NOBODY = """
import asyncio, json
from custom_components.homesentry.probes.ping import detect_method, ping
method = detect_method()
result = asyncio.run(ping("{target}", method=method, count=5, interval=0.05, wait=0.5))
print(json.dumps([method.value, result.sent, len(result.rtts), result.error]))
"""


@pytest.mark.parametrize(
    ("group_range", "expected"),
    [("0 2147483647", "icmp_unprivileged"), ("1 0", "tcp")],
)
def test_fallbacks_without_raw_sockets(lab: NetLab, group_range: str, expected: str) -> None:
    """As an unprivileged user: datagram ICMP where ping_group_range allows it, else TCP."""
    setpriv = need("setpriv")
    lab.sysctl(f"net.ipv4.ping_group_range={group_range}")
    try:
        out = subprocess.run(
            ["ip", "netns", "exec", lab.near, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
             "--inh-caps=-all", "--bounding-set=-all", sys.executable, "-c", _AS_NOBODY.format(target=FAR)],
            cwd=ROOT, capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
    finally:
        lab.sysctl("net.ipv4.ping_group_range=1 0")
    method, sent, received, error = __import__("json").loads(out)
    assert method == expected
    assert (sent, received, error) == (5, 5, None)


async def test_bursts_to_several_targets_run_at_once(lab: NetLab) -> None:
    lab.set_delay(30.0)
    with lab.inside():
        loop = asyncio.get_running_loop()
        start = loop.time()
        results = await asyncio.gather(
            *(ping(t, method=PingMethod.ICMP, count=5, interval=0.05, wait=0.5) for t in (FAR, *INTERNET))
        )
        elapsed = loop.time() - start
    assert all(r.loss == 0 for r in results)
    assert elapsed < 1.0  # one burst's time, not three
