"""Image updates in a real Home Assistant: a real dockerd pushing to a real registry (docker-registry 2.8).

Images are made from busybox-static (tests/peers.py) and pushed to the
registry on 127.0.0.1; a container runs one; a new image pushed under the
same tag turns its update entity on within one check.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import shutil
import subprocess
import tempfile
import threading
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesentry.const import DOMAIN
from custom_components.homesentry.probes.registry import RegistryClient, check_image, parse_reference, short

from .peers import DockerEngine, Registry, need
from .test_containers import _entry
from .token_server import TokenServer

SOURCE = "https://example.org/hs/app"


@pytest.fixture(autouse=True)
def _images_removed_after(docker_engine: DockerEngine) -> Iterator[None]:
    """The session's dockerd keeps only its busybox image after each test (other tests count its images)."""
    yield
    if docker_engine.process is None:
        return
    docker_engine.remove_all()
    keep = docker_engine.cli("image", "inspect", "--format", "{{.Id}}", docker_engine.image).stdout.strip()
    others = set(docker_engine.cli("images", "-aq", "--no-trunc").stdout.split()) - {keep}
    if others:
        docker_engine.cli("rmi", "-f", *others, check=False)


@pytest.fixture
def registry(engine: DockerEngine) -> Iterator[Registry]:
    """An open registry on 127.0.0.1."""
    peer = Registry(Path(tempfile.mkdtemp(prefix="hs-registry-"))).start()
    yield peer
    peer.stop()
    shutil.rmtree(peer.directory, ignore_errors=True)


