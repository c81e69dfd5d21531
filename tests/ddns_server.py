"""Dynamic DNS providers on loopback, each speaking its documented protocol.

One account holds one hostname. A successful update changes the address the
provider holds and, unless ``propagate`` is off, rewrites the hosts file of
the real dnsmasq that is the zone's authoritative server and sends it SIGHUP:
the new address then resolves there, as after a real propagation.

Routes (each provider under its own prefix, the base URL a test points at):

- ``/duckdns/update?domains=&token=&ip=&verbose=true`` -> ``OK``/``KO``
- ``/noip/nic/update?hostname=&myip=`` (basic auth, User-Agent required) -> dyndns2 codes
- ``/freedns/u/TOKEN/?ip=`` -> ``Updated ...``, ``No IP change detected ...``, ``ERROR: ...``
- ``/cloudflare/client/v4/zones``, ``.../dns_records`` (GET), ``.../dns_records/ID`` (PATCH), bearer token
- ``/custom/update?host=&ip=&key=`` -> 200 ``ok``, 401

``forced`` makes the next answers a given reply (``abuse``, ``911``, ``KO``, a
Cloudflare error code ...); ``delay`` holds every answer.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from aiohttp import web

from .peers import Dnsmasq
from .web_server import ThreadedServer

ZONE_ID = "zone0123"
RECORD_ID = "rec4567"


class ProviderServer(ThreadedServer):
    """A provider account for ``hostname`` whose zone is ``dns``."""

    def __init__(self, dns: Dnsmasq, hostname: str, address: str) -> None:
        super().__init__()
        self.dns = dns
        self.hostname = hostname
        self.address = address  # what the provider holds
        self.token = "duck-t0ken"
        self.username = "alice"
        self.password = "s3cret-pw"
        self.api_token = "cf-api-t0ken"
        self.zone = hostname.partition(".")[2]
        self.propagate = True
        self.forced: str | None = None
        self.delay = 0.0
        self.requests: list[str] = []  # the route of every request
        self.user_agents: list[str] = []

    def base(self, provider: str) -> str:
        """The base URL of one provider's API."""
        suffix = {"noip": "/nic/update", "cloudflare": "/client/v4"}.get(provider, "")
        return f"http://127.0.0.1:{self.port}/{provider}{suffix}"

    def routes(self, app: web.Application) -> None:
        """Each provider's API under its own prefix."""
        app.router.add_get("/duckdns/update", self._duckdns)
        app.router.add_get("/noip/nic/update", self._dyndns2)
        app.router.add_get("/freedns/u/{token}/", self._freedns)
        app.router.add_get("/cloudflare/client/v4/zones", self._cf_zones)
        app.router.add_get("/cloudflare/client/v4/zones/{zone}/dns_records", self._cf_records)
        app.router.add_patch("/cloudflare/client/v4/zones/{zone}/dns_records/{record}", self._cf_patch)
        app.router.add_get("/custom/update", self._custom)

    async def _enter(self, request: web.Request, name: str) -> None:
        self.requests.append(name)
        if self.delay:
            await asyncio.sleep(self.delay)

    def _set(self, address: str) -> bool:
        """Hold ``address``; True if it changed. The zone learns it unless propagation is off."""
        if address == self.address:
            return False
        self.address = address
        if self.propagate:
            self.dns.hosts[self.hostname] = address
            self.dns.reload()
        return True

    # ------------------------------------------------------------------ DuckDNS

    async def _duckdns(self, request: web.Request) -> web.Response:
        await self._enter(request, "duckdns")
        query = request.query
        if self.forced is not None:
            return web.Response(text=self.forced)
        if query.get("token") != self.token or query.get("domains") != self.hostname.removesuffix(".duckdns.org"):
            return web.Response(text="KO")
        address = query.get("ip") or request.remote or ""
        changed = self._set(address)
        return web.Response(text=f"OK\n{address}\n\n{'UPDATED' if changed else 'NOCHANGE'}")

    # ------------------------------------------------------------------ dyndns2 (No-IP)

    async def _dyndns2(self, request: web.Request) -> web.Response:
        await self._enter(request, "dyndns2")
        self.user_agents.append(request.headers.get("User-Agent", ""))
        if self.forced is not None:
            return web.Response(text=self.forced)
        if not request.headers.get("User-Agent", "").startswith("HomeSentry"):
            return web.Response(text="badagent")
        expected = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.Response(status=401, text="badauth")
        if request.query.get("hostname") != self.hostname:
            return web.Response(text="nohost")
        address = request.query.get("myip") or request.remote or ""
        return web.Response(text=f"{'good' if self._set(address) else 'nochg'} {address}")

    # ------------------------------------------------------------------ FreeDNS

    async def _freedns(self, request: web.Request) -> web.Response:
        await self._enter(request, "freedns")
        if self.forced is not None:
            return web.Response(text=self.forced)
        if request.match_info["token"] != self.token:
            return web.Response(text="ERROR: Unable to locate this record (changed password recently? deleted?)")
        address = request.query.get("ip") or request.remote or ""
        old = self.address
        if not self._set(address):
            return web.Response(text=f"No IP change detected for {self.hostname} with IP {address}, skipping update")
        return web.Response(text=f"Updated {self.hostname} from {old} to {address}")

    # ------------------------------------------------------------------ Cloudflare

    def _cf_auth(self, request: web.Request) -> web.Response | None:
        if self.forced is not None:
            code, _, message = self.forced.partition(" ")
            status = 429 if code == "429" else 403 if code in ("10000", "9109") else 500
            return _cf_error(status, int(code), message)
        if request.headers.get("Authorization") != f"Bearer {self.api_token}":
            return _cf_error(403, 10000, "Authentication error")
        return None

    async def _cf_zones(self, request: web.Request) -> web.Response:
        await self._enter(request, "cloudflare")
        if (refused := self._cf_auth(request)) is not None:
            return refused
        found = request.query.get("name") == self.zone
        return _cf_ok([{"id": ZONE_ID, "name": self.zone}] if found else [])

    async def _cf_records(self, request: web.Request) -> web.Response:
        await self._enter(request, "cloudflare")
        if (refused := self._cf_auth(request)) is not None:
            return refused
        if request.match_info["zone"] != ZONE_ID:
            return _cf_error(404, 7003, "Could not route")
        if request.query.get("name") != self.hostname or request.query.get("type") != "A":
            return _cf_ok([])
        record = {"id": RECORD_ID, "name": self.hostname, "type": "A", "content": self.address, "proxied": False}
        return _cf_ok([record])

    async def _cf_patch(self, request: web.Request) -> web.Response:
        await self._enter(request, "cloudflare-patch")
        if (refused := self._cf_auth(request)) is not None:
            return refused
        if request.match_info["record"] != RECORD_ID:
            return _cf_error(404, 81044, "Record does not exist.")
        body = await request.json()
        self._set(str(body["content"]))
        return _cf_ok({"id": RECORD_ID, "content": self.address})

    # ------------------------------------------------------------------ an update URL

    async def _custom(self, request: web.Request) -> web.Response:
        await self._enter(request, "custom")
        if request.query.get("key") != self.token:
            return web.Response(status=401, text="unauthorized")
        if self.forced is not None:
            return web.Response(status=int(self.forced), text="error")
        self._set(request.query.get("ip", ""))
        return web.Response(text="ok")


def _cf_ok(result: Any) -> web.Response:
    return web.json_response({"success": True, "errors": [], "messages": [], "result": result})


def _cf_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None},
        status=status,
    )
