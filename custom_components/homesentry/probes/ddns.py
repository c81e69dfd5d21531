"""Dynamic DNS providers, each speaking its own documented update protocol.

- DuckDNS: ``GET /update?domains=&token=&ip=&verbose=true``; ``OK`` (then the
  address and ``UPDATED`` or ``NOCHANGE``) or ``KO`` (token or domain wrong).
- dyndns2 (No-IP, Dynu, any server that speaks it): ``GET /nic/update?hostname=&myip=``
  with HTTP basic auth and a User-Agent naming the client; answers ``good IP``,
  ``nochg IP``, ``nohost``, ``badauth``, ``badagent``, ``!donator``, ``abuse``,
  ``911``, ``dnserr``, ``notfqdn``, ``numhost``.
- FreeDNS (afraid.org, dynamic DNS v2): ``GET /u/TOKEN/?ip=``; ``Updated ...``,
  ``No IP change detected ...`` or ``ERROR: ...``.
- Cloudflare (API v4, token with DNS edit on the zone): the zone and A record
  are looked up, then the record's content is patched, only if it differs.
- An update URL template for anything else: ``{ip}`` and ``{hostname}`` are
  filled in, a 2xx answer is success.

Every answer becomes an ``Outcome``; the caller decides what each means (stop
until the user acts, back off, or carry on). No secret ever appears in an
answer's text: tokens live in URLs and headers, and only the provider's own
reply (or the kind of network error) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

import aiohttp
from yarl import URL

TIMEOUT: Final = aiohttp.ClientTimeout(total=15)


class Outcome(StrEnum):
    """What an update (or a credentials check) came to."""

    UPDATED = "updated"
    UNCHANGED = "unchanged"
    BAD_AUTH = "bad_auth"
    NO_HOST = "no_host"
    BAD_AGENT = "bad_agent"
    NOT_DONATOR = "not_donator"
    ABUSE = "abuse"
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"
    REJECTED = "rejected"

    @property
    def ok(self) -> bool:
        """The provider holds the address now."""
        return self in (Outcome.UPDATED, Outcome.UNCHANGED)

    @property
    def halts(self) -> bool:
        """No further update may be sent until the user acts (the providers' rule)."""
        return self in HALTING


HALTING: Final = frozenset({Outcome.BAD_AUTH, Outcome.NO_HOST, Outcome.BAD_AGENT, Outcome.NOT_DONATOR, Outcome.ABUSE})

# dyndns2 return codes (the first word of the answer).
DYNDNS2_CODES: Final = {
    "good": Outcome.UPDATED,
    "nochg": Outcome.UNCHANGED,
    "nohost": Outcome.NO_HOST,
    "notfqdn": Outcome.NO_HOST,
    "numhost": Outcome.NO_HOST,
    "badauth": Outcome.BAD_AUTH,
    "badagent": Outcome.BAD_AGENT,
    "!donator": Outcome.NOT_DONATOR,
    "abuse": Outcome.ABUSE,
    "911": Outcome.SERVER_ERROR,
    "dnserr": Outcome.SERVER_ERROR,
}

# Cloudflare error codes that mean the token is wrong or lacks a permission.
CLOUDFLARE_AUTH_CODES: Final = frozenset({6003, 6111, 9103, 9106, 9109, 10000, 10001})


@dataclass(frozen=True, slots=True)
class UpdateAnswer:
    """The provider's verdict, its own words (first line), and the address it reports."""

    outcome: Outcome
    answer: str
    address: str | None = None


class Provider(Protocol):
    """A dynamic DNS service that can point ``hostname`` at an address."""

    @property
    def hostname(self) -> str:
        """The name whose A record the provider keeps."""
        ...

    async def update(self, session: aiohttp.ClientSession, address: str | None) -> UpdateAnswer:
        """Point the hostname at ``address`` (None: the address the request comes from)."""
        ...


async def check_credentials(provider: Provider, session: aiohttp.ClientSession, address: str | None) -> UpdateAnswer:
    """Prove the credentials work before an entry is made.

    Cloudflare can read the record without writing it; the other protocols
    have only the update, so the check is an update to the current address
    (at worst one harmless ``nochg``).
    """
    if isinstance(provider, Cloudflare):
        return await provider.validate(session)
    return await provider.update(session, address)


def _status_outcome(status: int) -> Outcome | None:
    """What an HTTP status says on its own, whatever the body."""
    if status in (401, 403):
        return Outcome.BAD_AUTH
    if status == 429:
        return Outcome.RATE_LIMITED
    if status >= 500:
        return Outcome.SERVER_ERROR
    return None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]


