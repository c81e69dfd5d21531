"""Dynamic DNS probes against real peers: each provider's protocol server, and a real
authoritative dnsmasq whose record changes when the provider accepts an update."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.homesentry.probes import ddns
from custom_components.homesentry.probes.ddns import (
    Cloudflare,
    DuckDns,
    DynDns2,
    FreeDns,
    Outcome,
    UpdateUrl,
    check_credentials,
)
from custom_components.homesentry.probes.dns import (
    ZoneNotFound,
    ask_authoritative,
    find_zone,
    resolve_at,
)

from ..conftest import HOSTNAME, PUBLIC_IP, RECORD_IP, DdnsLab
from ..peers import free_port

NEW_IP = "198.51.100.99"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def _record(lab: DdnsLab) -> tuple[str, ...]:
    return (await ask_authoritative("127.0.0.1", HOSTNAME, port=lab.zone.port)).addresses


# --------------------------------------------------------------------------- DNS


async def test_the_zone_is_found_by_walking_ns_records_and_answers_without_recursion(ddns_lab: DdnsLab) -> None:
    zone = await find_zone(HOSTNAME, ddns_lab.zone.spec)
    assert zone.name == "example.test"
    assert zone.nameservers == {"ns1.example.test": ("127.0.0.1",)}
    # The apex itself has NS records; a name deeper down walks up through the SOA.
    assert (await find_zone("example.test", ddns_lab.zone.spec)).name == "example.test"
    assert (await find_zone("a.b.home.example.test", ddns_lab.zone.spec)).name == "example.test"
    assert await _record(ddns_lab) == (RECORD_IP,)
    missing = await ask_authoritative("127.0.0.1", "nope.example.test", port=ddns_lab.zone.port)
    assert (missing.addresses, missing.error) == ((), "nxdomain")
    # A public resolver answers from its own (here: stale) view.
    public = await resolve_at(ddns_lab.internet.spec, HOSTNAME)
    assert (public.addresses, public.error) == ((RECORD_IP,), None)
    assert (await resolve_at(ddns_lab.internet.spec, "nope.example.test")).error == "nxdomain"
    assert (await resolve_at(ddns_lab.internet.spec, "myip.opendns.com")).addresses == (PUBLIC_IP,)


async def test_no_zone_and_silent_servers_are_errors_not_hangs(ddns_lab: DdnsLab) -> None:
    with pytest.raises(ZoneNotFound, match="REFUSED"):
        await find_zone("home.other.org", ddns_lab.zone.spec)
    silent = f"127.0.0.1:{free_port()}"
    with pytest.raises(ZoneNotFound, match=r"."):
        await find_zone(HOSTNAME, silent)
    answer = await ask_authoritative("127.0.0.1", HOSTNAME, port=free_port(), lifetime=0.5)
    assert answer.addresses == ()
    assert answer.error
    assert (await resolve_at(silent, HOSTNAME, lifetime=0.5)).error


# --------------------------------------------------------------------------- providers


async def test_duckdns_updates_then_says_nochange_and_ko_for_a_wrong_token(
    ddns_lab: DdnsLab, session: aiohttp.ClientSession
) -> None:
    base = ddns_lab.provider.base("duckdns")
    duck = DuckDns(HOSTNAME.replace("example.test", "duckdns.org"), "duck-t0ken", base)
    assert duck.subdomain == "home"
    ddns_lab.provider.hostname = duck.hostname
    ddns_lab.provider.dns.hosts[duck.hostname] = RECORD_IP
    answer = await duck.update(session, NEW_IP)
    assert (answer.outcome, answer.address) == (Outcome.UPDATED, NEW_IP)
    assert answer.answer == f"OK {NEW_IP} UPDATED"
    assert (await duck.update(session, NEW_IP)).outcome is Outcome.UNCHANGED
    wrong = await DuckDns(duck.hostname, "wrong", base).update(session, NEW_IP)
    assert (wrong.outcome, wrong.answer) == (Outcome.BAD_AUTH, "KO")
    assert wrong.outcome.halts
    ddns_lab.provider.forced = "<html>maintenance</html>"
    assert (await duck.update(session, NEW_IP)).outcome is Outcome.REJECTED


async def test_dyndns2_speaks_every_return_code(ddns_lab: DdnsLab, session: aiohttp.ClientSession) -> None:
    base = ddns_lab.provider.base("noip")
    client = DynDns2(HOSTNAME, "alice", "s3cret-pw", base, "HomeSentry-HomeAssistant/0.1.0 test")
    answer = await client.update(session, NEW_IP)
    assert (answer.outcome, answer.answer, answer.address) == (Outcome.UPDATED, f"good {NEW_IP}", NEW_IP)
    assert await _record(ddns_lab) == (NEW_IP,)  # the zone's server answers the new address
    assert ddns_lab.provider.user_agents[-1] == "HomeSentry-HomeAssistant/0.1.0 test"
    assert (await client.update(session, NEW_IP)).outcome is Outcome.UNCHANGED
    bad_password = await DynDns2(HOSTNAME, "alice", "wrong", base, "HomeSentry/1").update(session, NEW_IP)
    assert bad_password.outcome is Outcome.BAD_AUTH  # a 401 with "badauth"
    other_host = await DynDns2("other.example.test", "alice", "s3cret-pw", base, "HomeSentry/1").update(session, None)
    assert other_host.outcome is Outcome.NO_HOST
    bad_agent = await DynDns2(HOSTNAME, "alice", "s3cret-pw", base, "curl/8").update(session, NEW_IP)
    assert bad_agent.outcome is Outcome.BAD_AGENT
    expected = {
        "nohost": Outcome.NO_HOST,
        "notfqdn": Outcome.NO_HOST,
        "numhost": Outcome.NO_HOST,
        "badauth": Outcome.BAD_AUTH,
        "badagent": Outcome.BAD_AGENT,
        "!donator": Outcome.NOT_DONATOR,
        "abuse": Outcome.ABUSE,
        "911": Outcome.SERVER_ERROR,
        "dnserr": Outcome.SERVER_ERROR,
        "what?": Outcome.REJECTED,
    }
    for code, outcome in expected.items():
        ddns_lab.provider.forced = code
        answer = await client.update(session, NEW_IP)
        assert (answer.outcome, answer.answer, answer.address) == (outcome, code, None), code
        assert answer.outcome.halts == (outcome in ddns.HALTING), code
        assert "s3cret-pw" not in answer.answer


async def test_freedns_v2_answers(ddns_lab: DdnsLab, session: aiohttp.ClientSession) -> None:
    base = ddns_lab.provider.base("freedns")
    client = FreeDns(HOSTNAME, "duck-t0ken", base)
    assert (await client.update(session, NEW_IP)).outcome is Outcome.UPDATED
    unchanged = await client.update(session, NEW_IP)
    assert unchanged.outcome is Outcome.UNCHANGED
    assert unchanged.answer.startswith("No IP change detected")
    wrong = await FreeDns(HOSTNAME, "wrong-token", base).update(session, NEW_IP)
    assert wrong.outcome is Outcome.BAD_AUTH
    assert "wrong-token" not in wrong.answer
    ddns_lab.provider.forced = "ERROR: Address 198.51.100.99 has not changed."  # the v1 interface's wording
    assert (await client.update(session, NEW_IP)).outcome is Outcome.UNCHANGED
    ddns_lab.provider.forced = 'ERROR: "800.0.0.1" is an invalid IP address.'
    assert (await client.update(session, "800.0.0.1")).outcome is Outcome.REJECTED


async def test_cloudflare_reads_before_it_writes(ddns_lab: DdnsLab, session: aiohttp.ClientSession) -> None:
    base = ddns_lab.provider.base("cloudflare")
    client = Cloudflare(HOSTNAME, "cf-api-t0ken", "example.test", base)
    checked = await check_credentials(client, session, NEW_IP)
    assert (checked.outcome, checked.address) == (Outcome.UNCHANGED, RECORD_IP)
    assert ddns_lab.provider.requests == ["cloudflare", "cloudflare"]  # zone and record read, nothing written
    assert await _record(ddns_lab) == (RECORD_IP,)
    assert (await client.update(session, NEW_IP)).outcome is Outcome.UPDATED
    assert ddns_lab.provider.requests[-1] == "cloudflare-patch"
    assert await _record(ddns_lab) == (NEW_IP,)
    assert (await client.update(session, NEW_IP)).outcome is Outcome.UNCHANGED
    assert ddns_lab.provider.requests[-1] == "cloudflare"  # no PATCH when the record holds it
    assert (await client.update(session, None)).outcome is Outcome.REJECTED
    bad = await Cloudflare(HOSTNAME, "wrong", "example.test", base).update(session, NEW_IP)
    assert (bad.outcome, bad.answer) == (Outcome.BAD_AUTH, "10000: Authentication error")
    no_zone = await Cloudflare(HOSTNAME, "cf-api-t0ken", "example.org", base).update(session, NEW_IP)
    assert no_zone.outcome is Outcome.NO_HOST
    no_record = await Cloudflare("www.example.test", "cf-api-t0ken", "example.test", base).update(session, NEW_IP)
    assert (no_record.outcome, no_record.answer) == (Outcome.NO_HOST, "no A record www.example.test")
    for forced, outcome in (("429 Rate limited", Outcome.RATE_LIMITED), ("1000 Internal", Outcome.SERVER_ERROR)):
        ddns_lab.provider.forced = forced
        assert (await client.update(session, PUBLIC_IP)).outcome is outcome


async def test_an_update_url_and_network_failures(ddns_lab: DdnsLab, session: aiohttp.ClientSession) -> None:
    template = f"http://127.0.0.1:{ddns_lab.provider.port}/custom/update?host={{hostname}}&ip={{ip}}&key=duck-t0ken"
    client = UpdateUrl(HOSTNAME, template)
    assert (await client.update(session, NEW_IP)).outcome is Outcome.UPDATED
    assert await _record(ddns_lab) == (NEW_IP,)
    refused = await UpdateUrl(HOSTNAME, template.replace("duck-t0ken", "nope")).update(session, NEW_IP)
    assert (refused.outcome, refused.answer) == (Outcome.BAD_AUTH, "HTTP 401")
    for status, outcome in (("500", Outcome.SERVER_ERROR), ("429", Outcome.RATE_LIMITED), ("404", Outcome.REJECTED)):
        ddns_lab.provider.forced = status
        assert (await client.update(session, NEW_IP)).outcome is outcome, status
    # Nothing listening, and a provider that does not answer in time: the answer names
    # the kind of failure only (the URL holds the key).
    closed = await UpdateUrl(HOSTNAME, f"http://127.0.0.1:{free_port()}/u?key=duck-t0ken").update(session, NEW_IP)
    assert (closed.outcome, closed.answer) == (Outcome.UNREACHABLE, "ClientConnectorError")
    ddns_lab.provider.forced = None
    ddns_lab.provider.delay = 1.0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ddns, "TIMEOUT", aiohttp.ClientTimeout(total=0.3))
        slow = await client.update(session, NEW_IP)
        slow_cf = await Cloudflare(HOSTNAME, "t", "example.test", ddns_lab.provider.base("cloudflare")).update(
            session, NEW_IP
        )
    assert (slow.outcome, slow.answer) == (Outcome.UNREACHABLE, "timeout")
    assert (slow_cf.outcome, slow_cf.answer) == (Outcome.UNREACHABLE, "timeout")
    ddns_lab.provider.delay = 0
    port = free_port()
    gone = await Cloudflare(HOSTNAME, "t", "example.test", f"http://127.0.0.1:{port}/v4").update(session, NEW_IP)
    assert gone.outcome is Outcome.UNREACHABLE
