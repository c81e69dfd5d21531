"""The "Docker" monitor: one engine, a device per container, and their entities.

- ``EngineCoordinator`` (every 15 s by default, and within a second of any
  container event): lists and inspects every container. The engine's event
  stream, followed on its own thread, asks for the refreshes; the poll is the
  safety net.
- ``UsageCoordinator`` (every 60 s by default): CPU, memory and network of the
  running containers whose resource entities are enabled, read concurrently.

Containers are keyed by name, so one recreated by compose or Watchtower keeps
its device, entities and history.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import (
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...const import (
    CONF_URL,
    DOMAIN,
)
from ...coordinator import SubscribingCoordinator, entry_store
from ...probes.docker import (
    CLEAN_EXIT_CODES,
    Container,
    ContainerAction,
    ContainerNotFound,
    ContainerState,
    EngineError,
    EngineEvent,
    EngineInfo,
    EngineSnapshot,
    EventFollower,
    Health,
    UsageSample,
    act,
    open_client,
    read_engine,
    read_info,
    read_usages,
)
from ..base import entry_device, machine_device
from .options import DockerOptions

if TYPE_CHECKING:
    import docker

    from ... import HomeSentryConfigEntry
    from .updates import ImageUpdateCoordinator

_LOGGER = logging.getLogger(__name__)

# A container restarted this often within the window is in a crash loop.
CRASH_LOOP_RESTARTS: Final = 3
CRASH_LOOP_WINDOW: Final = 600.0
# Events come in bursts (kill, die, stop, start, restart); one refresh a second is enough.
EVENT_REFRESH_COOLDOWN: Final = 1.0
# A poll inspects only containers whose list entry changed or that an event
# named; every 20th (5 min at the default 15 s) inspects all of them.
FULL_READ_EVERY: Final = 20


class DockerCategory(StrEnum):
    """What the Docker coordinators collect."""

    REACHABLE = "reachable"  # never fails: it says whether the rest can be read
    CONTAINERS = "containers"
    USAGE = "usage"
    NETWORK = "network"
    IMAGES = "images"  # the image update checks (updates.py)


class Problem(StrEnum):
    """Why a container needs attention (the problem sensor's ``reason``)."""

    DEAD = "dead"
    OUT_OF_MEMORY = "out_of_memory"
    UNHEALTHY = "unhealthy"
    RESTARTING = "restarting"
    CRASH_LOOP = "crash_loop"
    EXITED_WITH_ERROR = "exited_with_error"


def find_problem(container: Container, recent_restarts: int) -> Problem | None:
    """The documented rule: the first of these that holds is the reason.

    Exit codes 0, 137 and 143 count as deliberate stops (``docker stop``
    sends SIGTERM, then SIGKILL), unless the kernel killed the container for
    memory.
    """
    if container.state == ContainerState.DEAD:
        return Problem.DEAD
    if container.oom_killed and not container.running:
        return Problem.OUT_OF_MEMORY
    if container.health == Health.UNHEALTHY:
        return Problem.UNHEALTHY
    if container.state == ContainerState.RESTARTING:
        return Problem.RESTARTING
    if recent_restarts >= CRASH_LOOP_RESTARTS:
        return Problem.CRASH_LOOP
    if container.state == ContainerState.EXITED and container.exit_code not in CLEAN_EXIT_CODES:
        return Problem.EXITED_WITH_ERROR
    return None


@dataclass(frozen=True, slots=True)
class DockerSnapshot:
    """The engine as last read, whether it answers now, and what HomeSentry derived."""

    reachable: bool
    engine: EngineSnapshot
    last_exit: Mapping[str, int] = field(default_factory=dict)
    recent_restarts: Mapping[str, int] = field(default_factory=dict)
    problems: Mapping[str, Problem] = field(default_factory=dict)

    def container(self, name: str) -> Container | None:
        """A container by name, if the engine has it."""
        return self.engine.containers.get(name)


@dataclass(frozen=True, slots=True)
class UsageSnapshot:
    """Resource use by container name; containers not running use nothing."""

    running: frozenset[str]
    names: tuple[str, ...]
    samples: Mapping[str, UsageSample]
    errors: Mapping[str, str] = field(default_factory=dict)

    def value(self, name: str, field_name: str) -> Any:
        """A sample's field; zero for a stopped container; None until read."""
        if name not in self.running:
            return 0
        sample = self.samples.get(name)
        return None if sample is None else getattr(sample, field_name)


def container_identifier(entry: HomeSentryConfigEntry, name: str) -> tuple[str, str]:
    """The device registry identifier of a container of this engine."""
    return (DOMAIN, f"{entry.unique_id}_{name}")


def container_name(entry: HomeSentryConfigEntry, device: dr.DeviceEntry) -> str | None:
    """The container a device of this engine stands for; None for the engine's own device."""
    prefix = f"{entry.unique_id}_"
    return next((i.removeprefix(prefix) for d, i in device.identifiers if d == DOMAIN and i.startswith(prefix)), None)


class _DockerDevices:
    """Engine device for object "", a container's device for its name."""

    config_entry: HomeSentryConfigEntry
    device_info: DeviceInfo | None
    engine_coordinator: EngineCoordinator
    engine_device_id: str | None = None

    def device_for(self, object_key: str) -> DeviceInfo | None:
        if not object_key:
            return self.device_info
        data = self.engine_coordinator.data
        container = data.container(object_key) if data is not None else None
        return DeviceInfo(
            identifiers={container_identifier(self.config_entry, object_key)},
            name=object_key,
            manufacturer="Docker",
            model=container.image if container is not None else None,
            **({"via_device_id": self.engine_device_id} if self.engine_device_id else {}),
        )


class EngineCoordinator(_DockerDevices, SubscribingCoordinator[DockerSnapshot, DockerCategory]):
    """Reads every container's state; events make it refresh within a second."""

    all_categories = frozenset(DockerCategory) - {DockerCategory.IMAGES}

    config_entry: HomeSentryConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: HomeSentryConfigEntry,
        client: docker.APIClient,
        info: EngineInfo,
        device_info: DeviceInfo,
    ) -> None:
        """Initialise from the entry's options and the engine's identity."""
        self.options = DockerOptions.of(config_entry.options)
        super().__init__(
            hass,
            config_entry,
            f"Docker {config_entry.title}",
            self.options.scan_interval,
            device_info,
            refresh_cooldown=EVENT_REFRESH_COOLDOWN,
        )
        self._error: str | None = None  # why the last read failed, while it does
        self.engine_coordinator = self
        self.client = client
        self.info = info
        self._changed: set[str] = set()  # containers events named since the last read
        self._full = True  # inspect everything on the next read (and ask who the engine is)
        self._cycles = 0
        self.store = entry_store(hass, config_entry.entry_id, "docker")
        self._gone_since: dict[str, str] = {}
        self._last_exit: dict[str, int] = {}
        self._restarts: dict[str, deque[tuple[float, int]]] = {}
        self._ids: dict[str, str] = {}

    async def async_load(self) -> None:
        """Restore since when each vanished container is gone."""
        stored = await self.store.async_load() or {}
        self._gone_since = dict(stored.get("gone_since", {}))

    def _read(self, full: bool, changed: set[str]) -> EngineSnapshot:
        """One executor job: the engine's identity after a reconnect, then its containers."""
        if full:
            self.info = read_info(self.client)
        previous = None if full or self.data is None else self.data.engine
        return read_engine(self.client, self.info, previous, changed)

    async def _async_cycle(self, wanted: frozenset[DockerCategory]) -> DockerSnapshot:
        # Events name what changed; every FULL_READ_EVERY cycles (and after a
        # reconnect) every container is inspected anyway, in case one was missed.
        full = self._full or self._cycles % FULL_READ_EVERY == 0
        changed, self._changed = self._changed, set()
        self._cycles += 1
        try:
            engine = await self.hass.async_add_executor_job(self._read, full, changed)
        except EngineError as err:
            self._full = True
            if self.data is None:
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="engine_unavailable",
                    translation_placeholders={"error": str(err)},
                ) from err
            self._error = str(err)
            return replace(self.data, reachable=False)
        self._full = False
        self._error = None
        snapshot = self._assess(engine)
        await self._async_forget_gone(engine)
        return snapshot

    def failures_in(self, data: DockerSnapshot) -> tuple[Mapping[DockerCategory, str], frozenset[DockerCategory]]:
        """The containers category fails while the engine does not answer."""
        if self._error is not None:
            return {DockerCategory.CONTAINERS: self._error}, frozenset()
        return {}, frozenset({DockerCategory.CONTAINERS})

    def _assess(self, engine: EngineSnapshot) -> DockerSnapshot:
        """Exit codes, restart history and problems from this read and earlier ones."""
        now = time.monotonic()
        recent: dict[str, int] = {}
        problems: dict[str, Problem] = {}
        for name, container in engine.containers.items():
            if self._ids.get(name) != container.id:  # new, or recreated under the same name
                self._ids[name] = container.id
                self._restarts[name] = deque()
            history = self._restarts[name]
            if not history or history[-1][1] != container.restart_count:
                history.append((now, container.restart_count))
            while len(history) > 1 and history[1][0] <= now - CRASH_LOOP_WINDOW:
                history.popleft()
            recent[name] = container.restart_count - history[0][1]
            if not container.running and container.finished_at is not None:
                self._last_exit[name] = container.exit_code
            if (problem := find_problem(container, recent[name])) is not None:
                problems[name] = problem
        for gone in set(self._ids) - set(engine.containers):
            del self._ids[gone]
            self._restarts.pop(gone, None)
            self._last_exit.pop(gone, None)
        return DockerSnapshot(
            reachable=True,
            engine=engine,
            last_exit=dict(self._last_exit),
            recent_restarts=recent,
            problems=problems,
        )

    async def _async_forget_gone(self, engine: EngineSnapshot) -> None:
        """Remove the devices of containers gone longer than the grace period."""
        registry = dr.async_get(self.hass)
        devices = {
            name: device
            for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id)
            if (name := container_name(self.config_entry, device)) is not None
        }
        now = dt_util.utcnow()
        grace = timedelta(hours=self.options.remove_after_hours)
        gone_since = {
            name: self._gone_since.get(name, now.isoformat()) for name in devices if name not in engine.containers
        }
        for name, since in list(gone_since.items()):
            if grace and now - datetime.fromisoformat(since) >= grace:
                _LOGGER.info("Removing container %s: gone since %s", name, since)
                registry.async_update_device(devices[name].id, remove_config_entry_id=self.config_entry.entry_id)
                del gone_since[name]
        if gone_since != self._gone_since:
            self._gone_since = gone_since
            await self.store.async_save({"gone_since": gone_since})

    @callback
    def async_handle_event(self, event: EngineEvent) -> None:
        """A container changed: remember how it exited and refresh soon."""
        if event.action == "die" and "exitCode" in event.attributes:
            self._last_exit[event.name] = int(event.attributes["exitCode"])
        if event.name:
            self._changed.add(event.name)
        else:  # the stream (re)opened or ended: read everything again
            self._full = True
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), "homesentry docker event refresh"
        )

    async def async_act(self, name: str, action: ContainerAction) -> None:
        """Restart, start or stop a container; errors reach the user translated."""
        try:
            await self.hass.async_add_executor_job(act, self.client, name, action)
        except ContainerNotFound as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="container_not_found",
                translation_placeholders={"name": name},
            ) from err
        except EngineError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="container_action_failed",
                translation_placeholders={"name": name, "action": action.value, "error": str(err)},
            ) from err
        await self.async_request_refresh()