async def _get(
    session: aiohttp.ClientSession, url: URL, *, headers: dict[str, str] | None = None
) -> tuple[int, str] | UpdateAnswer:
    """Status and body, or an UNREACHABLE answer naming only the kind of error."""
    try:
        async with session.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=True) as response:
            return response.status, await response.text(errors="replace")
    except TimeoutError:
        return UpdateAnswer(Outcome.UNREACHABLE, "timeout")
    except aiohttp.ClientError as err:
        return UpdateAnswer(Outcome.UNREACHABLE, type(err).__name__)


@dataclass(frozen=True, slots=True)
class DuckDns:
    """DuckDNS: a subdomain of duckdns.org and the account's token."""

    hostname: str
    token: str
    base_url: str = "https://www.duckdns.org"

    @property
    def subdomain(self) -> str:
        """The part before ``.duckdns.org`` (what the API calls a domain)."""
        return self.hostname.removesuffix(".duckdns.org")

    async def update(self, session: aiohttp.ClientSession, address: str | None) -> UpdateAnswer:
        """One GET; ``verbose=true`` tells an update from no change."""
        query = {"domains": self.subdomain, "token": self.token, "verbose": "true"}
        if address:
            query["ip"] = address
        got = await _get(session, URL(self.base_url) / "update" % query)
        if isinstance(got, UpdateAnswer):
            return got
        status, body = got
        lines = [line.strip() for line in body.splitlines()]
        first = lines[0] if lines else ""
        if first == "OK":
            reported = lines[1] if len(lines) > 1 and lines[1] else None
            changed = "UPDATED" in lines[2:]
            outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
            return UpdateAnswer(outcome, " ".join(filter(None, lines)), reported)
        if first == "KO":
            return UpdateAnswer(Outcome.BAD_AUTH, "KO")
        return UpdateAnswer(_status_outcome(status) or Outcome.REJECTED, _first_line(body) or f"HTTP {status}")


@dataclass(frozen=True, slots=True)
class DynDns2:
    """The dyndns2 protocol: No-IP, Dynu and any server URL that speaks it."""

    hostname: str
    username: str
    password: str
    server_url: str
    user_agent: str

    async def update(self, session: aiohttp.ClientSession, address: str | None) -> UpdateAnswer:
        """One GET with basic auth; the first word of the answer is the return code."""
        query = {"hostname": self.hostname}
        if address:
            query["myip"] = address
        got = await _get(
            session,
            URL(self.server_url) % query,
            headers={
                "User-Agent": self.user_agent,
                "Authorization": aiohttp.encode_basic_auth(self.username, self.password),
            },
        )
        if isinstance(got, UpdateAnswer):
            return got
        status, body = got
        line = _first_line(body)
        code, _, rest = line.partition(" ")
        outcome = DYNDNS2_CODES.get(code)
        if outcome is None:
            return UpdateAnswer(_status_outcome(status) or Outcome.REJECTED, line or f"HTTP {status}")
        return UpdateAnswer(outcome, line, rest.split(",")[0].strip() or None if outcome.ok else None)


@dataclass(frozen=True, slots=True)
class FreeDns:
    """FreeDNS (afraid.org): the per-record token of its dynamic DNS v2 interface."""

    hostname: str
    token: str
    base_url: str = "https://sync.afraid.org"

    async def update(self, session: aiohttp.ClientSession, address: str | None) -> UpdateAnswer:
        """One GET of the record's update URL."""
        url = URL(self.base_url) / "u" / self.token / ""
        got = await _get(session, url % {"ip": address} if address else url)
        if isinstance(got, UpdateAnswer):
            return got
        status, body = got
        line = _first_line(body)
        lowered = line.lower()
        if lowered.startswith("updated"):
            return UpdateAnswer(Outcome.UPDATED, line, address)
        if lowered.startswith("no ip change") or "has not changed" in lowered:
            return UpdateAnswer(Outcome.UNCHANGED, line, address)
        if "unable to locate this record" in lowered or "invalid update url" in lowered:
            return UpdateAnswer(Outcome.BAD_AUTH, line)
        return UpdateAnswer(_status_outcome(status) or Outcome.REJECTED, line or f"HTTP {status}")


