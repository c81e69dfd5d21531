"""Web checks against real HTTP(S) servers and ports on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import socket

import aiohttp
import pytest
from pytest_homeassistant_custom_component import plugins
import pytest_socket

from custom_components.homesentry.probes.ping import PingMethod
from custom_components.homesentry.probes.web_service import (
    Failure,
    check_http,
    check_icmp,
    check_tcp,
    parse_headers,
    parse_statuses,
)

from ..peers import free_port
from ..web_server import WebServer, self_signed


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[WebServer]:
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    web = WebServer().start()
    yield web
    web.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def test_http_expectations(server: WebServer, session: aiohttp.ClientSession) -> None:
    ok = await check_http(session, f"{server.base}/ok", keyword="Healthy")
    assert ok.ok
    assert ok.status == 200
    assert ok.response_ms is not None
    assert 0 < ok.response_ms < 1000
    assert ok.certificate_expires is None  # plain HTTP

    missing = await check_http(session, f"{server.base}/ok", keyword="Unhealthy")
    assert (missing.ok, missing.failure, missing.status) == (False, Failure.KEYWORD, 200)
    error = await check_http(session, f"{server.base}/status/503")
    assert (error.ok, error.failure, error.status, error.detail) == (False, Failure.STATUS, 503, "HTTP 503")
    teapot = await check_http(session, f"{server.base}/status/418", statuses=parse_statuses("200-299,418"))
    assert teapot.ok

    followed = await check_http(session, f"{server.base}/redirect")
    assert (followed.ok, followed.status) == (True, 200)
    redirect = await check_http(session, f"{server.base}/redirect", follow_redirects=False)
    assert (redirect.ok, redirect.status, redirect.failure) == (False, 301, Failure.STATUS)
    expected = await check_http(session, f"{server.base}/redirect", follow_redirects=False, statuses=frozenset({301}))
    assert expected.ok

    refused = await check_http(session, f"{server.base}/echo-header")
    assert refused.status == 401
    allowed = await check_http(session, f"{server.base}/echo-header", headers=parse_headers("X-Api-Key: s3cret\n"))
    assert allowed.ok

    slow = await check_http(session, f"{server.base}/slow", seconds=0.5)
    assert (slow.ok, slow.failure) == (False, Failure.TIMEOUT)
    reset = await check_http(session, f"{server.base}/reset")
    assert (reset.ok, reset.failure) == (False, Failure.ERROR)
    closed = await check_http(session, f"http://127.0.0.1:{free_port('127.0.0.1')}/")
    assert (closed.ok, closed.failure) == (False, Failure.REFUSED)


async def test_a_name_that_does_not_resolve(
    socket_enabled: None, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The machine's own resolver, which the test harness otherwise blocks for names.
    monkeypatch.setattr(socket, "getaddrinfo", plugins._real_getaddrinfo)
    result = await check_http(session, "http://homesentry-test.invalid/", seconds=30)  # RFC 6761: never resolves
    assert (result.ok, result.failure) == (False, Failure.DNS)
    tcp = await check_tcp("homesentry-test.invalid", 80, seconds=30)
    assert (tcp.ok, tcp.failure) == (False, Failure.DNS)


async def test_tls_certificate_expiry_and_verification(
    socket_enabled: None, tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    context, expires = self_signed(tmp_path, days=5)
    server = WebServer(context).start()
    try:
        verified = await check_http(session, f"{server.base}/ok")  # self-signed: not trusted
        assert (verified.ok, verified.failure) == (False, Failure.TLS)
        assert "certificate" in verified.detail
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as unverified:
            result = await check_http(unverified, f"{server.base}/ok")
        assert result.ok
        assert result.certificate_expires == expires
    finally:
        server.stop()


async def test_tcp_and_icmp(server: WebServer) -> None:
    assert (await check_tcp("127.0.0.1", server.port)).ok
    closed = await check_tcp("127.0.0.1", free_port("127.0.0.1"))
    assert (closed.ok, closed.failure) == (False, Failure.REFUSED)
    loopback = await check_icmp("127.0.0.1", PingMethod.TCP, count=2)  # TCP timing needs no privilege
    assert loopback.ok is False or loopback.response_ms is not None


def test_parsers_refuse_nonsense() -> None:
    assert parse_statuses("200-204, 301") == frozenset({200, 201, 202, 203, 204, 301})
    for bad in ("", "abc", "99", "600", "300-200"):
        with pytest.raises(ValueError, match=r"."):
            parse_statuses(bad)
    assert parse_headers("Authorization: Bearer x\n\nX-Key:1") == {"Authorization": "Bearer x", "X-Key": "1"}
    for bad in ("no colon", ": empty name", "two words: x"):
        with pytest.raises(ValueError, match=r"."):
            parse_headers(bad)
