"""The "Web service" monitor: one check of one self-hosted app, and its entities.

The service is up after one passing check and down only after N failing ones
in a row (default 2), so one dropped request never raises an alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ...const import CONF_HOST, CONF_PORT, CONF_URL
from ...coordinator import SubscribingCoordinator
from ...probes.ping import PingMethod, detect_method
from ...probes.web_service import (
    CheckKind,
    CheckResult,
    Failure,
    check_http,
    check_icmp,
    check_tcp,
    parse_headers,
    parse_statuses,
)
from .const import (
    CONF_CHECK,
    CONF_FOLLOW_REDIRECTS,
    CONF_HEADERS,
    CONF_KEYWORD,
    CONF_METHOD,
    CONF_STATUSES,
    CONF_VERIFY_TLS,
)
from .options import WebOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

SECONDS_PER_DAY: Final = 86400


class WebCategory(StrEnum):
    """What the web service coordinator collects."""

    CHECK = "check"


@dataclass(frozen=True, slots=True)
class ServiceSnapshot:
    """The last check, and the state the flap filter derives from the run of checks."""

    kind: CheckKind
    tls: bool  # an https:// check, which has a certificate to watch
    result: CheckResult
    up: bool | None
    failures: int
    last_failure: Failure | None
    last_failure_at: datetime | None
    last_failure_detail: str
    certificate_days: int
    checked_at: datetime

    @property
    def days_left(self) -> float | None:
        """Days until the certificate expires (negative once it has)."""
        expires = self.result.certificate_expires
        if expires is None:
            return None
        return round((expires - self.checked_at).total_seconds() / SECONDS_PER_DAY, 1)

    @property
    def certificate_expiring(self) -> bool | None:
        """The certificate expires within the configured number of days."""
        days = self.days_left
        return None if days is None else days <= self.certificate_days


async def run_check(hass: HomeAssistant, entry_data: Mapping[str, Any], method: PingMethod | None) -> CheckResult:
    """Run the check an entry's data describes (config flow and coordinator).

    ``method`` is how to ping, for an ICMP check; found now if not given.
    """
    kind = CheckKind(entry_data[CONF_CHECK])
    if kind == CheckKind.HTTP:
        session = async_get_clientsession(hass, verify_ssl=entry_data.get(CONF_VERIFY_TLS, True))
        return await check_http(
            session,
            entry_data[CONF_URL],
            method=entry_data.get(CONF_METHOD, "GET"),
            statuses=parse_statuses(entry_data.get(CONF_STATUSES, "200-299")),
            keyword=entry_data.get(CONF_KEYWORD, ""),
            headers=parse_headers(entry_data.get(CONF_HEADERS, "")),
            follow_redirects=entry_data.get(CONF_FOLLOW_REDIRECTS, True),
        )
    if kind == CheckKind.TCP:
        return await check_tcp(entry_data[CONF_HOST], int(entry_data[CONF_PORT]))
    if method is None:
        method = await hass.async_add_executor_job(detect_method)
    return await check_icmp(entry_data[CONF_HOST], method)


class WebServiceCoordinator(SubscribingCoordinator[ServiceSnapshot, WebCategory]):
    """Runs the check every interval and filters flaps."""

    all_categories = frozenset(WebCategory)

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's check and options."""
        options = WebOptions.of(config_entry.options)
        super().__init__(hass, config_entry, f"web service {config_entry.title}", options.scan_interval, device_info)
        self.kind = CheckKind(config_entry.data[CONF_CHECK])
        self.options = WebOptions.of(config_entry.options)
        self.threshold = self.options.failure_threshold
        self.method: PingMethod | None = None

    async def _async_cycle(self, wanted: frozenset[WebCategory]) -> ServiceSnapshot:
        if self.kind == CheckKind.ICMP and self.method is None:
            self.method = await self.hass.async_add_executor_job(detect_method)
        result = await run_check(self.hass, self.config_entry.data, self.method)
        now = dt_util.utcnow()
        previous = self.data
        if result.ok:
            if previous is not None and previous.up is False:
                _LOGGER.info("%s is up again", self.config_entry.title)
            up: bool | None = True
            failures = 0
        else:
            failures = (previous.failures if previous is not None else 0) + 1
            up = previous.up if previous is not None else None
            if failures >= self.threshold:
                if up is not False:
                    _LOGGER.warning("%s is down: %s", self.config_entry.title, result.detail)
                up = False
        snapshot = ServiceSnapshot(
            kind=self.kind,
            tls=str(self.config_entry.data.get(CONF_URL, "")).startswith("https://"),
            result=result,
            up=up,
            failures=failures,
            last_failure=previous.last_failure if previous is not None else None,
            last_failure_at=previous.last_failure_at if previous is not None else None,
            last_failure_detail=previous.last_failure_detail if previous is not None else "",
            certificate_days=self.options.certificate_days,
            checked_at=now,
        )
        if not result.ok:
            snapshot = replace(
                snapshot, last_failure=result.failure, last_failure_at=now, last_failure_detail=result.detail
            )
        return snapshot
