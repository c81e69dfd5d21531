"""Docker Engine: containers' state, health and resource use, and its events.

Everything here blocks (the ``docker`` SDK speaks HTTP through ``requests``):
callers run it in an executor, except ``EventFollower``, which owns a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
import errno
import logging
from pathlib import Path
import re
import threading
from typing import Any, Final, cast
from urllib.parse import urlsplit

import docker
from docker.errors import APIError, DockerException, NotFound
import requests

_LOGGER = logging.getLogger(__name__)

DEFAULT_URL: Final = "unix:///var/run/docker.sock"
REQUEST_TIMEOUT: Final = 15
# Docker's own stop timeout, for containers that set none.
DEFAULT_STOP_TIMEOUT: Final = 10
# Concurrent stats requests; the engine samples all containers on one
# 1-second tick, so a cycle costs about a second of wall time for up to this many.
STATS_WORKERS: Final = 32
# Exit codes of a deliberate stop: SIGTERM (143) and SIGKILL after the stop
# timeout (137, unless the kernel killed for memory: State.OOMKilled).
CLEAN_EXIT_CODES: Final = frozenset({0, 137, 143})
# What the event follower listens for: anything that changes what a poll shows.
WATCHED_ACTIONS: Final = (
    "create",
    "destroy",
    "die",
    "health_status",
    "kill",
    "oom",
    "pause",
    "rename",
    "restart",
    "start",
    "stop",
    "unpause",
    "update",
)


class EngineError(Exception):
    """The engine cannot be used; the subclass says why."""


class InvalidEngineUrl(EngineError):
    """The address is neither a socket path nor a unix/tcp/http(s) URL."""


class EngineNotFound(EngineError):
    """No socket at the path given."""


class EnginePermissionDenied(EngineError):
    """The socket (or a socket proxy) refuses this user."""


class NotAnEngine(EngineError):
    """Something answers at the address, but it is not a Docker Engine."""


class EngineUnreachable(EngineError):
    """Nothing answers at the address (refused, timed out, engine stopped)."""


class ContainerNotFound(EngineError):
    """The engine has no container of that name."""


# Podman's own states, where its compatible API passes them through: as Docker would say them.
PODMAN_STATES: Final = {"stopped": "exited", "stopping": "running", "configured": "created", "initialized": "created"}


class ContainerState(StrEnum):
    """Docker's container states (``State.Status``)."""

    CREATED = "created"
    RUNNING = "running"
    RESTARTING = "restarting"
    PAUSED = "paused"
    REMOVING = "removing"
    EXITED = "exited"
    DEAD = "dead"


class Health(StrEnum):
    """A container's health check status; ``none`` when it has no check."""

    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    STARTING = "starting"
    NONE = "none"


class ContainerAction(StrEnum):
    """What a user may do to a container."""

    RESTART = "restart"
    START = "start"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class EngineInfo:
    """Who the engine is."""

    id: str
    name: str
    version: str
    api_version: str
    product: str = "Docker"  # "Podman" where /version's Components name the Podman Engine

    @property
    def podman(self) -> bool:
        """A Podman engine (its Docker-compatible API)."""
        return self.product == "Podman"


@dataclass(frozen=True, slots=True)
class Container:
    """One container as ``docker inspect`` shows it."""

    name: str
    id: str
    image: str
    state: ContainerState
    health: Health
    health_output: str | None
    restart_count: int
    started_at: datetime | None
    finished_at: datetime | None
    exit_code: int
    oom_killed: bool
    error: str
    image_id: str = ""  # the image it runs (``sha256:...``): its RepoDigests and labels say where it came from
    pod: str | None = None  # Podman: the pod it belongs to
    # What the container list said when this was inspected (see ``list_key``).
    listed_as: str = field(default="", compare=False)

    @property
    def running(self) -> bool:
        """The container's process runs (paused counts as not running)."""
        return self.state == ContainerState.RUNNING


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """The engine and every container it has, keyed by container name."""

    info: EngineInfo
    images: int
    containers: Mapping[str, Container]

    @property
    def running(self) -> int:
        """Containers running."""
        return sum(c.state == ContainerState.RUNNING for c in self.containers.values())

    @property
    def paused(self) -> int:
        """Containers paused."""
        return sum(c.state == ContainerState.PAUSED for c in self.containers.values())

    @property
    def stopped(self) -> int:
        """Containers neither running nor paused (as ``docker info`` counts them)."""
        return len(self.containers) - self.running - self.paused


