"""A Remote server's coordinator: one scrape of its node_exporter per cycle, made into the host snapshot.

The scrape has its own time limit (a machine that stops answering costs its
own entities, never another entry's cycle); parsing runs in the executor. A
refused user or password starts reauthentication.
"""

from __future__ import annotations

from abc import abstractmethod
import asyncio
import base64
from collections.abc import Mapping
import logging
import time
from typing import TYPE_CHECKING, Any, Final

import aiohttp
from homeassistant.const import CONF_ADDRESS, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed

from ...const import DOMAIN
from ...coordinator import SubscribingCoordinator
from ...probes.host import Category, HostSnapshot
from ...probes.node_exporter import REMOTE_CATEGORIES, NodeProbe, NotNodeExporter, Samples, parse
from .options import RemoteOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

SCRAPE_TIMEOUT: Final = 10.0  # seconds one scrape may take, whatever the interval


class ScrapeError(Exception):
    """The exporter could not be scraped; ``reason`` is the translated form error."""

    def __init__(self, reason: str, detail: str) -> None:
        """A reason (cannot_connect, invalid_auth, not_node_exporter) and what happened."""
        super().__init__(detail)
        self.reason = reason


async def async_fetch(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    """The text of one scrape of ``data``'s node_exporter, within ``SCRAPE_TIMEOUT``."""
    seconds = SCRAPE_TIMEOUT
    session = async_get_clientsession(hass, verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)))
    user, password = str(data.get(CONF_USERNAME) or ""), str(data.get(CONF_PASSWORD) or "")
    # Basic authentication as node_exporter's web.config checks it (the flow refuses a user with a colon).
    login = base64.b64encode(f"{user}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {login}"} if user else {}
    url = str(data[CONF_ADDRESS]).rstrip("/") + "/metrics"
    try:
        async with asyncio.timeout(seconds), session.get(url, headers=headers, allow_redirects=False) as answer:
            if answer.status in (401, 403):
                raise ScrapeError("invalid_auth", f"HTTP {answer.status}")
            if answer.status != 200:
                raise ScrapeError("not_node_exporter", f"HTTP {answer.status}")
            return await answer.text()
    except TimeoutError as err:
        raise ScrapeError("cannot_connect", f"no answer within {seconds:g} s") from err
    except aiohttp.ClientError as err:
        raise ScrapeError("cannot_connect", str(err) or type(err).__name__) from err


async def async_scrape(hass: HomeAssistant, data: Mapping[str, Any]) -> Samples:
    """One scrape of ``data``'s node_exporter, parsed (in the executor)."""
    text = await async_fetch(hass, data)
    try:
        return await hass.async_add_executor_job(parse, text)
    except NotNodeExporter as err:
        raise ScrapeError("not_node_exporter", str(err)) from err


def scrape_failure[E: HomeAssistantError](err: ScrapeError, unavailable: type[E]) -> ConfigEntryAuthFailed | E:
    """A failed scrape for Home Assistant: a refused login asks for it again, anything else is ``unavailable``."""
    if err.reason == "invalid_auth":
        return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="remote_refused")
    return unavailable(
        translation_domain=DOMAIN, translation_key="remote_unavailable", translation_placeholders={"error": str(err)}
    )


class RemoteCoordinator(SubscribingCoordinator[HostSnapshot, Category]):
    """Scrapes a node_exporter every interval; its entities are This server's.

    Each scrape also feeds the coordinators made from it (``FedCoordinator``:
    the machine's arrays and disks), in the same executor job.
    """

    all_categories = REMOTE_CATEGORIES

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's address and options."""
        interval = RemoteOptions.of(config_entry.options).scan_interval
        super().__init__(hass, config_entry, f"remote {config_entry.title}", interval, device_info)
        self.probe = NodeProbe()
        self.fed: list[FedCoordinator[Any, Any]] = []

    def prime(self, samples: Samples) -> None:
        """A scrape taken at setup: the first cycle already has rates, the fed ones their data (in the executor)."""
        self._read(samples, time.monotonic(), REMOTE_CATEGORIES)

    def _read(self, samples: Samples, at: float, wanted: frozenset[Category]) -> HostSnapshot:
        for fed in self.fed:
            if fed.wanted:
                fed.latest = fed.read(samples)
        return self.probe.snapshot(samples, at, wanted)

    def _snapshot(self, text: str, at: float, wanted: frozenset[Category]) -> HostSnapshot:
        """Parse one scrape and make its snapshot and the fed coordinators' data: the cycle's one executor job."""
        return self._read(parse(text), at, wanted)

    async def _async_cycle(self, wanted: frozenset[Category]) -> HostSnapshot:
        try:
            text = await async_fetch(self.hass, self.config_entry.data)
            try:
                snapshot = await self.hass.async_add_executor_job(self._snapshot, text, time.monotonic(), wanted)
            except NotNodeExporter as err:
                raise ScrapeError("not_node_exporter", str(err)) from err
        except ScrapeError as err:
            failure = scrape_failure(err, UpdateFailed)
            for fed in self.fed:
                fed.async_set_update_error(failure)
            raise failure from err
        for fed in self.fed:
            if fed.latest is not None and (fed.latest != fed.data or not fed.last_update_success):
                fed.async_set_updated_data(fed.latest)
        return snapshot


class FedCoordinator[DataT, CategoryT: str](SubscribingCoordinator[DataT, CategoryT]):
    """What the Remote server's scrapes say of one more concern (its arrays, its disks): no schedule of its own.

    ``read`` runs in the scrape's executor job; each scrape then hands its
    result over, and a failed scrape makes these entities unavailable too.
    ``hub_device_id`` is the machine's device: an array or disk device sits under it.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: HomeSentryConfigEntry,
        remote: RemoteCoordinator,
        name: str,
        hub_device_id: str,
    ) -> None:
        """Fed by ``remote``'s scrapes."""
        super().__init__(hass, config_entry, f"{name} {config_entry.title}", None, remote.device_info)
        self.remote = remote
        self.hub_device_id = hub_device_id
        self.latest: DataT | None = None
        remote.fed.append(self)

    @abstractmethod
    def read(self, samples: Samples) -> DataT:
        """What one scrape says of this concern (in the executor)."""

    async def _async_cycle(self, wanted: frozenset[CategoryT]) -> DataT:
        """The last scrape's (the first refresh and a manual one: the scrapes themselves come every interval)."""
        if self.latest is None or not self.remote.last_update_success:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="remote_unavailable",
                translation_placeholders={"error": str(self.remote.last_exception)},
            )
        return self.latest
