"""A token service that answers as Docker Hub's auth endpoint does, for a real registry with token auth.

The registry (docker-registry with ``auth: token``) answers 401 with
``WWW-Authenticate: Bearer realm=...,service=...,scope=...``; a client asks
this service for a token (``GET /token?service=...&scope=...``) and gets
``{"token": ..., "access_token": ..., "expires_in": ...}``: a JWT signed with
a key whose certificate is the registry's ``rootcertbundle``, granting the
scope asked. Where it differs from the real Hub: it grants any scope to
anyone (the Hub grants anonymous pulls of public repositories only), its key
is this test's, and it counts the tokens it gave (``issued``).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
from pathlib import Path
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
import jwt

ISSUER = "homesentry-test-issuer"
SERVICE = "homesentry-registry"


class TokenServer:
    """The service on 127.0.0.1 (a thread); ``registry_auth`` is the registry's ``auth.token`` section."""

    def __init__(self, directory: Path) -> None:
        """A key and a self-signed certificate in ``directory``."""
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "homesentry token service")])
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        self.bundle = directory / "token.pem"
        self.bundle.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        self.issued = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def realm(self) -> str:
        """Where tokens are asked for."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/token"

    @property
    def registry_auth(self) -> dict[str, str]:
        """The registry's ``auth.token`` configuration."""
        return {"realm": self.realm, "service": SERVICE, "issuer": ISSUER, "rootcertbundle": str(self.bundle)}

    def start(self) -> TokenServer:
        """Serve on its thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def token(self, scopes: list[str]) -> str:
        """A token granting ``scopes`` (``repository:NAME:ACTIONS``)."""
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
        now = datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "sub": "",
            "aud": SERVICE,
            "exp": now + timedelta(minutes=5),
            "nbf": now - timedelta(seconds=10),
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"x5c": [base64.b64encode(der).decode()]})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                token = service.token(query.get("scope", []))
                service.issued += 1
                body: dict[str, Any] = {"token": token, "access_token": token, "expires_in": 300}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        return Handler