@dataclass(frozen=True, slots=True)
class UsageSample:
    """One stats reading of a running container, and what it implies."""

    container_id: str
    read_at: datetime
    cpu_total: int
    system_total: int
    rx_bytes: int | None
    tx_bytes: int | None
    cpu_percent: float | None
    memory_used: int | None
    memory_limit: int | None
    rx_rate: float | None
    tx_rate: float | None

    @property
    def memory_percent(self) -> float | None:
        """Memory used as a percentage of the container's limit (or the host's memory), to 0.01 as CPU is."""
        if self.memory_used is None or not self.memory_limit:
            return None
        return round(100.0 * self.memory_used / self.memory_limit, 2)


def normalize_url(text: str) -> str:
    """``unix://``, ``tcp://``, ``http(s)://`` as given; a bare path becomes ``unix://``.

    Anything else, or an address that does not parse (``http://[::1``, a port out
    of range, control characters, no host) is :class:`InvalidEngineUrl`.
    """
    url = text.strip()
    if url.startswith("/"):
        url = f"unix://{url}"
    if any(c.isspace() or not c.isprintable() for c in url):
        raise InvalidEngineUrl(url)
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is no number, or out of range, raises here
    except ValueError as err:
        raise InvalidEngineUrl(url) from err
    if parts.scheme == "unix" and not parts.netloc and len(parts.path) > 1:
        return url
    if parts.scheme in ("tcp", "http", "https") and parts.hostname and port != 0:
        return url
    raise InvalidEngineUrl(url)


def open_client(url: str, *, timeout: int = REQUEST_TIMEOUT) -> docker.APIClient:
    """A client of the engine at ``url``; asks the engine its API version first."""
    if url.startswith("unix://"):
        try:
            Path(url.removeprefix("unix://")).stat()
        except FileNotFoundError as err:
            raise EngineNotFound(url) from err
        except PermissionError as err:
            raise EnginePermissionDenied(url) from err
    try:
        # A connection per concurrent stats request, and two for the rest.
        return docker.APIClient(base_url=url, version="auto", timeout=timeout, max_pool_size=STATS_WORKERS + 2)
    except DockerException as err:
        raise _engine_error(err) from err
    except ValueError as err:  # an address docker-py's own parser refuses
        raise InvalidEngineUrl(url) from err


def _engine_error(err: BaseException) -> EngineError:
    """Classify what went wrong talking to an engine."""
    if isinstance(err, EngineError):
        return err
    cause: BaseException | None = err
    while cause is not None:
        response = getattr(cause, "response", None)
        if isinstance(cause, (APIError, requests.HTTPError)) and response is not None:
            if response.status_code in (401, 403):
                return EnginePermissionDenied(str(err))
            if response.status_code >= 500:
                return EngineUnreachable(str(err))
            return NotAnEngine(str(err))
        if isinstance(cause, PermissionError) or getattr(cause, "errno", None) == errno.EACCES:
            return EnginePermissionDenied(str(err))
        if isinstance(cause, FileNotFoundError):
            return EngineNotFound(str(err))
        if isinstance(cause, (ValueError, requests.exceptions.JSONDecodeError, KeyError)):
            return NotAnEngine(str(err))
        cause = cause.__cause__ or cause.__context__ or _first_arg_exception(cause)
    return EngineUnreachable(str(err))


def _first_arg_exception(err: BaseException) -> BaseException | None:
    """urllib3 and requests wrap the socket error in their first argument."""
    for arg in getattr(err, "args", ()):
        if isinstance(arg, BaseException):
            return arg
        if hasattr(arg, "reason") and isinstance(arg.reason, BaseException):
            return arg.reason
    return None


def read_info(client: docker.APIClient) -> EngineInfo:
    """The engine's identity; raises ``NotAnEngine`` for anything else that answers."""
    try:
        info = client.info()
        version = client.version()
        components = {str(c.get("Name", "")) for c in version.get("Components") or ()}
        return EngineInfo(
            id=str(info["ID"]),
            name=str(info["Name"]),
            version=str(info["ServerVersion"]),
            api_version=str(version["ApiVersion"]),
            product="Podman" if "Podman Engine" in components else "Docker",
        )
    except (DockerException, requests.RequestException, ValueError, KeyError, TypeError) as err:
        raise _engine_error(err) from err