class UsageCoordinator(_DockerDevices, SubscribingCoordinator[UsageSnapshot, DockerCategory]):
    """Reads stats of running containers whose resource entities are enabled."""

    all_categories = frozenset({DockerCategory.USAGE, DockerCategory.NETWORK})

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, engine: EngineCoordinator) -> None:
        """Initialise from the entry's options; its entities are on the engine's devices."""
        super().__init__(
            hass,
            config_entry,
            f"Docker usage {config_entry.title}",
            engine.options.stats_interval,
            engine.device_info,
            refresh_cooldown=EVENT_REFRESH_COOLDOWN,
        )
        self.engine_device_id = engine.engine_device_id
        self.engine_coordinator = engine
        self._samples: dict[str, UsageSample] = {}
        self._known: set[str] = set()

    @callback
    def async_engine_updated(self) -> None:
        """Follow the engine at once: read containers that just appeared, drop all if it went away."""
        data = self.engine_coordinator.data
        appeared = data.reachable and set(data.engine.containers) - self._known
        went_away = not data.reachable and self.data is not None and bool(self.data.names)
        if appeared or went_away:
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), "homesentry docker new containers"
            )

    async def _async_cycle(self, wanted: frozenset[DockerCategory]) -> UsageSnapshot:
        data = self.engine_coordinator.data
        if data is None or not data.reachable:
            self._samples = {}
            return UsageSnapshot(running=frozenset(), names=(), samples={})
        containers = data.engine.containers
        shown = self.subscribed_objects(DockerCategory.USAGE) | self.subscribed_objects(DockerCategory.NETWORK)
        everything = not self.discovered
        targets = [c for name, c in containers.items() if everything or name in shown or name not in self._known]
        samples, errors = await self.hass.async_add_executor_job(
            read_usages, self.engine_coordinator.client, targets, self._samples
        )
        self._samples = samples
        self._known = set(containers)
        return UsageSnapshot(
            running=frozenset(n for n, c in containers.items() if c.running),
            names=tuple(containers),
            samples=samples,
            errors=errors,
        )