def _docker(engine: DockerEngine, *args: str, config: Path | None = None) -> str:
    """The docker CLI against the test engine (with its own client config where a login is kept)."""
    extra = ["--config", str(config)] if config is not None else []
    done = subprocess.run(
        ["/usr/bin/docker", *extra, f"--host={engine.url}", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _build(engine: DockerEngine, tag: str, version: str) -> str:
    """An image of its own (busybox and a file), labelled with ``version``; its id."""
    builder = f"build-{version.replace('.', '-')}"
    _docker(engine, "run", "--name", builder, engine.image, "sh", "-c", f"echo {version} > /version")
    _docker(engine, "commit", "--change", f"LABEL org.opencontainers.image.version={version}",
            "--change", f"LABEL org.opencontainers.image.source={SOURCE}", builder, tag)  # fmt: skip
    _docker(engine, "rm", builder)
    return _docker(engine, "image", "inspect", "--format", "{{.Id}}", tag)


def _repo_digest(engine: DockerEngine, image: str) -> str:
    return _docker(engine, "image", "inspect", "--format", "{{index .RepoDigests 0}}", image).partition("@")[2]


async def _start(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _check(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    images = entry.runtime_data.monitor.images
    assert images is not None
    images._by_reference.clear()
    await images.async_refresh()
    await hass.async_block_till_done()


def _update(hass: HomeAssistant, entry: MockConfigEntry, container: str) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id("update", DOMAIN, f"{entry.unique_id}_image_update_{container}")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def test_a_new_image_under_the_tag_turns_the_update_on(
    hass: HomeAssistant, engine: DockerEngine, registry: Registry
) -> None:
    """Pushed, run, pushed again under the same tag: the entity says so, on HA's Updates page."""
    tag = f"{registry.host}/hs/app:stable"
    _build(engine, tag, "1.0")
    _docker(engine, "push", tag)
    first = _repo_digest(engine, tag)
    engine.cli("run", "-d", "--name", "app", tag, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    engine.run_container("local")  # busybox imported here: no registry has it
    entry = _entry(engine)
    await _start(hass, entry)

    state = _update(hass, entry, "app")
    assert state.state == "off"
    assert (state.attributes["installed_version"], state.attributes["latest_version"]) == ("1.0", "1.0")
    assert state.attributes["release_url"] == SOURCE
    assert state.attributes["image"] == tag
    assert state.attributes["supported_features"] == 0  # no install: compose or Portainer recreates it
    local = _update(hass, entry, "local")
    assert (local.state, local.attributes["not_applicable"]) == ("off", "local")
    assert local.attributes["installed_version"] == short(engine.inspect("local")["Image"])
    sent = entry.runtime_data.monitor.images.client.requests_sent
    assert sent == 1  # one HEAD for the pushed image, none for the local one

    _build(engine, tag, "1.1")
    _docker(engine, "push", tag)
    second = _repo_digest(engine, tag)
    assert second != first
    await _check(hass, entry)
    state = _update(hass, entry, "app")
    assert state.state == "on"
    assert (state.attributes["installed_version"], state.attributes["latest_version"]) == ("1.0", short(second))
    assert entry.runtime_data.monitor.images.client.requests_sent == sent + 1  # HEAD only

    # Recreated from the new image (as compose would): up to date again.
    engine.cli("rm", "-f", "app")
    engine.cli("run", "-d", "--name", "app", tag, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    await entry.runtime_data.monitor.engine.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    state = _update(hass, entry, "app")
    assert (state.state, state.attributes["installed_version"]) == ("off", "1.1")
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def private_registry(engine: DockerEngine, tmp_path: Path) -> Iterator[Registry]:
    """A registry that wants a login (htpasswd: user homesentry, password s3cret)."""
    htpasswd = tmp_path / "htpasswd"
    subprocess.run([need("htpasswd"), "-Bbc", str(htpasswd), "homesentry", "s3cret"], check=True, capture_output=True)
    peer = Registry(Path(tempfile.mkdtemp(prefix="hs-registry-")), auth=("htpasswd", htpasswd)).start()
    yield peer
    peer.stop()
    shutil.rmtree(peer.directory, ignore_errors=True)


async def test_pinned_images_and_a_private_registry_s_login(
    hass: HomeAssistant, engine: DockerEngine, private_registry: Registry, tmp_path: Path
) -> None:
    """Basic auth (htpasswd) with the entry's login; an image pinned by digest is never "update available"."""
    registry = private_registry
    config = tmp_path / "docker-client"
    _docker(engine, "login", "-u", "homesentry", "-p", "s3cret", registry.host, config=config)
    tag = f"{registry.host}/hs/private:1"
    _build(engine, tag, "3.2")
    _docker(engine, "push", tag, config=config)
    digest = _repo_digest(engine, tag)
    pinned = f"{registry.host}/hs/private@{digest}"
    engine.cli("run", "-d", "--name", "private", tag, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    engine.cli("run", "-d", "--name", "pinned", pinned, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")

    # Without the login the registry refuses: said once in an attribute, no version made up.
    client = RegistryClient()
    with pytest.raises(Exception, match="refused the login"):
        client.head(parse_reference(tag))  # type: ignore[arg-type]

    entry = _entry(engine, registry=registry.host, registry_username="homesentry", registry_password="s3cret")
    await _start(hass, entry)
    state = _update(hass, entry, "private")
    assert (state.state, state.attributes["installed_version"], state.attributes["error"]) == ("off", "3.2", None)
    pinned_state = _update(hass, entry, "pinned")
    assert (pinned_state.state, pinned_state.attributes["not_applicable"]) == ("off", "pinned")

    _build(engine, tag, "3.3")
    _docker(engine, "push", tag, config=config)
    await _check(hass, entry)
    assert _update(hass, entry, "private").state == "on"
    assert _update(hass, entry, "pinned").state == "off"  # pinned: the tag moving changes nothing
    assert await hass.config_entries.async_unload(entry.entry_id)


def test_references_are_read_as_docker_reads_them() -> None:
    """Docker's rules: Docker Hub by default (library/ for one name), a host has a dot, a colon or is localhost."""
    cases = {
        "nginx": ("registry-1.docker.io", "library/nginx", "latest", None),
        "linuxserver/plex:1.40": ("registry-1.docker.io", "linuxserver/plex", "1.40", None),
        "docker.io/library/redis:7": ("registry-1.docker.io", "library/redis", "7", None),
        "ghcr.io/home-assistant/home-assistant:stable": ("ghcr.io", "home-assistant/home-assistant", "stable", None),
        "lscr.io/linuxserver/sonarr": ("lscr.io", "linuxserver/sonarr", "latest", None),
        "localhost:5000/app:1": ("localhost:5000", "app", "1", None),
        "127.0.0.1:5000/hs/app@sha256:" + "a" * 64: ("127.0.0.1:5000", "hs/app", "latest", "sha256:" + "a" * 64),
    }
    for text, expected in cases.items():
        ref = parse_reference(text)
        assert ref is not None
        assert (ref.registry, ref.repository, ref.tag, ref.digest) == expected, text
    assert parse_reference("sha256:" + "b" * 64) is None  # an image id: no registry
    update = check_image(RegistryClient(), "sha256:" + "b" * 64, repo_digests=(), labels={}, platform="linux/amd64")
    assert update.not_applicable == "no_registry"
    assert not update.available


@pytest.fixture
def token_registry(engine: DockerEngine, tmp_path: Path) -> Iterator[tuple[Registry, TokenServer]]:
    """A registry with token auth, and the token service it trusts (tests/token_server.py)."""
    tokens = TokenServer(tmp_path).start()
    peer = Registry(Path(tempfile.mkdtemp(prefix="hs-registry-")), auth=("token", tokens.registry_auth)).start()
    yield peer, tokens
    peer.stop()
    tokens.stop()
    shutil.rmtree(peer.directory, ignore_errors=True)


async def test_the_bearer_token_flow_as_docker_hub_answers_it(
    hass: HomeAssistant, engine: DockerEngine, token_registry: tuple[Registry, TokenServer]
) -> None:
    """401 with a Bearer challenge, an anonymous token from the realm, the HEAD again; the token is kept."""
    registry, tokens = token_registry
    tag = f"{registry.host}/library/web:latest"
    _build(engine, tag, "5.0")
    _docker(engine, "push", tag)
    engine.cli("run", "-d", "--name", "web", tag, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    given = tokens.issued
    entry = _entry(engine)
    await _start(hass, entry)
    assert _update(hass, entry, "web").state == "off"
    client = entry.runtime_data.monitor.images.client
    assert (client.requests_sent, tokens.issued - given) == (3, 1)  # HEAD (401), the token, HEAD

    _build(engine, tag, "5.1")
    _docker(engine, "push", tag)
    await _check(hass, entry)
    state = _update(hass, entry, "web")
    assert (state.state, state.attributes["installed_version"]) == ("on", "5.0")
    assert client.requests_sent == 4  # the kept token: one HEAD
    assert await hass.config_entries.async_unload(entry.entry_id)


class _Busy(BaseHTTPRequestHandler):
    """A registry that is out of patience: 429 with Retry-After to every request (a stand-in: the real one has
    no rate limit to trigger; Docker Hub answers this way past its limit)."""

    asked = 0

    def do_HEAD(self) -> None:
        type(self).asked += 1
        self.send_response(429)
        self.send_header("Retry-After", "120")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


async def test_a_registry_that_answers_429_is_left_alone_for_the_wait_it_asks(
    hass: HomeAssistant, engine: DockerEngine, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    """Pushed to a real registry, which is then replaced by one answering 429: asked once, logged once."""
    tag = f"{registry.host}/hs/busy:1"
    _build(engine, tag, "9.0")
    _docker(engine, "push", tag)
    engine.cli("run", "-d", "--name", "busy", tag, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    registry.stop()
    busy = ThreadingHTTPServer(("127.0.0.1", registry.port), _Busy)
    threading.Thread(target=busy.serve_forever, daemon=True).start()
    try:
        entry = _entry(engine)
        await _start(hass, entry)
        state = _update(hass, entry, "busy")
        assert "HTTP 429" in state.attributes["error"]
        assert state.attributes["installed_version"] is None  # nothing made up
        await _check(hass, entry)
        await _check(hass, entry)
        assert _Busy.asked == 1  # within the 120 s it asked for, not asked again
        assert caplog.text.count("asks to wait 120 s") == 1
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        busy.shutdown()
        busy.server_close()


async def test_a_disabled_update_entity_costs_no_request(
    hass: HomeAssistant, engine: DockerEngine, registry: Registry
) -> None:
    """Disabled, a container's image is not checked again (only setup's first look sees it)."""
    tag = f"{registry.host}/hs/quiet:1"
    _build(engine, tag, "1.0")
    _docker(engine, "push", tag)
    engine.cli("run", "-d", "--name", "quiet", tag, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    entry = _entry(engine)
    await _start(hass, entry)
    registry_entities = er.async_get(hass)
    entity_id = _update(hass, entry, "quiet").entity_id
    registry_entities.async_update_entity(entity_id, disabled_by=er.RegistryEntryDisabler.USER)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    client = entry.runtime_data.monitor.images.client
    sent = client.requests_sent
    _build(engine, tag, "1.1")
    _docker(engine, "push", tag)
    await _check(hass, entry)
    await _check(hass, entry)
    assert client.requests_sent == sent
    assert hass.states.get(entity_id) is None
    assert await hass.config_entries.async_unload(entry.entry_id)
