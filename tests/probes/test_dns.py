"""DNS lookups and public-IP consensus against real DNS servers on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import socket

import pytest

from custom_components.homesentry.probes.dns import (
    DnsOutcome,
    expand_resolvers,
    lookup,
    lookup_all,
    parse_resolver,
    system_resolvers,
)
from custom_components.homesentry.probes.public_ip import WhoamiService, ask, public_address

from ..peers import Dnsmasq
from ..whoami_server import WhoamiServer


@pytest.fixture
def dnsmasq(tmp_path: Path, lab_sockets: None) -> Iterator[Dnsmasq]:
    """dnsmasq answering nas.test; other names under .test are NXDOMAIN, the rest REFUSED."""
    server = Dnsmasq(tmp_path / "dnsmasq", hosts={"nas.test": "192.0.2.10", "myip.opendns.com": "203.0.113.7"})
    # Google answers two TXT records: the client-subnet note and the address.
    server.extra = (
        "--txt-record=o-o.myaddr.l.google.com,edns0-client-subnet 0.0.0.0/0",
        "--txt-record=o-o.myaddr.l.google.com,203.0.113.7",
    )
    yield server.start()
    server.stop()


def test_resolver_specs() -> None:
    assert parse_resolver("1.1.1.1") == ("1.1.1.1", 53)
    assert parse_resolver(" 127.0.0.1:5353 ") == ("127.0.0.1", 5353)
    assert parse_resolver("2606:4700:4700::1111") == ("2606:4700:4700::1111", 53)
    assert parse_resolver("[::1]:5353") == ("::1", 5353)
    for bad in ("resolver.example", "1.1.1.1:0", "1.1.1.1:70000", "[::1]:x"):
        with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the mistake
            parse_resolver(bad)


def test_system_resolvers_from_resolv_conf(tmp_path: Path) -> None:
    assert system_resolvers(tmp_path) == ()
    (tmp_path / "resolv.conf").write_text(
        "# generated\nsearch lan\nnameserver 192.168.1.1\nnameserver fe80::1%eth0\nnameserver bogus\n"
        "nameserver 192.168.1.1\noptions edns0\n"
    )
    assert system_resolvers(tmp_path) == ("192.168.1.1", "[fe80::1]")
    assert expand_resolvers(["system", "1.1.1.1", "SYSTEM"], ("192.168.1.1",)) == ("192.168.1.1", "1.1.1.1")


async def test_lookup_outcomes(dnsmasq: Dnsmasq) -> None:
    ok = await lookup(dnsmasq.spec, ["nas.test", "nas.test"])
    assert ok.outcome is DnsOutcome.OK
    assert ok.ok
    assert ok.elapsed_ms is not None
    assert 0 < ok.elapsed_ms < 500
    nxdomain = await lookup(dnsmasq.spec, ["nas.test", "missing.test"])
    assert (nxdomain.outcome, nxdomain.failed_name, nxdomain.elapsed_ms) == (DnsOutcome.NXDOMAIN, "missing.test", None)
    refused = await lookup(dnsmasq.spec, ["example.org"])
    assert refused.outcome is DnsOutcome.REFUSED
    assert not refused.ok
    assert refused.detail


async def test_a_silent_resolver_times_out(lab_sockets: None) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        result = await lookup(f"127.0.0.1:{port}", ["nas.test"], lifetime=0.3)
    assert result.outcome is DnsOutcome.TIMEOUT


async def test_all_resolvers_at_once(dnsmasq: Dnsmasq) -> None:
    results = await lookup_all((dnsmasq.spec, "127.0.0.1:1"), ["nas.test"], lifetime=0.5)
    assert results[dnsmasq.spec].ok
    assert results["127.0.0.1:1"].outcome in {DnsOutcome.ERROR, DnsOutcome.TIMEOUT}


async def test_public_address_needs_two_services_to_agree(dnsmasq: Dnsmasq) -> None:
    cloudflare = await WhoamiServer("203.0.113.7").start()
    try:
        services = (
            WhoamiService("opendns", "myip.opendns.com", "A", "IN", ("127.0.0.1",), dnsmasq.port),
            WhoamiService("cloudflare", "whoami.cloudflare", "TXT", "CH", ("127.0.0.1",), cloudflare.port),
            WhoamiService("google", "o-o.myaddr.l.google.com", "TXT", "IN", ("127.0.0.1",), dnsmasq.port),
        )
        reading = await public_address(services, 4)
        assert reading.address == "203.0.113.7"
        assert reading.answers == {"opendns": "203.0.113.7", "cloudflare": "203.0.113.7", "google": "203.0.113.7"}

        # One service alone reporting a new address is no change...
        cloudflare.address = "203.0.113.8"
        dnsmasq.hosts["myip.opendns.com"] = "203.0.113.9"
        dnsmasq.reload()
        reading = await public_address(services, 4)
        assert reading.address is None
        assert set(reading.answers.values()) == {"203.0.113.7", "203.0.113.8", "203.0.113.9"}
        # ...two that agree are.
        cloudflare.address = "203.0.113.9"
        assert (await public_address(services, 4)).address == "203.0.113.9"

        # No IPv6 server: each service says so, and there is no address.
        v6 = await public_address(services, 6)
        assert v6.address is None
        assert all("IPv6" in text for text in v6.answers.values())
        # A service that answers with no address is an error, not an address.
        with pytest.raises(LookupError):
            await ask(WhoamiService("x", "nas-missing.test", "TXT", "IN", ("127.0.0.1",), dnsmasq.port), 4)
    finally:
        cloudflare.stop()
