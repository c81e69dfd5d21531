"""Container registries: whether the image a container runs is still what its tag points at.

Only ``HEAD /v2/<name>/manifests/<tag>`` is sent for a check (Docker Hub does
not count a HEAD against its pull limit), with the Accept headers of every
manifest and index type, so the registry answers the digest ``docker pull``
would resolve. A registry that asks for a login answers 401 with
``WWW-Authenticate``: ``Bearer realm=...,service=...,scope=...`` (Docker Hub,
GHCR, lscr.io: an anonymous token, or one for the entry's login) or
``Basic`` (a private registry: the entry's login). 429 raises
:class:`RateLimited` with the wait the registry asked for.

Where the tag's digest is not the one the image was pulled by, but the tag
points at a multi-platform index, the index (one GET) says whether the
image is its entry for this machine's platform: an engine that kept the
platform's manifest digest (Podman) is then up to date.

Blocking (``requests``): callers run it in an executor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import ipaddress
import re
import threading
import time
from typing import Any, Final

import requests

DOCKER_HUB: Final = "registry-1.docker.io"
REQUEST_TIMEOUT: Final = 10.0
INDEX_TYPES: Final = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES: Final = (
    *INDEX_TYPES,
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
)
VERSION_LABEL: Final = "org.opencontainers.image.version"
SOURCE_LABEL: Final = "org.opencontainers.image.source"
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


class RegistryError(Exception):
    """The registry could not say (unreachable, refused, an answer that is not a registry's)."""


class RateLimited(RegistryError):
    """429: ``retry_after`` seconds to wait (the registry's Retry-After, else an hour)."""

    def __init__(self, registry: str, retry_after: float) -> None:
        """Wait ``retry_after`` seconds before asking ``registry`` again."""
        super().__init__(f"{registry} asks to wait {retry_after:g} s (HTTP 429)")
        self.retry_after = retry_after


class NotInRegistry(RegistryError):
    """The registry has no such repository or tag (404)."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image reference as Docker resolves it: registry host, repository, tag and pinned digest."""

    registry: str
    repository: str
    tag: str
    digest: str | None = None

    @property
    def repository_key(self) -> str:
        """``registry/repository``, as a RepoDigests entry starts (Docker Hub's as ``docker.io/...``)."""
        host = "docker.io" if self.registry == DOCKER_HUB else self.registry
        return f"{host}/{self.repository}"


def parse_reference(text: str) -> ImageRef | None:
    """Docker's reading of an image reference; None where it names no registry image (an image id)."""
    text = text.strip()
    if not text or text.startswith("sha256:") or re.fullmatch(r"[0-9a-f]{12,64}", text):
        return None
    name, _, digest = text.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = "latest"
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name
        if "/" not in repository:
            repository = f"library/{repository}"
    if registry == "docker.io":
        registry = DOCKER_HUB
    return ImageRef(registry, repository.lower(), tag, digest or None)


def _insecure(host: str) -> bool:
    """Docker's default: a registry on loopback is spoken to over plain HTTP."""
    hostname = host.rsplit(":", 1)[0].strip("[]") if host.count(":") <= 1 or host.startswith("[") else host
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class RegistryClient:
    """HEADs manifests, with each registry's login and bearer tokens (kept until they expire)."""

    session: requests.Session = field(default_factory=requests.Session)
    logins: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # registry host: (user, password)
    timeout: float = REQUEST_TIMEOUT
    requests_sent: int = 0
    _tokens: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _url(self, ref: ImageRef, reference: str) -> str:
        scheme = "http" if _insecure(ref.registry) else "https"
        return f"{scheme}://{ref.registry}/v2/{ref.repository}/manifests/{reference}"

    def _send(self, method: str, url: str, headers: Mapping[str, str]) -> requests.Response:
        with self._lock:
            self.requests_sent += 1
        try:
            return self.session.request(method, url, headers=dict(headers), timeout=self.timeout, allow_redirects=True)
        except requests.RequestException as err:
            raise RegistryError(f"{url.split('/v2/', maxsplit=1)[0]}: {type(err).__name__}") from err

    def _token(self, ref: ImageRef, challenge: Mapping[str, str]) -> str:
        scope = challenge.get("scope") or f"repository:{ref.repository}:pull"
        key = (ref.registry, scope)
        with self._lock:
            cached = self._tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        params = {"scope": scope, **({"service": challenge["service"]} if "service" in challenge else {})}
        login = self.logins.get(ref.registry)
        with self._lock:
            self.requests_sent += 1
        try:
            answer = self.session.get(challenge["realm"], params=params, auth=login, timeout=self.timeout)
        except (requests.RequestException, KeyError) as err:
            raise RegistryError(f"{ref.registry}: no token ({type(err).__name__})") from err
        if answer.status_code == 429:
            raise RateLimited(ref.registry, _retry_after(answer))
        if answer.status_code != 200:
            raise RegistryError(f"{ref.registry}: the token service answered HTTP {answer.status_code}")
        body: dict[str, Any] = answer.json()
        token = str(body.get("token") or body.get("access_token") or "")
        if not token:
            raise RegistryError(f"{ref.registry}: the token service gave no token")
        lifetime = float(body.get("expires_in") or 60)
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(lifetime - 10, 10))
        return token

    def _request(self, method: str, ref: ImageRef, reference: str) -> requests.Response:
        url = self._url(ref, reference)
        headers = {"Accept": ", ".join(MANIFEST_TYPES)}
        with self._lock:
            cached = next((t for (host, _), (t, until) in self._tokens.items()
                           if host == ref.registry and until > time.monotonic()), None)  # fmt: skip
        if cached is not None:
            headers["Authorization"] = f"Bearer {cached}"
        answer = self._send(method, url, headers)
        if answer.status_code == 401:
            kind, _, rest = answer.headers.get("WWW-Authenticate", "").partition(" ")
            if kind.lower() == "bearer":
                challenge = dict(_CHALLENGE.findall(rest))
                headers["Authorization"] = f"Bearer {self._token(ref, challenge)}"
                answer = self._send(method, url, headers)
            elif kind.lower() == "basic" and (login := self.logins.get(ref.registry)) is not None:
                headers["Authorization"] = requests.auth._basic_auth_str(*login)
                answer = self._send(method, url, headers)
        if answer.status_code == 429:
            raise RateLimited(ref.registry, _retry_after(answer))
        if answer.status_code == 404:
            raise NotInRegistry(f"{ref.registry}/{ref.repository}:{ref.tag} is not in the registry")
        if answer.status_code in (401, 403):
            raise RegistryError(f"{ref.registry} refused the login (HTTP {answer.status_code})")
        if answer.status_code != 200:
            raise RegistryError(f"{ref.registry} answered HTTP {answer.status_code}")
        return answer

    def head(self, ref: ImageRef) -> tuple[str, str]:
        """The digest the tag points at, and its media type."""
        answer = self._request("HEAD", ref, ref.tag)
        digest = answer.headers.get("Docker-Content-Digest", "")
        if not digest.startswith("sha256:"):
            raise RegistryError(f"{ref.registry} gave no digest for {ref.repository}:{ref.tag}")
        return digest, answer.headers.get("Content-Type", "").split(";")[0].strip()

    def platform_digests(self, ref: ImageRef, index_digest: str) -> dict[str, str]:
        """The manifests of an index, by ``os/architecture[/variant]`` (one GET)."""
        body: dict[str, Any] = self._request("GET", ref, index_digest).json()
        found: dict[str, str] = {}
        for manifest in body.get("manifests") or []:
            platform = manifest.get("platform") or {}
            key = "/".join(p for p in (platform.get("os"), platform.get("architecture"), platform.get("variant")) if p)
            found.setdefault(key, str(manifest.get("digest", "")))
        return found