def check_engine(url: str) -> EngineInfo:
    """Connect to ``url`` and say which engine answers (config flow validation)."""
    client = open_client(normalize_url(url))
    try:
        return read_info(client)
    finally:
        client.close()


def _timestamp(text: str | None) -> datetime | None:
    """Docker's RFC 3339 times with nanoseconds; its zero time means never."""
    if not text or text.startswith("0001-"):
        return None
    head, _, rest = text.partition(".")
    if rest:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        head = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(head.replace("Z", "+00:00"))


def parse_container(raw: Mapping[str, Any]) -> Container:
    """One ``inspect`` answer as a ``Container``."""
    state = raw.get("State") or {}
    health = state.get("Health") or {}
    log = health.get("Log") or []
    output = str(log[-1].get("Output", "")).strip() if log else ""
    return Container(
        name=str(raw["Name"]).lstrip("/"),
        id=str(raw["Id"]),
        image=str((raw.get("Config") or {}).get("Image") or raw.get("Image", "")),
        state=_state(str(state.get("Status", "dead"))),
        health=Health(health["Status"]) if health.get("Status") in Health.__members__.values() else Health.NONE,
        health_output=output[:255] or None,
        restart_count=int(raw.get("RestartCount", 0)),
        started_at=_timestamp(state.get("StartedAt")),
        finished_at=_timestamp(state.get("FinishedAt")),
        exit_code=int(state.get("ExitCode", 0)),
        oom_killed=bool(state.get("OOMKilled", False)),
        error=str(state.get("Error", "")),
        image_id=str(raw.get("Image", "")),
    )


def _state(status: str) -> ContainerState:
    """A container's state; Podman's own names as Docker's, anything else unknown as dead (said, never a crash)."""
    status = PODMAN_STATES.get(status, status)
    return ContainerState(status) if status in ContainerState.__members__.values() else ContainerState.DEAD


def list_key(summary: Mapping[str, Any]) -> str:
    """What the container list says of a container, without its ticking durations.

    ``Up 5 minutes (healthy)`` and ``Exited (3) 2 hours ago`` become
    ``running|healthy`` and ``exited|3``: a change here means the inspect
    result changed too.
    """
    status = str(summary.get("Status", ""))
    return "|".join([str(summary.get("Id", "")), str(summary.get("State", "")), *_PARENTHESES.findall(status)])


_PARENTHESES = re.compile(r"\(([^)]*)\)")


def read_engine(
    client: docker.APIClient,
    info: EngineInfo,
    previous: EngineSnapshot | None = None,
    changed: Iterable[str] = (),
) -> EngineSnapshot:
    """List every container and inspect those that changed.

    Without ``previous`` every container is inspected. With it, a container
    is inspected again only when its list entry changed or its name is in
    ``changed`` (an event named it); one vanishing midway is skipped.
    """
    known = {} if previous is None else {c.name: c for c in previous.containers.values()}
    changed = set(changed)
    try:
        containers: dict[str, Container] = {}
        listing = _podman_list(client) if info.podman else client.containers(all=True)
        for summary in listing:
            key = list_key(summary)
            names = [str(n).lstrip("/") for n in summary.get("Names") or ()]
            cached = next((known[n] for n in names if n in known), None)
            if cached is not None and cached.listed_as == key and cached.name not in changed:
                containers[cached.name] = cached
                continue
            try:
                container = replace(parse_container(client.inspect_container(summary["Id"])), listed_as=key)
            except NotFound:
                continue  # removed between the list and its inspect
            containers[container.name] = container
        images = len(client.images(quiet=True))
        if info.podman:
            pods = {str(s["Id"]): str(s["PodName"]) for s in listing if s.get("PodName")}
            containers = {name: replace(c, pod=pods.get(c.id)) for name, c in containers.items()}
    except EngineError:
        raise
    except (DockerException, requests.RequestException, ValueError, KeyError, TypeError) as err:
        raise _engine_error(err) from err
    return EngineSnapshot(info=info, images=images, containers=dict(sorted(containers.items())))


