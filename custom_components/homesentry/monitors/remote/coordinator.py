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
from typing import TYPE_CHECKING, Any, Final, override

import aiohttp
from homeassistant.const import CONF_ADDRESS, CONF_PASSWORD, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed

from ...const import DOMAIN
from ...coordinator import SubscribingCoordinator
from ...probes.host import Category, HostSnapshot
from ...probes.node_exporter import REMOTE_CATEGORIES, NodeProbe, NotNodeExporter, Samples, parse
from ...probes.smartctl_exporter import parse_smartctl
from .const import CONF_SMART_ADDRESS
from .options import RemoteOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

SCRAPE_TIMEOUT: Final = 10.0  # seconds one scrape may take, whatever the interval


PARSERS: Final = {CONF_ADDRESS: parse, CONF_SMART_ADDRESS: parse_smartctl}  # what answers at each address


class ScrapeError(Exception):
    """The exporter could not be scraped; ``reason`` is the translated form error."""

    def __init__(self, reason: str, detail: str) -> None:
        """A reason (cannot_connect, invalid_auth, not_node_exporter) and what happened."""
        super().__init__(detail)
        self.reason = reason


async def async_fetch(hass: HomeAssistant, data: Mapping[str, Any], address: str = CONF_ADDRESS) -> str:
    """The text of one scrape of the exporter at ``data[address]`` (node_exporter's), within ``SCRAPE_TIMEOUT``."""
    seconds = SCRAPE_TIMEOUT
    session = async_get_clientsession(hass, verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)))
    user, password = str(data.get(CONF_USERNAME) or ""), str(data.get(CONF_PASSWORD) or "")
    # Basic authentication as the exporters' web.config checks it (the flow refuses a user with a colon).
    login = base64.b64encode(f"{user}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {login}"} if user else {}
    url = str(data[address]).rstrip("/") + "/metrics"  # the flow keeps addresses without it
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


async def async_scrape(hass: HomeAssistant, data: Mapping[str, Any], address: str = CONF_ADDRESS) -> Samples:
    """One scrape of the exporter at ``data[address]``, parsed (in the executor): node_exporter's or smartctl's."""
    text = await async_fetch(hass, data, address)
    try:
        return await hass.async_add_executor_job(PARSERS[address], text)
    except NotNodeExporter as err:
        raise ScrapeError("not_node_exporter", str(err)) from err


type SmartAnswer = str | ScrapeError | None  # the smartctl_exporter's text, why there is none, or no such exporter


async def _async_fetch_smart(hass: HomeAssistant, data: Mapping[str, Any]) -> SmartAnswer:
    """The machine's smartctl_exporter's answer, or why there is none (None: it has no smartctl_exporter)."""
    if not data.get(CONF_SMART_ADDRESS):
        return None
    try:
        return await async_fetch(hass, data, CONF_SMART_ADDRESS)
    except ScrapeError as err:
        return err


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
        self.smart_error: ScrapeError | None = None  # why the last cycle had no smartctl_exporter answer
        self.scrape_error: ScrapeError | None = None  # why the last cycle had no scrape
        self._smart_logged = False

    def prime(self, samples: Samples) -> None:
        """A scrape taken at setup: the first cycle already has rates (in the executor)."""
        self.probe.snapshot(samples, time.monotonic())

    def _read(self, samples: Samples, at: float, wanted: frozenset[Category]) -> HostSnapshot:
        for fed in self.fed:
            if fed.wanted:  # its entities' categories, or one it explores (no array or disk seen yet)
                try:
                    fed.latest, fed.error = fed.read(samples), None
                except FedUnavailable as err:
                    fed.error = err
        return self.probe.snapshot(samples, at, wanted)

    def _snapshot(
        self, text: str, smart: str | ScrapeError | None, at: float, wanted: frozenset[Category]
    ) -> HostSnapshot:
        """Parse one scrape (and the smartctl_exporter's), make the snapshot and the fed data: one executor job."""
        samples = parse(text)
        self.smart_error = smart if isinstance(smart, ScrapeError) else None
        if isinstance(smart, str):
            try:
                samples |= parse_smartctl(smart)
            except NotNodeExporter as err:
                self.smart_error = ScrapeError("not_smartctl_exporter", str(err))
        return self._read(samples, at, wanted)

    async def _async_cycle(self, wanted: frozenset[Category]) -> HostSnapshot:
        try:
            text, smart = await asyncio.gather(
                async_fetch(self.hass, self.config_entry.data), _async_fetch_smart(self.hass, self.config_entry.data)
            )  # each with its own time limit, at the same time
            try:
                snapshot = await self.hass.async_add_executor_job(self._snapshot, text, smart, time.monotonic(), wanted)
            except NotNodeExporter as err:
                raise ScrapeError("not_node_exporter", str(err)) from err
        except ScrapeError as err:
            self.scrape_error = err
            failure = scrape_failure(err, UpdateFailed)
            for fed in self.fed:
                fed.async_set_update_error(failure)
            raise failure from err
        self.scrape_error = None
        self._log_smart_exporter()
        for fed in self.fed:
            if fed.error is not None:
                fed.async_set_update_error(fed.error)
            elif fed.latest is not None and (fed.latest != fed.data or not fed.last_update_success):
                fed.async_set_updated_data(fed.latest)
        return snapshot

    def unavailable(self) -> UpdateFailed:
        """Why what its scrapes feed cannot be read now (the last scrape's failure, said once)."""
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="remote_unavailable",
            translation_placeholders={"error": str(self.scrape_error or "no scrape yet")},
        )

    def _log_smart_exporter(self) -> None:
        """Once when the machine's smartctl_exporter stops answering, once when it answers again."""
        failing = self.smart_error is not None
        if failing and not self._smart_logged:
            self.logger.warning("%s: its smartctl_exporter does not answer: %s", self.name, self.smart_error)
        elif self._smart_logged and not failing:
            self.logger.info("%s: its smartctl_exporter answers again", self.name)
        self._smart_logged = failing


class FedUnavailable(UpdateFailed):
    """A scrape came, but what a fed coordinator reads was not in it (its own exporter did not answer)."""


class FedCoordinator[DataT, CategoryT: str](SubscribingCoordinator[DataT, CategoryT]):
    """What the Remote server's scrapes say of one more part of a machine (its arrays, its disks): no schedule.

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
        self.error: FedUnavailable | None = None  # why the last scrape said nothing of this part
        self.follows = remote
        remote.fed.append(self)

    @callback
    @override
    def async_set_update_error(self, err: Exception) -> None:
        """Unavailable, quietly: the Remote server's coordinator logs a failed scrape, and its smartctl_exporter's."""
        self.last_exception = err
        if self.last_update_success:
            self.last_update_success = False
            self.async_update_listeners()

    @abstractmethod
    def read(self, samples: Samples) -> DataT:
        """What one scrape says of this part (in the executor)."""

    async def _async_cycle(self, wanted: frozenset[CategoryT]) -> DataT:
        """The last scrape's (the first refresh and a manual one: the scrapes themselves come every interval)."""
        if self.error is not None:
            raise self.error
        if self.latest is None or not self.remote.last_update_success:
            raise self.remote.unavailable()
        return self.latest
