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

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
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


# --------------------------------------------------------------------------- a hostname's own record


@dataclass(frozen=True, slots=True)
class Zone:
    """The zone a hostname is in, and its nameservers' addresses (by nameserver name)."""

    name: str
    nameservers: dict[str, tuple[str, ...]]

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every nameserver address, each once."""
        return tuple(dict.fromkeys(a for addresses in self.nameservers.values() for a in addresses))


@dataclass(frozen=True, slots=True)
class RecordAnswer:
    """What one server says a hostname's A record is."""

    server: str
    addresses: tuple[str, ...] = ()
    error: str | None = None
    """``nxdomain``, ``timeout``, ``refused`` or the error; None when it answered."""


class ZoneNotFound(Exception):
    """No zone (or none of its nameservers' addresses) could be found."""


async def find_zone(name: str, bootstrap: str, *, lifetime: float = 3.0) -> Zone:
    """Walk from ``name`` towards the root until a name has NS records.

    ``bootstrap`` is a recursive resolver (``address[:port]``). A name inside
    a zone answers its NS query with no data and the zone's SOA in the
    authority section, which names the zone directly; otherwise the walk
    drops the first label. The nameservers' addresses come from the same
    resolver.
    """
    address, port = parse_resolver(bootstrap)
    resolver = _resolver(address, port, lifetime)
    candidate: str | None = name.rstrip(".")
    while candidate:
        try:
            answer = await resolver.resolve(candidate, "NS", search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            answer = None
        except dns.exception.DNSException as err:
            raise ZoneNotFound(f"{bootstrap}: {_first_line(err)}") from err
        if answer is not None and answer.rrset is not None:
            return await _zone(resolver, candidate, [str(r.target).rstrip(".") for r in answer.rrset])
        authority = answer.response.authority if answer is not None else []
        soa = next((rrset for rrset in authority if rrset.rdtype == dns.rdatatype.SOA), None)
        zone = str(soa.name).rstrip(".") if soa is not None else None
        candidate = zone if zone and zone != candidate else candidate.partition(".")[2] or None
    raise ZoneNotFound(f"no zone holds {name}")


async def _zone(resolver: dns.asyncresolver.Resolver, zone: str, targets: list[str]) -> Zone:
    async def addresses(target: str) -> tuple[str, ...]:
        try:
            answer = await resolver.resolve(target, "A", search=False)
        except dns.exception.DNSException:
            return ()
        return tuple(str(r) for r in answer)

    found = dict(zip(targets, await asyncio.gather(*(addresses(t) for t in targets)), strict=True))
    if not any(found.values()):
        raise ZoneNotFound(f"no address for the nameservers of {zone}: {', '.join(targets)}")
    return Zone(zone, found)


async def ask_authoritative(server: str, name: str, *, port: int = 53, lifetime: float = 3.0) -> RecordAnswer:
    """The A record of ``name`` straight from one of its zone's servers (no recursion, no cache)."""
    query = dns.message.make_query(name, dns.rdatatype.A)
    query.flags &= ~dns.flags.RD
    try:
        response = await dns.asyncquery.udp(query, server, timeout=lifetime, port=port)
    except dns.exception.Timeout:
        return RecordAnswer(server, error=DnsOutcome.TIMEOUT.value)
    except (dns.exception.DNSException, OSError) as err:
        return RecordAnswer(server, error=_first_line(err))
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return RecordAnswer(server, error=DnsOutcome.NXDOMAIN.value)
    if rcode != dns.rcode.NOERROR:
        return RecordAnswer(server, error=dns.rcode.to_text(rcode).lower())
    return RecordAnswer(server, _a_records(response))


async def resolve_at(spec: str, name: str, *, lifetime: float = 3.0) -> RecordAnswer:
    """The A record of ``name`` as a recursive resolver (a public one, say) answers it now."""
    address, port = parse_resolver(spec)
    try:
        answer = await _resolver(address, port, lifetime).resolve(name, "A", search=False)
    except dns.resolver.NoAnswer:
        return RecordAnswer(spec)
    except dns.resolver.NXDOMAIN:
        return RecordAnswer(spec, error=DnsOutcome.NXDOMAIN.value)
    except dns.exception.Timeout:
        return RecordAnswer(spec, error=DnsOutcome.TIMEOUT.value)
    except dns.resolver.NoNameservers:
        return RecordAnswer(spec, error=DnsOutcome.REFUSED.value)
    except (dns.exception.DNSException, OSError) as err:
        return RecordAnswer(spec, error=_first_line(err))
    return RecordAnswer(spec, _a_records(answer.response))


def _a_records(response: dns.message.Message) -> tuple[str, ...]:
    return tuple(sorted(str(r) for rrset in response.answer if rrset.rdtype == dns.rdatatype.A for r in rrset))
