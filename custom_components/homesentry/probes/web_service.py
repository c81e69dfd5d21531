"""Web service checks: HTTP(S) with expectations, a TCP port, ICMP reachability."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import errno
import socket
import ssl
import time
from typing import Final

import aiohttp
from cryptography import x509
from yarl import URL

from .ping import PingMethod, ping

CHECK_TIMEOUT: Final = 10.0
# How much of a body is searched for the keyword.
MAX_BODY: Final = 1_048_576


class CheckKind(StrEnum):
    """What a web service check does."""

    HTTP = "http"
    TCP = "tcp"
    ICMP = "icmp"


class Failure(StrEnum):
    """Why a check failed."""

    TIMEOUT = "timeout"
    REFUSED = "refused"
    DNS = "dns"
    TLS = "tls"
    STATUS = "status"
    KEYWORD = "keyword"
    ERROR = "error"  # reset, closed mid-answer, unreachable network


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: whether it passed, how fast, and what it saw."""

    ok: bool
    response_ms: float | None = None
    status: int | None = None
    failure: Failure | None = None
    detail: str = ""
    certificate_expires: datetime | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    """Where an app answers and what its answer contains."""

    path: str
    keyword: str = ""
    statuses: str = "200-299"


# Health endpoints of the apps home-labs run (their public docs; see README).
PRESETS: Final[Mapping[str, Preset]] = {
    "plex": Preset("/identity", "MediaContainer"),
    "jellyfin": Preset("/health", "Healthy"),
    "pihole": Preset("/admin/", "Pi-hole"),
    "qbittorrent": Preset("/", "qBittorrent"),
    "home_assistant": Preset("/manifest.json", "Home Assistant"),
    "nextcloud": Preset("/status.php", '"installed":true'),
    "proxmox": Preset("/", "Proxmox"),
    "portainer": Preset("/api/system/status", "Version"),
    "vaultwarden": Preset("/alive"),
    "arr": Preset("/ping", "OK"),  # Sonarr, Radarr, Lidarr, Prowlarr
}


def parse_statuses(text: str) -> frozenset[int]:
    """``200-299,301`` as the set of codes; ``ValueError`` for anything else."""
    codes: set[int] = set()
    for part in text.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        first, last = int(low), int(high or low)
        if not 100 <= first <= last <= 599:
            raise ValueError(part)
        codes.update(range(first, last + 1))
    return frozenset(codes)


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` lines as headers; ``ValueError`` for a line without a name."""
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
            raise ValueError(line)
        headers[name.strip()] = value.strip()
    return headers


# Only to read the server's certificate: verifying it is the HTTP check's job.
_READ_CERTIFICATE = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_READ_CERTIFICATE.check_hostname = False
_READ_CERTIFICATE.verify_mode = ssl.CERT_NONE


async def certificate_expiry(host: str, port: int, *, seconds: float = CHECK_TIMEOUT) -> datetime | None:
    """When the certificate a TLS server presents expires; None if it presents none."""
    try:
        async with asyncio.timeout(seconds):
            _, writer = await asyncio.open_connection(host, port, ssl=_READ_CERTIFICATE, server_hostname=host)
    except OSError, TimeoutError:
        return None
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        return None if der is None else x509.load_der_x509_certificate(der).not_valid_after_utc
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _failure(err: BaseException) -> Failure:
    if isinstance(err, (TimeoutError, aiohttp.ServerTimeoutError)):
        return Failure.TIMEOUT
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return Failure.DNS
    if isinstance(err, (aiohttp.ClientSSLError, ssl.SSLError)):
        return Failure.TLS
    if isinstance(err, aiohttp.ClientConnectorError) and err.os_error.errno == errno.ECONNREFUSED:
        return Failure.REFUSED
    if isinstance(err, ConnectionRefusedError):
        return Failure.REFUSED
    return Failure.ERROR


async def check_http(
    session: aiohttp.ClientSession,
    url: str,
    *,
    method: str = "GET",
    statuses: frozenset[int] = frozenset(range(200, 300)),
    keyword: str = "",
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
    seconds: float = CHECK_TIMEOUT,
) -> CheckResult:
    """Ask ``url``; it passes with an expected status and, if given, the keyword in the body.

    Response time is to the response headers (time to first byte).
    """
    start = time.perf_counter()
    try:
        async with session.request(
            method,
            url,
            headers=dict(headers or {}),
            allow_redirects=follow_redirects,
            timeout=aiohttp.ClientTimeout(total=seconds),
        ) as response:
            elapsed = (time.perf_counter() - start) * 1000
            status = response.status
            body = await response.content.read(MAX_BODY) if keyword and method != "HEAD" else b""
    except (aiohttp.ClientError, TimeoutError, OSError) as err:
        return CheckResult(ok=False, failure=_failure(err), detail=str(err) or type(err).__name__)
    url_parts = URL(url)
    expires = None
    if url_parts.scheme == "https" and url_parts.host:
        expires = await certificate_expiry(url_parts.host, url_parts.port or 443, seconds=seconds)
    failure, detail = None, ""
    if status not in statuses:
        failure, detail = Failure.STATUS, f"HTTP {status}"
    elif keyword and keyword.encode() not in body:
        failure, detail = Failure.KEYWORD, f"{keyword!r} not in the answer"
    return CheckResult(failure is None, round(elapsed, 1), status, failure, detail, expires)


async def check_tcp(host: str, port: int, *, seconds: float = CHECK_TIMEOUT) -> CheckResult:
    """The port accepts a connection; response time is the handshake's."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            _, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return CheckResult(ok=False, failure=Failure.TIMEOUT, detail=f"no answer in {seconds:g} s")
    except socket.gaierror as err:
        return CheckResult(ok=False, failure=Failure.DNS, detail=str(err))
    except OSError as err:
        return CheckResult(ok=False, failure=_failure(err), detail=str(err) or type(err).__name__)
    elapsed = (time.perf_counter() - start) * 1000
    writer.close()
    await writer.wait_closed()
    return CheckResult(ok=True, response_ms=round(elapsed, 1))


async def check_icmp(host: str, method: PingMethod, *, count: int = 3) -> CheckResult:
    """The host answers echo requests (any of ``count``); response time is the average."""
    result = await ping(host, method=method, count=count)
    if result.address is None:
        return CheckResult(ok=False, failure=Failure.DNS, detail=result.error or "cannot resolve")
    if not result.received:
        detail = result.error or f"no answer to {result.sent} echo requests"
        return CheckResult(ok=False, failure=Failure.TIMEOUT, detail=detail)
    return CheckResult(ok=True, response_ms=round(sum(result.rtts) / len(result.rtts), 1))
