"""Image updates: whether each container's image still is what its tag points at in the registry.

``ImageUpdateCoordinator`` runs every *image check* hours (6 by default), and
when a container appears or changes image. Each distinct reference is checked
once per run (thirty containers of one image: one request), two at a time,
with HEAD requests only (``probes/registry.py``). A registry that answers 429
is left alone for the wait it asked (an hour when it says none), logged once.
Containers whose image is pinned by digest, built or imported locally, or
names no registry are "not applicable", said in an attribute, never an update.

Nothing is installed: a container is recreated by whatever made it (compose,
Portainer, a script), which HomeSentry does not own.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
import logging
import time
from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant, callback
import requests

from ...coordinator import SubscribingCoordinator
from ...entity import Attributes, HomeSentryUpdateEntityDescription, Versions
from ...probes.docker import EngineError, ImageInfo, read_image
from ...probes.registry import ImageUpdate, RateLimited, RegistryClient, RegistryError, check_image, parse_reference
from .coordinator import DockerCategory, EngineCoordinator, _DockerDevices
from .options import DockerOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

CHECK_WORKERS: Final = 2  # images checked at once


@dataclass(frozen=True, slots=True)
class UpdateSnapshot:
    """Each container's image check, by container name."""

    images: Mapping[str, ImageUpdate] = field(default_factory=dict)
    checked_at: Mapping[str, float] = field(default_factory=dict)  # reference: when (wall clock)


class ImageUpdateCoordinator(_DockerDevices, SubscribingCoordinator[UpdateSnapshot, DockerCategory]):
    """Checks the containers' images against their registries."""

    all_categories = frozenset({DockerCategory.IMAGES})

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, engine: EngineCoordinator) -> None:
        """Every *image check* hours; its entities are on the containers' devices."""
        options = DockerOptions.of(config_entry.options)
        super().__init__(
            hass,
            config_entry,
            f"Docker images {config_entry.title}",
            options.update_hours * 3600,
            engine.device_info,
        )
        self.engine_device_id = engine.engine_device_id
        self.engine_coordinator = engine
        logins = {options.registry: (options.registry_username, options.registry_password)} if options.registry else {}
        self.client = RegistryClient(requests.Session(), logins)
        self._by_reference: dict[tuple[str, str], tuple[ImageUpdate, float]] = {}  # (reference, image id)
        self._waiting: dict[str, float] = {}  # registry: monotonic time it may be asked again
        self._logged: set[str] = set()
        self._seen: dict[str, str] = {}  # container: image id, as last checked

    @callback
    def async_engine_updated(self) -> None:
        """Check at once a container that appeared or runs another image."""
        data = self.engine_coordinator.data
        if data is None or not data.reachable:
            return
        now = {name: c.image_id for name, c in data.engine.containers.items()}
        shown = self.subscribed_objects(DockerCategory.IMAGES)
        if any(name not in self._seen or (name in shown and self._seen[name] != image) for name, image in now.items()):
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), "homesentry docker image check"
            )

    async def _async_cycle(self, wanted: frozenset[DockerCategory]) -> UpdateSnapshot:
        data = self.engine_coordinator.data
        if data is None or not data.reachable:
            return self.data or UpdateSnapshot()
        # Only containers whose update entity is enabled (and new ones, which get theirs): a disabled one costs nothing.
        shown = self.subscribed_objects(DockerCategory.IMAGES)
        everything = not self.discovered
        containers = {
            name: (c.image, c.image_id)
            for name, c in data.engine.containers.items()
            if everything or name in shown or name not in self._seen
        }
        return await self.hass.async_add_executor_job(self._check_all, containers)

    def _check_all(self, containers: Mapping[str, tuple[str, str]]) -> UpdateSnapshot:
        """One executor job: each image inspected once, each reference checked once, two at a time."""
        interval = self.update_interval.total_seconds() if self.update_interval else 6 * 3600
        due: dict[tuple[str, str], ImageInfo | None] = {}
        infos: dict[str, ImageInfo | None] = {}
        for reference, image_id in containers.values():
            key = (reference, image_id)
            cached = self._by_reference.get(key)
            if cached is not None and time.time() - cached[1] < interval * 0.9 and cached[0].error is None:
                continue
            if image_id not in infos:
                try:
                    infos[image_id] = read_image(self.engine_coordinator.client, image_id)
                except EngineError:
                    infos[image_id] = None
            due[key] = infos[image_id]
        with ThreadPoolExecutor(CHECK_WORKERS, thread_name_prefix="homesentry-registry") as pool:
            results = dict(zip(due, pool.map(lambda item: self._check(*item), due.items()), strict=True))
        for key, result in results.items():
            before = self._by_reference.get(key)
            if result.error is not None and before is not None and before[0].error is None:
                continue  # the registry could not say now: what it said last stands (logged once)
            self._by_reference[key] = (result, time.time())
        images = {}
        for name, key in containers.items():
            if (found := self._by_reference.get(key)) is not None:
                images[name] = found[0]
        self._by_reference = {
            key: value for key, value in self._by_reference.items() if key in set(containers.values())
        }
        self._seen |= {name: image_id for name, (_, image_id) in containers.items()}
        return UpdateSnapshot(images, {key[0]: when for key, (_, when) in self._by_reference.items()})

    def _check(self, key: tuple[str, str], info: ImageInfo | None) -> ImageUpdate:
        reference = key[0]
        if info is None:
            return ImageUpdate(reference, None, None, None, error="the engine did not say what the image is")
        ref = parse_reference(reference)
        registry = ref.registry if ref is not None else ""
        if (until := self._waiting.get(registry)) is not None and until > time.monotonic():
            return ImageUpdate(reference, None, None, None, error=f"{registry} asked to wait")
        try:
            result = check_image(
                self.client,
                reference,
                repo_digests=info.repo_digests,
                labels=info.labels,
                platform=info.platform,
                image_id=key[1],
            )
        except RateLimited as err:
            self._waiting[registry] = time.monotonic() + err.retry_after
            self._log_once(registry, str(err))
            return ImageUpdate(reference, None, None, None, error=str(err))
        except RegistryError as err:
            self._log_once(registry, str(err))
            return ImageUpdate(reference, None, None, None, error=str(err))
        if registry in self._logged:
            self._logged.discard(registry)
            self.logger.info("%s: %s answers again", self.name, registry)
        return result

    def _log_once(self, registry: str, why: str) -> None:
        if registry not in self._logged:
            self._logged.add(registry)
            self.logger.warning("%s: cannot check images at %s: %s", self.name, registry, why)


@dataclass(frozen=True, kw_only=True)
class ImageUpdateDescription(HomeSentryUpdateEntityDescription[UpdateSnapshot, DockerCategory]):
    """A container's image update."""

    category: DockerCategory = DockerCategory.IMAGES


def _versions(data: UpdateSnapshot, name: str) -> Versions | None:
    found = data.images.get(name)
    if found is None:
        return None
    return Versions(found.installed, found.latest, found.release_url)


def _details(data: UpdateSnapshot, name: str) -> Attributes:
    found = data.images.get(name)
    if found is None:
        return {}
    return {"image": found.reference, "not_applicable": found.not_applicable, "error": found.error}


IMAGE_UPDATE: Final = ImageUpdateDescription(
    key="image_update",
    translation_key="image_update",
    objects_fn=lambda data: {name: name for name in data.images},
    value_fn=_versions,
    attributes_fn=_details,
)
