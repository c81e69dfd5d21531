"""Echo bursts to a target: ICMP (privileged or not) or TCP-connect timing.

A burst sends ``count`` probes ``interval`` seconds apart without waiting for
each reply (as iputils ``ping`` does), so a lost probe costs no more time than
an answered one, and waits ``wait`` seconds after the last one for late replies.

Which method measures is decided once per machine by :func:`detect_method`:

- ``icmp``: raw ICMP sockets (root or CAP_NET_RAW);
- ``icmp_unprivileged``: ICMP datagram sockets, allowed when the process's
  group is inside ``net.ipv4.ping_group_range``;
- ``tcp``: neither is allowed (Home Assistant in many containers). A probe is a
  TCP connection attempt to ``tcp_port``; the time to the answer, whether the
  handshake completes or the host refuses with a reset, is the round trip, and
  no answer within the timeout is a lost probe.

Jitter is the mean absolute difference of consecutive round trips of the
answered probes (RFC 3550's inter-arrival idea without its smoothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
import ipaddress
import itertools
import random
import socket
import struct
import time

from icmplib import ICMPLibError, ICMPRequest, ICMPv4Socket, ICMPv6Socket

_ECHO_REPLY = {4: 0, 6: 129}


class PingMethod(StrEnum):
    """How round trips are measured."""

    ICMP = "icmp"
    ICMP_UNPRIVILEGED = "icmp_unprivileged"
    TCP = "tcp"


@dataclass(frozen=True, slots=True)
class PingResult:
    """One burst to one target: what was sent and each answered round trip (ms)."""

    target: str
    address: str | None
    method: PingMethod
    sent: int
    rtts: tuple[float, ...] = ()
    error: str | None = None

    @property
    def received(self) -> int:
        """Probes answered."""
        return len(self.rtts)

    @property
    def loss(self) -> float:
        """Lost probes, percent of those sent; 100 when nothing could be sent."""
        if self.sent == 0:
            return 100.0
        return 100.0 * (self.sent - self.received) / self.sent

    @property
    def reachable(self) -> bool:
        """At least one probe was answered."""
        return bool(self.rtts)

    @property
    def average(self) -> float | None:
        """Mean round trip, ms."""
        return sum(self.rtts) / len(self.rtts) if self.rtts else None

    @property
    def minimum(self) -> float | None:
        """Shortest round trip, ms."""
        return min(self.rtts) if self.rtts else None

    @property
    def maximum(self) -> float | None:
        """Longest round trip, ms."""
        return max(self.rtts) if self.rtts else None

    @property
    def jitter(self) -> float | None:
        """Mean absolute difference of consecutive round trips, ms."""
        return jitter(self.rtts)


def jitter(rtts: Sequence[float]) -> float | None:
    """Mean absolute difference of consecutive values; None below two values."""
    if len(rtts) < 2:
        return None
    return sum(abs(b - a) for a, b in itertools.pairwise(rtts)) / (len(rtts) - 1)


@dataclass(frozen=True, slots=True)
class CombinedPing:
    """Several bursts taken as one connection: every probe of every target."""

    results: tuple[PingResult, ...] = field(default_factory=tuple)

    @property
    def sent(self) -> int:
        """Probes sent to all targets."""
        return sum(r.sent for r in self.results)

    @property
    def loss(self) -> float:
        """Lost probes of all targets, percent."""
        sent = self.sent
        if sent == 0:
            return 100.0
        return 100.0 * (sent - sum(r.received for r in self.results)) / sent

    @property
    def reachable(self) -> bool:
        """Any target answered."""
        return any(r.reachable for r in self.results)

    @property
    def average(self) -> float | None:
        """Mean of every answered round trip, ms."""
        rtts = [rtt for r in self.results for rtt in r.rtts]
        return sum(rtts) / len(rtts) if rtts else None

    @property
    def minimum(self) -> float | None:
        """Shortest round trip to any target, ms."""
        return min((r.minimum for r in self.results if r.minimum is not None), default=None)

    @property
    def maximum(self) -> float | None:
        """Longest round trip to any target, ms."""
        return max((r.maximum for r in self.results if r.maximum is not None), default=None)

    @property
    def jitter(self) -> float | None:
        """Per-target jitter averaged over targets, weighted by their differences."""
        pairs = [(r.jitter, r.received - 1) for r in self.results if r.jitter is not None]
        weight = sum(n for _, n in pairs)
        return sum(j * n for j, n in pairs) / weight if weight else None


def detect_method(family: int = socket.AF_INET) -> PingMethod:
    """The best method this process may use, found by opening the sockets."""
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    for kind, method in ((socket.SOCK_RAW, PingMethod.ICMP), (socket.SOCK_DGRAM, PingMethod.ICMP_UNPRIVILEGED)):
        try:
            socket.socket(family, kind, proto).close()
        except OSError:
            continue
        return method
    return PingMethod.TCP


async def resolve(target: str) -> tuple[str, int]:
    """The address and IP version of a target (name or literal)."""
    with contextlib.suppress(ValueError):
        return target, ipaddress.ip_address(target).version
    infos = await asyncio.get_running_loop().getaddrinfo(target, None, type=socket.SOCK_DGRAM)
    family, *_, sockaddr = infos[0]
    return str(sockaddr[0]), 6 if family == socket.AF_INET6 else 4


async def ping(
    target: str,
    *,
    method: PingMethod,
    count: int = 5,
    interval: float = 0.2,
    wait: float = 1.0,
    tcp_port: int = 443,
) -> PingResult:
    """Send one burst to ``target`` and return every answered round trip."""
    try:
        address, version = await resolve(target)
    except OSError as err:
        return PingResult(target, None, method, 0, error=f"cannot resolve: {err.strerror or err}")
    try:
        if method is PingMethod.TCP:
            rtts = await _tcp_burst(address, tcp_port, count=count, interval=interval, wait=wait)
        else:
            rtts = await _icmp_burst(
                address, version, privileged=method is PingMethod.ICMP, count=count, interval=interval, wait=wait
            )
    except (ICMPLibError, OSError) as err:
        return PingResult(target, address, method, 0, error=str(err) or type(err).__name__)
    return PingResult(target, address, method, count, tuple(rtts))


async def _icmp_burst(
    address: str, version: int, *, privileged: bool, count: int, interval: float, wait: float
) -> list[float]:
    """Send a pipelined burst; replies are timed by the kernel's receive stamp.

    icmplib opens the socket (raw or datagram) and builds and sends each
    request; replies are read as the socket becomes readable, each with its
    SO_TIMESTAMPNS arrival time, so a busy event loop does not add its own
    delay to the round trips (iputils ``ping`` times replies the same way).
    """
    socket_class = ICMPv6Socket if version == 6 else ICMPv4Socket
    loop = asyncio.get_running_loop()
    requests: dict[int, ICMPRequest] = {}
    rtts: dict[int, float] = {}
    complete = asyncio.Event()
    ident = next(_IDENTIFIERS) & 0xFFFF
    expected = ipaddress.ip_address(address)
    with socket_class(privileged=privileged) as icmp:
        sock = icmp.sock
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        icmp.blocking = False
        header = 0 if version == 6 or not privileged else None  # raw IPv4 sockets see the IP header

        def on_readable() -> None:
            while True:
                try:
                    packet, ancillary, _, source = sock.recvmsg(2048, _ANCILLARY_SIZE)
                except OSError:  # BlockingIOError: drained
                    return
                if ipaddress.ip_address(str(source[0]).split("%", 1)[0]) != expected:
                    continue  # a raw socket sees every host's replies: another burst's target
                arrived = _arrival(ancillary)
                reply = _parse_echo_reply(packet, version, (packet[0] & 0x0F) * 4 if header is None else 0)
                if reply is None:
                    continue
                request = requests.get(reply[1])
                # A raw socket sees every ICMP packet of the host; keep ours.
                if request is not None and reply[0] == request.id and reply[1] not in rtts:
                    rtts[reply[1]] = (arrived - request.time) * 1000.0
                    if len(rtts) == count:
                        complete.set()

        loop.add_reader(sock.fileno(), on_readable)
        try:
            for sequence in range(count):
                if sequence:
                    await asyncio.sleep(interval)
                request = ICMPRequest(destination=address, id=ident, sequence=sequence)
                requests[sequence] = request
                icmp.send(request)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(complete.wait(), wait)
        finally:
            loop.remove_reader(sock.fileno())
    return [rtts[seq] for seq in sorted(rtts)]


_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
# One echo identifier per burst, so concurrent bursts (the gateway's and each
# target's) never take each other's replies.
_IDENTIFIERS = itertools.count(random.randrange(0x10000))
_TIMESPEC = struct.Struct("@qq")
_ANCILLARY_SIZE = socket.CMSG_SPACE(_TIMESPEC.size)


def _arrival(ancillary: list[tuple[int, int, bytes]]) -> float:
    """The kernel's receive time of a packet (wall clock, as icmplib stamps sends)."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            seconds, nanoseconds = _TIMESPEC.unpack_from(data)
            return float(seconds + nanoseconds / 1e9)
    return time.time()


def _parse_echo_reply(packet: bytes, version: int, offset: int) -> tuple[int, int] | None:
    """(identifier, sequence) of an echo reply; None for anything else."""
    if len(packet) < offset + 8 or packet[offset] != _ECHO_REPLY[version]:
        return None
    ident, sequence = struct.unpack_from("!HH", packet, offset + 4)
    return ident, sequence


async def _tcp_burst(address: str, port: int, *, count: int, interval: float, wait: float) -> list[float]:
    async def attempt() -> float | None:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(wait):
                _, writer = await asyncio.open_connection(address, port)
        except ConnectionRefusedError:
            return (time.perf_counter() - start) * 1000.0
        except OSError, TimeoutError:
            return None
        elapsed = (time.perf_counter() - start) * 1000.0
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return elapsed

    tasks: list[asyncio.Task[float | None]] = []
    for sequence in range(count):
        if sequence:
            await asyncio.sleep(interval)
        tasks.append(asyncio.create_task(attempt()))
    return [rtt for rtt in await asyncio.gather(*tasks) if rtt is not None]
