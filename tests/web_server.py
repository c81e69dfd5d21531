"""A real HTTP(S) server on loopback that behaves as a test tells it, and certificates for it."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
import ipaddress
from pathlib import Path
import ssl
import threading
from typing import Self

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(directory: Path, days: float) -> tuple[ssl.SSLContext, datetime]:
    """A server context with a new self-signed certificate for 127.0.0.1, valid ``days`` more."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "homesentry test")])
    now = datetime.now(UTC).replace(microsecond=0)
    expires = now + timedelta(days=days)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(expires)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, expires


class ThreadedServer:
    """An aiohttp server on its own thread and event loop, like a server on another machine.

    Subclasses add their routes in ``routes``; ``port`` is the loopback port the kernel picked.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(lambda loop, context: None)  # a dropped handshake is expected
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"test-{type(self).__name__}")

    def routes(self, app: web.Application) -> None:
        """Add the server's routes."""
        raise NotImplementedError

    def start(self) -> Self:
        """Listen on a free loopback port."""
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop listening and end the thread."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        # Port 0: the kernel picks a free one at bind time (no race with another test's server).
        await web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context).start()
        self.port = int(self._runner.addresses[0][1])

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class WebServer(ThreadedServer):
    """Routes: ``/ok`` (200, "Healthy"), ``/status/N``, ``/slow`` (3 s), ``/redirect`` (301 to /ok),
    ``/reset`` (closes the connection), ``/switch`` (200 or 503 as ``healthy`` says), ``/echo-header``.

    A client that drops a TLS handshake troubles only the server's loop.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(ssl_context)
        self.healthy = True
        self.requests = 0

    @property
    def base(self) -> str:
        """The server's address."""
        return f"{'https' if self.ssl_context else 'http'}://127.0.0.1:{self.port}"

    def routes(self, app: web.Application) -> None:
        """The routes above."""
        app.router.add_get("/ok", self._ok)
        app.router.add_get("/health", self._ok)
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/reset", self._reset)
        app.router.add_get("/switch", self._switch)
        app.router.add_get("/echo-header", self._echo_header)

    async def _ok(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(text="Healthy")

    async def _status(self, request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="status")

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text="Healthy")

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/ok")

    async def _reset(self, request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.abort()
        return web.Response(text="never sent")

    async def _switch(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(status=200 if self.healthy else 503, text="Healthy" if self.healthy else "down")

    async def _echo_header(self, request: web.Request) -> web.Response:
        return web.Response(status=200 if request.headers.get("X-Api-Key") == "s3cret" else 401, text="key")


class RecordedExporter(ThreadedServer):
    """A Prometheus exporter that cannot run here, replaced by its recorded answer on /metrics.

    ``body`` is what it answers (a test may change it); with ``login`` set it
    asks for that basic-auth user and password, as an exporter's web.config does.
    """

    def __init__(self, body: str, login: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.body = body
        self.login = login

    @property
    def url(self) -> str:
        """Where it answers."""
        return f"http://127.0.0.1:{self.port}"

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/metrics", self._metrics)

    async def _metrics(self, request: web.Request) -> web.Response:
        if self.login is not None:
            expected = "Basic " + base64.b64encode(":".join(self.login).encode()).decode()
            if request.headers.get("Authorization") != expected:
                return web.Response(status=401)
        return web.Response(text=self.body, content_type="text/plain")
