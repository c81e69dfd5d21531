"""A Remote server's coordinator: one scrape of its node_exporter per cycle, made into the host snapshot.

The scrape has its own time limit (a machine that stops answering costs its
own entities, never another entry's cycle); parsing runs in the executor. A
refused user or password starts reauthentication.
"""

from __future__ import annotations

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
    """Scrapes a node_exporter every interval; its entities are This server's."""

    all_categories = REMOTE_CATEGORIES

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's address and options."""
        interval = RemoteOptions.of(config_entry.options).scan_interval
        super().__init__(hass, config_entry, f"remote {config_entry.title}", interval, device_info)
        self.probe = NodeProbe()

    def prime(self, samples: Samples) -> None:
        """A scrape taken at setup: the first cycle already has rates (in the executor)."""
        self.probe.snapshot(samples, time.monotonic())

    def _snapshot(self, text: str, at: float, wanted: frozenset[Category]) -> HostSnapshot:
        """Parse one scrape and make its snapshot: the cycle's one executor job."""
        return self.probe.snapshot(parse(text), at, wanted)

    async def _async_cycle(self, wanted: frozenset[Category]) -> HostSnapshot:
        try:
            text = await async_fetch(self.hass, self.config_entry.data)
            try:
                return await self.hass.async_add_executor_job(self._snapshot, text, time.monotonic(), wanted)
            except NotNodeExporter as err:
                raise ScrapeError("not_node_exporter", str(err)) from err
        except ScrapeError as err:
            raise scrape_failure(err, UpdateFailed) from err