def _retry_after(answer: requests.Response) -> float:
    text = answer.headers.get("Retry-After", "")
    return float(text) if text.strip().isdigit() else 3600.0


@dataclass(frozen=True, slots=True)
class ImageUpdate:
    """What a check found for the image a container runs."""

    reference: str  # as the container names it
    installed: str | None  # the image's version label, else its short digest
    latest: str | None  # the same for what the tag points at now (None: not applicable, or not known yet)
    release_url: str | None
    not_applicable: str | None = None  # why no check is made: pinned, local, no registry
    error: str | None = None  # why the last check gave nothing

    @property
    def available(self) -> bool:
        """A newer image is in the registry."""
        return (
            self.not_applicable is None and None not in (self.latest, self.installed) and self.latest != self.installed
        )


def short(digest: str) -> str:
    """``sha256:0123456789ab``: the first 12 hex digits, as ``docker images`` shows them."""
    return digest[:19]


def check_image(
    client: RegistryClient,
    reference: str,
    *,
    repo_digests: Sequence[str],
    labels: Mapping[str, str],
    platform: str,
    image_id: str = "",
) -> ImageUpdate:
    """Whether ``reference`` (as a container names its image) still points at the image it runs.

    ``repo_digests`` are the image's ``RepoDigests`` (empty: built or
    imported locally, never pulled or pushed); ``platform`` this machine's
    (``linux/amd64``). Raises :class:`RegistryError` where the registry cannot say.
    """
    version = labels.get(VERSION_LABEL) or None
    source = labels.get(SOURCE_LABEL) or None
    here = version or (short(image_id) if image_id.startswith("sha256:") else None)
    ref = parse_reference(reference)
    if ref is None:
        return ImageUpdate(reference, here, here, source, not_applicable="no_registry")
    if ref.digest is not None:
        return ImageUpdate(reference, version or short(ref.digest), version or short(ref.digest), source,
                           not_applicable="pinned")  # fmt: skip
    mine = [d.partition("@")[2] for d in repo_digests if _same_repository(d.partition("@")[0], ref)]
    if not mine or ref.registry == "localhost":  # Podman names what it built or imported localhost/NAME
        return ImageUpdate(reference, here, here, source, not_applicable="local")
    installed = version or short(mine[0])
    digest, media_type = client.head(ref)
    if digest in mine:
        return ImageUpdate(reference, installed, installed, source)
    if media_type in INDEX_TYPES and client.platform_digests(ref, digest).get(platform) in mine:
        return ImageUpdate(reference, installed, installed, source)
    return ImageUpdate(reference, installed, short(digest), source)


def _same_repository(name: str, ref: ImageRef) -> bool:
    other = parse_reference(name)
    return other is not None and (other.registry, other.repository) == (ref.registry, ref.repository)
