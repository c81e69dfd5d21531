"""The network's public address, as independent DNS "whoami" services see it.

Each service answers a query with the address the query came from: OpenDNS an
A/AAAA record for ``myip.opendns.com``, Cloudflare a TXT record for
``whoami.cloudflare`` in the CHAOS class, Google a TXT record for
``o-o.myaddr.l.google.com``. All are asked at once; an address counts only
when at least ``quorum`` services agree on it, so one broken or hijacked
service can neither invent nor hide a change. Shared by the Internet
connection and Dynamic DNS monitors.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
import ipaddress

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype


@dataclass(frozen=True, slots=True)
class WhoamiService:
    """A DNS service that tells a client its own address."""

    name: str
    query_name: str
    rdtype: str  # "A" (AAAA for IPv6) or "TXT"
    rdclass: str
    servers: tuple[str, ...]  # the service's nameservers, IPv4 and IPv6
    port: int = 53


DEFAULT_SERVICES: tuple[WhoamiService, ...] = (
    WhoamiService("opendns", "myip.opendns.com", "A", "IN", ("208.67.222.222", "2620:119:35::35")),
    WhoamiService("cloudflare", "whoami.cloudflare", "TXT", "CH", ("1.1.1.1", "2606:4700:4700::1111")),
    WhoamiService("google", "o-o.myaddr.l.google.com", "TXT", "IN", ("216.239.32.10", "2001:4860:4802:32::a")),
)


@dataclass(frozen=True, slots=True)
class PublicIpReading:
    """What every service said for one IP version, and the agreed address."""

    version: int
    address: str | None
    answers: dict[str, str] = field(default_factory=dict)
    """Service name -> the address it reported, or why it gave none."""


async def ask(service: WhoamiService, version: int, *, lifetime: float = 3.0) -> str:
    """The address ``service`` sees for queries sent over IP ``version``.

    Raises ``LookupError`` (no usable answer) or ``dns.exception.DNSException``
    / ``OSError`` (no answer at all).
    """
    servers = [s for s in service.servers if ipaddress.ip_address(s).version == version]
    if not servers:
        raise LookupError(f"no IPv{version} server")
    rdtype = service.rdtype if service.rdtype != "A" or version == 4 else "AAAA"
    query = dns.message.make_query(
        service.query_name, dns.rdatatype.from_text(rdtype), dns.rdataclass.from_text(service.rdclass)
    )
    response = await dns.asyncquery.udp(query, servers[0], timeout=lifetime, port=service.port)
    for rrset in response.answer:
        for rdata in rrset:
            text = _text(rdata)
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                continue  # Google adds an "edns0-client-subnet ..." record
            if address.version == version:
                return str(address)
    raise LookupError(f"no IPv{version} address in the answer ({dns.rcode.to_text(response.rcode())})")


def _text(rdata: object) -> str:
    strings = getattr(rdata, "strings", None)
    if strings is not None:
        return b"".join(strings).decode("ascii", "replace").strip()
    return str(rdata).strip()


async def public_address(
    services: Sequence[WhoamiService], version: int, *, quorum: int = 2, lifetime: float = 3.0
) -> PublicIpReading:
    """Ask every service; the address at least ``quorum`` of them agree on."""

    async def one(service: WhoamiService) -> tuple[str, str, bool]:
        try:
            return service.name, await ask(service, version, lifetime=lifetime), True
        except dns.exception.Timeout:
            return service.name, "timeout", False
        except (LookupError, dns.exception.DNSException, OSError, ValueError) as err:
            return service.name, str(err) or type(err).__name__, False

    results = await asyncio.gather(*(one(service) for service in services))
    answers = {name: text for name, text, _ in results}
    votes = Counter(text for _, text, ok in results if ok)
    agreed = [address for address, n in votes.most_common() if n >= quorum]
    return PublicIpReading(version, agreed[0] if len(agreed) == 1 else None, answers)