def _podman_list(client: docker.APIClient) -> list[dict[str, Any]]:
    """Podman's own container list (the libpod API), shaped as the compatible one for ``list_key``.

    Its compatible list leaves the health check out of ``Status`` and its
    event stream may carry none, so a health change would wait for the full
    read; the libpod list says the health (``Status``) and the pod (``PodName``).
    """
    answer = client.get(
        f"{client.base_url}/v4.0.0/libpod/containers/json", params={"all": "true"}, timeout=REQUEST_TIMEOUT
    )
    answer.raise_for_status()
    return [
        {
            "Id": c.get("Id", ""),
            "Names": c.get("Names") or [],
            "State": c.get("State", ""),
            "Status": f"({c['Status']})" if c.get("Status") else "",
            "PodName": c.get("PodName") or "",
        }
        for c in answer.json()
    ]


def _memory_used(memory: Mapping[str, Any]) -> int | None:
    """Usage less the reclaimable page cache, as ``docker stats`` shows it.

    cgroup v1 reports ``total_inactive_file``, cgroup v2 ``inactive_file``.
    """
    usage = memory.get("usage")
    if usage is None:
        return None
    stats = memory.get("stats") or {}
    for name in ("total_inactive_file", "inactive_file"):
        if name in stats and stats[name] < usage:
            return int(usage - stats[name])
    return int(usage)


def _network_totals(raw: Mapping[str, Any]) -> tuple[int | None, int | None]:
    networks = raw.get("networks")
    if not networks:
        return None, None
    return (
        sum(int(n.get("rx_bytes", 0)) for n in networks.values()),
        sum(int(n.get("tx_bytes", 0)) for n in networks.values()),
    )


def parse_usage(raw: Mapping[str, Any], previous: UsageSample | None) -> UsageSample:
    """A stats answer as a sample; rates come from ``previous`` of the same container.

    CPU % is the container's share of the host's CPU time, times the online
    CPUs (100 % = one core, as ``docker stats``), averaged since ``previous``;
    without one, since the engine's own previous sample (``precpu_stats``).
    """
    cpu = raw.get("cpu_stats") or {}
    cpu_total = int((cpu.get("cpu_usage") or {}).get("total_usage", 0))
    system_total = int(cpu.get("system_cpu_usage") or 0)
    online = int(cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or ()) or 1)
    read_at = _timestamp(raw.get("read")) or datetime.min.replace(tzinfo=UTC)
    rx, tx = _network_totals(raw)
    container_id = str(raw.get("id", ""))
    base = previous if previous is not None and previous.container_id == container_id else None
    if base is not None and cpu_total >= base.cpu_total:
        before_cpu, before_system = base.cpu_total, base.system_total
    else:
        base = None
        pre = raw.get("precpu_stats") or {}
        before_cpu = int((pre.get("cpu_usage") or {}).get("total_usage", 0))
        before_system = int(pre.get("system_cpu_usage") or 0)
    system_delta = system_total - before_system
    cpu_percent = (
        round(100.0 * online * (cpu_total - before_cpu) / system_delta, 2)
        if before_system and system_delta > 0 and cpu_total >= before_cpu
        else None
    )
    memory = raw.get("memory_stats") or {}
    limit = memory.get("limit")
    seconds = (read_at - base.read_at).total_seconds() if base is not None else 0.0
    return UsageSample(
        container_id=container_id,
        read_at=read_at,
        cpu_total=cpu_total,
        system_total=system_total,
        rx_bytes=rx,
        tx_bytes=tx,
        cpu_percent=cpu_percent,
        memory_used=_memory_used(memory),
        memory_limit=int(limit) if limit else None,
        rx_rate=_rate(rx, base.rx_bytes if base else None, seconds),
        tx_rate=_rate(tx, base.tx_bytes if base else None, seconds),
    )


def _rate(now: int | None, before: int | None, seconds: float) -> float | None:
    """Bytes per second between two counter readings; none across a reset."""
    if now is None or before is None or seconds <= 0 or now < before:
        return None
    return (now - before) / seconds


def read_usage(client: docker.APIClient, container_id: str, previous: UsageSample | None) -> UsageSample:
    """One container's stats; a one-shot read when a previous sample gives the rates."""
    usable = previous is not None and previous.container_id == container_id
    if usable:
        raw = client.stats(container_id, stream=False, one_shot=True)
    else:
        raw = client.stats(container_id, stream=False)  # waits for the engine's second sample
    return parse_usage(raw, previous)