@dataclass(slots=True)
class DockerCoordinators:
    """The Docker entry's coordinators and its event follower."""

    engine: EngineCoordinator
    usage: UsageCoordinator
    follower: EventFollower | None = None
    images: ImageUpdateCoordinator | None = None  # where the entry checks images (updates.py)

    @property
    def control(self) -> bool:
        """Whether the user allowed restarting, starting and stopping containers."""
        return self.engine.options.control

    def stop(self) -> None:
        """Stop following events (blocks until the thread ends)."""
        if self.follower is not None:
            self.follower.stop()
            self.follower = None


async def async_setup_docker(hass: HomeAssistant, entry: HomeSentryConfigEntry) -> DockerCoordinators:
    """Connect, read the engine once, then follow its events."""
    url = entry.data[CONF_URL]
    try:
        client = await hass.async_add_executor_job(open_client, url)
        entry.async_on_unload(client.close)
        info = await hass.async_add_executor_job(read_info, client)
    except EngineError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="engine_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err
    # The engine comes through the machine it runs on, where HomeSentry watches it (This server, a Remote server).
    machine = machine_device(hass, info.name, entry)
    device_info = entry_device(
        entry,
        manufacturer=info.product,
        model=f"{info.product} Engine",
        sw_version=info.version,
        via_device_id=machine,
    )
    engine = EngineCoordinator(hass, entry, client, info, device_info)
    # Registered first, so container devices can name it as the device they come through.
    engine.engine_device_id = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **device_info).id
    usage = UsageCoordinator(hass, entry, engine)
    await engine.async_load()
    await engine.async_config_entry_first_refresh()
    coordinators = DockerCoordinators(engine, usage)
    entry.async_on_unload(engine.async_add_listener(usage.async_engine_updated))
    if engine.options.image_updates:
        from .updates import ImageUpdateCoordinator  # noqa: PLC0415  (it builds on this module's coordinators)

        images = coordinators.images = ImageUpdateCoordinator(hass, entry, engine)
        entry.async_on_unload(engine.async_add_listener(images.async_engine_updated))
        # Registries take their time: check after setup, the update entities appear with the answers.
        entry.async_create_background_task(hass, images.async_refresh(), "homesentry docker image check")
    # Stats take a second or two: read them after setup, entities appear with them.
    entry.async_create_background_task(hass, usage.async_refresh(), "homesentry docker first stats")

    def on_event(event: EngineEvent) -> None:
        hass.loop.call_soon_threadsafe(engine.async_handle_event, event)

    def on_stream() -> None:  # opened (catch up) or ended (is the engine gone?)
        hass.loop.call_soon_threadsafe(engine.async_handle_event, EngineEvent("stream", "", {}))

    coordinators.follower = EventFollower(url, on_event, on_stream, max_backoff=10.0)
    coordinators.follower.start()

    async def async_stop(_: Event | None = None) -> None:
        await hass.async_add_executor_job(coordinators.stop)

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, async_stop))
    return coordinators