class CloudflareError(Exception):
    """The API said no; ``outcome`` says how."""

    def __init__(self, answer: UpdateAnswer) -> None:
        """Keep the answer."""
        super().__init__(answer.answer)
        self.answer = answer


@dataclass(frozen=True, slots=True)
class Cloudflare:
    """Cloudflare's API v4: an API token, the zone, and the A record (the hostname)."""

    hostname: str
    token: str
    zone: str
    base_url: str = "https://api.cloudflare.com/client/v4"

    async def _call(
        self, session: aiohttp.ClientSession, method: str, path: str, *, query: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:  # fmt: skip
        url = URL(self.base_url + path) % (query or {})
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with session.request(method, url, headers=headers, json=body, timeout=TIMEOUT) as response:
                status = response.status
                try:
                    payload = await response.json(content_type=None)
                except ValueError:
                    payload = None
        except TimeoutError:
            raise CloudflareError(UpdateAnswer(Outcome.UNREACHABLE, "timeout")) from None
        except aiohttp.ClientError as err:
            raise CloudflareError(UpdateAnswer(Outcome.UNREACHABLE, type(err).__name__)) from None
        if isinstance(payload, dict) and payload.get("success") is True:
            return payload.get("result")
        errors = payload.get("errors") if isinstance(payload, dict) else None
        codes = {int(e.get("code", 0)) for e in errors or () if isinstance(e, dict)}
        text = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors or () if isinstance(e, dict))
        outcome = Outcome.BAD_AUTH if codes & CLOUDFLARE_AUTH_CODES else _status_outcome(status) or Outcome.REJECTED
        raise CloudflareError(UpdateAnswer(outcome, text[:200] or f"HTTP {status}"))

    async def lookup(self, session: aiohttp.ClientSession) -> tuple[str, dict[str, Any]]:
        """The zone's id and the hostname's A record; NO_HOST when either is missing."""
        zones = await self._call(session, "GET", "/zones", query={"name": self.zone})
        if not zones:
            raise CloudflareError(UpdateAnswer(Outcome.NO_HOST, f"zone {self.zone} not found"))
        zone_id = str(zones[0]["id"])
        records = await self._call(
            session, "GET", f"/zones/{zone_id}/dns_records", query={"type": "A", "name": self.hostname}
        )
        if not records:
            raise CloudflareError(UpdateAnswer(Outcome.NO_HOST, f"no A record {self.hostname}"))
        return zone_id, dict(records[0])

    async def validate(self, session: aiohttp.ClientSession) -> UpdateAnswer:
        """Read the zone and record (nothing is written)."""
        try:
            _, record = await self.lookup(session)
        except CloudflareError as err:
            return err.answer
        return UpdateAnswer(Outcome.UNCHANGED, "record found", str(record.get("content")) or None)

    async def update(self, session: aiohttp.ClientSession, address: str | None) -> UpdateAnswer:
        """Patch the record's content, unless it already holds ``address``."""
        if not address:
            return UpdateAnswer(Outcome.REJECTED, "Cloudflare needs the address to set")
        try:
            zone_id, record = await self.lookup(session)
            if record.get("content") == address:
                return UpdateAnswer(Outcome.UNCHANGED, "record already holds the address", address)
            await self._call(
                session, "PATCH", f"/zones/{zone_id}/dns_records/{record['id']}", body={"content": address}
            )
        except CloudflareError as err:
            return err.answer
        return UpdateAnswer(Outcome.UPDATED, "record updated", address)


@dataclass(frozen=True, slots=True)
class UpdateUrl:
    """Any service with an update URL: ``{ip}`` and ``{hostname}`` are filled in."""

    hostname: str
    template: str

    async def update(self, session: aiohttp.ClientSession, address: str | None) -> UpdateAnswer:
        """GET the filled-in URL; any 2xx is success (the body is kept as the answer)."""
        url = URL(self.template.replace("{ip}", address or "").replace("{hostname}", self.hostname), encoded=False)
        got = await _get(session, url)
        if isinstance(got, UpdateAnswer):
            return got
        status, body = got
        if 200 <= status < 300:
            return UpdateAnswer(Outcome.UPDATED, _first_line(body) or f"HTTP {status}", address)
        return UpdateAnswer(_status_outcome(status) or Outcome.REJECTED, f"HTTP {status}")
