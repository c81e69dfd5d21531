"""DNS resolution time and outcome per resolver, with dnspython's async resolver.

A resolver is written ``address`` or ``address:port`` (``[v6]:port`` for
IPv6); the word ``system`` stands for the nameservers of the machine's
``resolv.conf``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
import ipaddress
from pathlib import Path
import time

import dns.asyncresolver
import dns.exception
import dns.resolver

SYSTEM = "system"


class DnsOutcome(StrEnum):
    """How a lookup ended."""

    OK = "ok"
    NXDOMAIN = "nxdomain"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class DnsResult:
    """One resolver's answers to the configured names this cycle."""

    resolver: str
    outcome: DnsOutcome
    elapsed_ms: float | None
    """Mean resolution time of the names, when all resolved."""
    failed_name: str | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        """Every name resolved."""
        return self.outcome is DnsOutcome.OK


def parse_resolver(spec: str) -> tuple[str, int]:
    """``1.1.1.1``, ``127.0.0.1:5353``, ``::1``, ``[::1]:5353`` -> (address, port)."""
    spec = spec.strip()
    if spec.startswith("["):
        address, _, port = spec[1:].partition("]")
        port = port.removeprefix(":")
    elif spec.count(":") == 1:
        address, port = spec.split(":")
    else:
        address, port = spec, ""
    ipaddress.ip_address(address)  # ValueError for anything but an IP literal
    number = int(port) if port else 53
    if not 0 < number < 65536:
        raise ValueError(f"port out of range: {number}")
    return address, number


def system_resolvers(etc_root: Path) -> tuple[str, ...]:
    """Nameserver addresses of ``resolv.conf`` (blocking: run in an executor)."""
    try:
        text = (etc_root / "resolv.conf").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    found: list[str] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            address = fields[1].split("%")[0]
            try:
                ipaddress.ip_address(address)
            except ValueError:
                continue
            found.append(address if ":" not in address else f"[{address}]")
    return tuple(dict.fromkeys(found))


def expand_resolvers(specs: list[str] | tuple[str, ...], system: tuple[str, ...]) -> tuple[str, ...]:
    """The configured resolvers with ``system`` replaced by the system's ones."""
    out: list[str] = []
    for spec in specs:
        out.extend(system if spec.strip().lower() == SYSTEM else (spec.strip(),))
    return tuple(dict.fromkeys(out))


def _resolver(address: str, port: int, timeout: float) -> dns.asyncresolver.Resolver:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [address]
    resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


async def lookup(spec: str, names: list[str] | tuple[str, ...], *, lifetime: float = 2.0) -> DnsResult:
    """Resolve each name's A record at one resolver; the first failure ends it."""
    address, port = parse_resolver(spec)
    resolver = _resolver(address, port, lifetime)
    times: list[float] = []
    for name in names:
        start = time.perf_counter()
        try:
            await resolver.resolve(name, "A", search=False)
        except dns.resolver.NoAnswer:
            pass  # the name exists (no IPv4 record): the resolver works
        except dns.resolver.NXDOMAIN:
            return DnsResult(spec, DnsOutcome.NXDOMAIN, None, name)
        except dns.resolver.NoNameservers as err:
            return DnsResult(spec, DnsOutcome.REFUSED, None, name, _first_line(err))
        except dns.exception.Timeout:
            return DnsResult(spec, DnsOutcome.TIMEOUT, None, name)
        except (dns.exception.DNSException, OSError) as err:
            return DnsResult(spec, DnsOutcome.ERROR, None, name, _first_line(err))
        times.append((time.perf_counter() - start) * 1000.0)
    return DnsResult(spec, DnsOutcome.OK, sum(times) / len(times) if times else None)


async def lookup_all(
    specs: tuple[str, ...], names: list[str] | tuple[str, ...], *, lifetime: float = 2.0
) -> dict[str, DnsResult]:
    """Every resolver at once."""
    results = await asyncio.gather(*(lookup(spec, names, lifetime=lifetime) for spec in specs))
    return {result.resolver: result for result in results}


def _first_line(err: BaseException) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0]