def read_usages(
    client: docker.APIClient, containers: Iterable[Container], previous: Mapping[str, UsageSample]
) -> tuple[dict[str, UsageSample], dict[str, str]]:
    """Stats of the running ones of ``containers``, read concurrently, by name.

    A container that stops or vanishes midway is left out with its error.
    """
    targets = [c for c in containers if c.running]
    samples: dict[str, UsageSample] = {}
    errors: dict[str, str] = {}
    if not targets:
        return samples, errors
    workers = min(STATS_WORKERS, len(targets))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="homesentry-stats") as pool:
        futures = {c.name: pool.submit(read_usage, client, c.id, previous.get(c.name)) for c in targets}
        for name, future in futures.items():
            try:
                samples[name] = future.result()
            except (DockerException, requests.RequestException, ValueError, KeyError, TypeError) as err:
                errors[name] = str(err)
    return samples, errors


def act(client: docker.APIClient, name: str, action: ContainerAction) -> None:
    """Restart, start or stop a container; the container's own stop timeout applies."""
    try:
        if action == ContainerAction.RESTART:
            # The SDK always sends a stop timeout; send the container's own.
            stop_timeout = client.inspect_container(name)["Config"].get("StopTimeout")
            client.restart(name, timeout=int(stop_timeout or DEFAULT_STOP_TIMEOUT))
        elif action == ContainerAction.START:
            client.start(name)
        else:
            client.stop(name, timeout=None)
    except NotFound as err:
        raise ContainerNotFound(name) from err
    except (DockerException, requests.RequestException) as err:
        raise _engine_error(err) from err


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """One container event: what happened to which container."""

    action: str
    name: str
    attributes: Mapping[str, str]


class EventFollower:
    """Follows the engine's container events on its own thread.

    ``on_event`` gets every watched event, ``on_stream`` each time the stream
    opens or ends, so the caller can catch up on what it missed or notice
    the engine went away. When the engine
    goes away the follower retries, waiting up to ``max_backoff`` seconds.
    Both callbacks run on the follower's thread.
    """

    def __init__(
        self,
        url: str,
        on_event: Callable[[EngineEvent], None],
        on_stream: Callable[[], None],
        *,
        max_backoff: float = 30.0,
    ) -> None:
        self._url = url
        self._on_event = on_event
        self._on_stream = on_stream
        self._max_backoff = max_backoff
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._thread = threading.Thread(target=self._run, name="homesentry-docker-events", daemon=True)

    def start(self) -> None:
        """Start following."""
        self._thread.start()

    def stop(self, wait: float = 5.0) -> None:
        """Close the stream and wait for the thread to end."""
        self._stopping.set()
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
        if self._thread.is_alive():
            self._thread.join(wait)

    def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                self._follow()
                backoff = 1.0
            except Exception as err:  # whatever ends the stream, follow again
                _LOGGER.debug("Docker events from %s: %s", self._url, err)
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self._max_backoff)

    def _follow(self) -> None:
        client = open_client(self._url)
        try:
            stream = client.events(decode=True, filters={"type": "container", "event": list(WATCHED_ACTIONS)})
            with self._lock:
                if self._stopping.is_set():
                    stream.close()
                    return
                self._stream = stream
            self._on_stream()
            try:
                for raw in stream:
                    actor = raw.get("Actor") or {}
                    attributes = {str(k): str(v) for k, v in (actor.get("Attributes") or {}).items()}
                    action = str(raw.get("Action", "")).split(":", 1)[0]
                    self._on_event(EngineEvent(action=action, name=attributes.get("name", ""), attributes=attributes))
            finally:
                if not self._stopping.is_set():
                    self._on_stream()
        finally:
            client.close()


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """Where an image came from: its RepoDigests, its labels, and its platform."""

    repo_digests: tuple[str, ...]
    labels: Mapping[str, str]
    platform: str  # os/architecture[/variant]


def read_image(client: docker.APIClient, image_id: str) -> ImageInfo:
    """``docker image inspect``'s RepoDigests, labels and platform; raises ``EngineError``."""
    try:
        inspect = cast("Callable[[str], Mapping[str, Any]]", client.inspect_image)  # the SDK leaves it untyped
        raw = inspect(image_id)
    except (DockerException, requests.RequestException, ValueError, KeyError, TypeError) as err:
        raise _engine_error(err) from err
    config = raw.get("Config") or {}
    parts = (raw.get("Os") or "linux", raw.get("Architecture") or "amd64", raw.get("Variant") or "")
    return ImageInfo(
        repo_digests=tuple(str(d) for d in raw.get("RepoDigests") or ()),
        labels={str(k): str(v) for k, v in (config.get("Labels") or {}).items()},
        platform="/".join(p for p in parts if p),
    )
