"""The "Dynamic DNS hostname" monitor: keep the record right, prove it resolves.

Two coordinators per hostname:

- ``RecordCoordinator`` (every 5 min by default): the network's public
  address (the whoami probe the Internet monitor uses), the hostname's A
  record at its zone's own nameservers (found by walking NS records) and at
  public resolvers, whether the two agree, and the optional reachability
  checks. It never talks to the provider, so a provider outage leaves these
  entities alone.
- ``UpdateCoordinator`` (only when the entry updates the record): when the
  record does not hold the public address, tells the provider, then asks the
  nameservers until they answer the new address (bounded) and reports how long
  that took. It follows the providers' rules: no repeated update of an
  address the provider already holds (``nochg``); after ``badauth``,
  ``nohost``, ``abuse``, ``badagent`` or ``!donator`` nothing is sent until
  the user acts (a reauth flow or a repair issue says how); other errors back
  off 1, 5, 15, 30 minutes through ``UpdateFailed(retry_after=...)``.

The update state (what the provider holds, whether updates are halted) lives
in the "ddns" Store, so a restart neither forgets a halt nor repeats an update.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
import hashlib
import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import (
    CONF_API_TOKEN,
    CONF_PASSWORD,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ... import world
from ...const import DOMAIN, DdnsProvider
from ...coordinator import SubscribingCoordinator, entry_store
from ...probes.ddns import (
    Cloudflare,
    DuckDns,
    DynDns2,
    FreeDns,
    Outcome,
    Provider,
    UpdateAnswer,
    UpdateUrl,
)
from ...probes.dns import RecordAnswer, Zone, ZoneNotFound, ask_authoritative, find_zone, resolve_at, system_resolvers
from ...probes.public_ip import PublicIpReading, public_address
from ...probes.sysfs import slug
from ...probes.web_service import CheckResult, check_http, check_tcp
from ...public_ip import AddressHistory
from .const import CONF_HOSTNAME, CONF_PROVIDER, CONF_SERVER_URL, CONF_UPDATE_URL, CONF_ZONE, MODE_UPDATE
from .options import DdnsOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

ZONE_MAX_AGE: Final = 3600.0  # the zone's nameservers are looked up again after an hour
USER_AGENT: Final = "HomeSentry-HomeAssistant/{version} https://github.com/homesentry/homesentry"
# Which entry data are secrets (never logged, redacted in diagnostics).
SECRETS: Final = (CONF_TOKEN, CONF_API_TOKEN, CONF_PASSWORD, CONF_USERNAME, CONF_UPDATE_URL)


class DdnsCategory(StrEnum):
    """What the dynamic DNS coordinators collect."""

    RECORD = "record"
    REACHABILITY = "reachability"
    UPDATE = "update"


def provider_for(data: Mapping[str, Any], version: str = "0") -> Provider | None:
    """The provider an entry's data describe (None: verify only)."""
    kind = DdnsProvider(data[CONF_PROVIDER])
    hostname = data[CONF_HOSTNAME]
    if kind == DdnsProvider.DUCKDNS:
        return DuckDns(hostname, data[CONF_TOKEN], world.DDNS_BASE_URLS[kind])
    if kind in (DdnsProvider.NOIP, DdnsProvider.DYNDNS2):
        server = data[CONF_SERVER_URL] if kind == DdnsProvider.DYNDNS2 else world.DDNS_BASE_URLS[kind]
        agent = USER_AGENT.format(version=version)
        return DynDns2(hostname, data[CONF_USERNAME], data[CONF_PASSWORD], server, agent)
    if kind == DdnsProvider.FREEDNS:
        return FreeDns(hostname, data[CONF_TOKEN], world.DDNS_BASE_URLS[kind])
    if kind == DdnsProvider.CLOUDFLARE:
        return Cloudflare(hostname, data[CONF_API_TOKEN], data[CONF_ZONE], world.DDNS_BASE_URLS[kind])
    if kind == DdnsProvider.UPDATE_URL:
        return UpdateUrl(hostname, data[CONF_UPDATE_URL])
    return None


def updates(entry: HomeSentryConfigEntry) -> bool:
    """The entry keeps the record right itself (not verify only)."""
    return entry.data[CONF_PROVIDER] != DdnsProvider.NONE and DdnsOptions.of(entry.options).mode == MODE_UPDATE


async def bootstrap_resolver(hass: HomeAssistant) -> str:
    """The recursive resolver the zone walk starts from."""
    if world.DDNS_BOOTSTRAP is not None:
        return world.DDNS_BOOTSTRAP
    found = await hass.async_add_executor_job(system_resolvers, world.ETC_ROOT)
    return found[0] if found else world.DDNS_PUBLIC_RESOLVERS[0]


async def ask_zone(zone: Zone, hostname: str) -> dict[str, RecordAnswer]:
    """The record at every nameserver of ``zone``, asked at once, by server address."""
    answers = await asyncio.gather(*(ask_authoritative(a, hostname, port=world.DNS_PORT) for a in zone.addresses))
    return {answer.server: answer for answer in answers}


def agreed_record(answers: Mapping[str, RecordAnswer]) -> tuple[str, ...] | None:
    """The A records most of the servers that answered give (None: none answered)."""
    votes = Counter(a.addresses for a in answers.values() if a.error in (None, "nxdomain"))
    return votes.most_common(1)[0][0] if votes else None


# --------------------------------------------------------------------------- the record


def answer_text(answer: RecordAnswer) -> str:
    """What one server answered, in a few words."""
    return answer.error or ", ".join(answer.addresses) or "no A record"


@dataclass(frozen=True, slots=True)
class Reachability:
    """One configured port or URL on the hostname, checked from inside the network."""

    target: str
    result: CheckResult


@dataclass(frozen=True, slots=True)
class RecordSnapshot:
    """The public address, the record, and whether they agree."""

    public_ip: str | None
    whoami: Mapping[str, str]
    zone: str
    authoritative: Mapping[str, RecordAnswer]
    resolvers: Mapping[str, RecordAnswer]
    record: tuple[str, ...] | None
    in_sync: bool | None
    problem: bool | None
    out_of_sync_since: datetime | None
    grace_until: datetime | None
    changes: tuple[Mapping[str, Any], ...]
    last_change: datetime | None
    reachability: Mapping[str, Reachability] = field(default_factory=dict)

    @property
    def record_ip(self) -> str | None:
        """The record's address (the first, if it has several)."""
        return self.record[0] if self.record else None


class RecordCoordinator(SubscribingCoordinator[RecordSnapshot, DdnsCategory]):
    """Compares the public address with the record every interval."""

    all_categories = frozenset({DdnsCategory.RECORD, DdnsCategory.REACHABILITY})

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's hostname and options."""
        options = DdnsOptions.of(config_entry.options)
        super().__init__(
            hass, config_entry, f"DDNS {config_entry.data[CONF_HOSTNAME]}", options.scan_interval, device_info
        )
        self.hostname: str = config_entry.data[CONF_HOSTNAME]
        self.grace = timedelta(minutes=options.grace_minutes)
        self.targets: list[str] = list(options.reachability)
        self.history = AddressHistory(hass, config_entry.entry_id, self.name, hostname=self.hostname)
        self.zone: Zone | None = None
        self._zone_at = 0.0
        self.grace_until: datetime | None = None
        self.out_of_sync_since: datetime | None = None

    async def async_load(self) -> None:
        """Restore the accepted address and its change history."""
        await self.history.async_load()

    def expect_change(self) -> None:
        """The record is about to change (an update was sent): give it the grace period."""
        self.grace_until = max(filter(None, (self.grace_until, dt_util.utcnow() + self.grace)))

    async def async_zone(self, *, fresh: bool = False) -> Zone:
        """The hostname's zone and nameservers, looked up again after an hour (or when asked)."""
        if fresh or self.zone is None or time.monotonic() - self._zone_at > ZONE_MAX_AGE:
            bootstrap = await bootstrap_resolver(self.hass)
            try:
                self.zone = await find_zone(self.hostname, bootstrap)
            except ZoneNotFound as err:
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="zone_not_found",
                    translation_placeholders={"hostname": self.hostname, "error": str(err)},
                ) from err
            self._zone_at = time.monotonic()
        return self.zone

    async def async_ask_zone(self) -> dict[str, RecordAnswer]:
        """The record at every nameserver of the zone, asked at once."""
        return await ask_zone(await self.async_zone(), self.hostname)

    async def _async_cycle(self, wanted: frozenset[DdnsCategory]) -> RecordSnapshot:
        reading, authoritative, resolvers = await asyncio.gather(
            public_address(world.WHOAMI_SERVICES, 4),
            self.async_ask_zone(),
            asyncio.gather(*(resolve_at(r, self.hostname) for r in world.DDNS_PUBLIC_RESOLVERS)),
        )
        if agreed_record(authoritative) is None:
            # Every nameserver failed: perhaps they moved. Look them up again next time.
            self.zone = None
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="nameservers_silent",
                translation_placeholders={
                    "hostname": self.hostname,
                    "answers": ", ".join(f"{s}: {a.error}" for s, a in authoritative.items()),
                },
            )
        # Not wanted (its entities disabled, or not added yet): keep the last results.
        kept = dict(self.data.reachability) if self.data is not None else {}
        reachability = await self._reachability() if DdnsCategory.REACHABILITY in wanted else kept
        if await self.history.async_accept({4: reading}):
            self.expect_change()
        return self._snapshot(reading, authoritative, {r.server: r for r in resolvers}, reachability)

    def _snapshot(
        self,
        reading: PublicIpReading,
        authoritative: dict[str, RecordAnswer],
        resolvers: dict[str, RecordAnswer],
        reachability: dict[str, Reachability],
    ) -> RecordSnapshot:
        now = dt_util.utcnow()
        public = self.history.addresses[4]
        record = agreed_record(authoritative)
        answered = [a for a in authoritative.values() if a.error in (None, "nxdomain")]
        in_sync = None if public is None else all(public in a.addresses for a in answered)
        if in_sync is False:
            self.out_of_sync_since = self.out_of_sync_since or now
        elif in_sync:
            self.out_of_sync_since = None
        problem = None if in_sync is None else not in_sync and (self.grace_until is None or now >= self.grace_until)
        assert self.zone is not None
        return RecordSnapshot(
            public_ip=public,
            whoami=dict(reading.answers),
            zone=self.zone.name,
            authoritative=authoritative,
            resolvers=resolvers,
            record=record,
            in_sync=in_sync,
            problem=problem,
            out_of_sync_since=self.out_of_sync_since,
            grace_until=self.grace_until,
            changes=tuple(self.history.changes),
            last_change=self.history.last_change(4),
            reachability=reachability,
        )

    async def _reachability(self) -> dict[str, Reachability]:
        session = async_get_clientsession(self.hass)

        async def check(target: str) -> Reachability:
            if target.isdigit():
                return Reachability(target, await check_tcp(self.hostname, int(target)))
            return Reachability(target, await check_http(session, target))

        checks = await asyncio.gather(*(check(t) for t in self.targets))
        return {slug(c.target): c for c in checks}


# --------------------------------------------------------------------------- the update


@dataclass(frozen=True, slots=True)
class UpdateState:
    """What was last sent to the provider and what came of it (kept in the Store)."""

    last_attempt: datetime | None = None
    last_update: datetime | None = None
    outcome: Outcome | None = None
    answer: str | None = None
    accepted_ip: str | None = None
    verified: bool | None = None
    propagation: float | None = None
    halted: Outcome | None = None
    failures: int = 0
    retry_at: datetime | None = None
    credentials: str = ""  # a hash of the entry's data when a halt began

    def stored(self) -> dict[str, Any]:
        """The state as JSON for the Store."""
        return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in asdict(self).items()}

    @classmethod
    def restore(cls, stored: Mapping[str, Any]) -> UpdateState:
        """The state a Store held (unknown or damaged fields fall back to defaults)."""
        fields = {key: stored[key] for key in cls.__dataclass_fields__ if key in stored}
        for key in ("last_attempt", "last_update", "retry_at"):
            fields[key] = dt_util.parse_datetime(fields[key]) if fields.get(key) else None
        for key in ("outcome", "halted"):
            fields[key] = Outcome(fields[key]) if fields.get(key) in set(Outcome) else None
        return cls(**fields)


def credentials_hash(data: Mapping[str, Any]) -> str:
    """A fingerprint of an entry's data: a halt ends when the user changes them (reauth, reconfigure)."""
    return hashlib.sha256(json.dumps(dict(data), sort_keys=True, default=str).encode()).hexdigest()


class UpdateCoordinator(SubscribingCoordinator[UpdateState, DdnsCategory]):
    """Tells the provider the new address when the record is wrong, and verifies it."""

    all_categories = frozenset({DdnsCategory.UPDATE})

    config_entry: HomeSentryConfigEntry

    def __init__(
        self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, record: RecordCoordinator, provider: Provider
    ) -> None:
        """Initialise; the record coordinator's updates ask for a cycle when the record is wrong."""
        options = DdnsOptions.of(config_entry.options)
        super().__init__(
            hass,
            config_entry,
            f"DDNS {config_entry.data[CONF_HOSTNAME]} update",
            options.scan_interval,
            record.device_info,
        )
        self.record = record
        self.provider = provider
        self.store = entry_store(hass, config_entry.entry_id, "ddns")
        self.state = UpdateState()
        self._forced = False

    async def async_load(self) -> None:
        """Restore the state; a halt ends if the entry's credentials changed since."""
        self.state = UpdateState.restore(await self.store.async_load() or {})
        if self.state.halted is not None and self.state.credentials != credentials_hash(self.config_entry.data):
            _LOGGER.info("%s: settings changed, sending updates again", self.name)
            await self.async_resume()
        elif self.state.halted is not None:  # still halted after a restart: the issue says so again
            self._raise_issue(self.state.halted, self.state.answer or "")
        self.data = self.state

    async def async_resume(self) -> None:
        """The user acted (new credentials, a repair confirmed): updates may be sent again."""
        if self.state.halted is not None:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id(self.state.halted))
        # The halting answer is history now: the next update writes the result anew.
        self.state = replace(
            self.state, halted=None, outcome=None, answer=None, failures=0, retry_at=None, credentials=""
        )
        await self.store.async_save(self.state.stored())

    def issue_id(self, outcome: Outcome) -> str:
        """The repair issue of a halt."""
        return f"ddns_{outcome}_{self.config_entry.entry_id}"

    @callback
    def record_updated(self) -> None:
        """The record coordinator read: update at once if the record is wrong."""
        if self._needed() and self.state.halted is None:
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), f"{self.name} after the record changed"
            )

    def _needed(self) -> bool:
        """The record is wrong, and telling the provider again is allowed.

        Not when the provider already holds the address and the nameservers
        never showed it: sending it again is the ``nochg`` loop providers
        block clients for. When they did show it and now do not, somebody
        changed the record: it is sent again.
        """
        record = self.record.data
        if record is None or record.public_ip is None:
            return False
        if self._forced:
            return True
        if record.in_sync is not False:
            return False
        return self.state.accepted_ip != record.public_ip or self.state.verified is True

    async def async_update_now(self) -> None:
        """Send the address now, whatever the record says (the button and the action)."""
        if self.state.halted is not None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ddns_halted",
                translation_placeholders={"hostname": self.record.hostname, "outcome": self.state.halted},
            )
        if self.record.data is None or self.record.data.public_ip is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ddns_no_public_ip",
                translation_placeholders={"hostname": self.record.hostname},
            )
        self._forced = True
        self.state = replace(self.state, retry_at=None)
        try:
            await self.async_refresh()
        finally:
            self._forced = False
        if not self.last_update_success or (self.data is not None and self.data.halted is not None):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ddns_update_failed",
                translation_placeholders={
                    "hostname": self.record.hostname,
                    "outcome": str(self.state.outcome),
                    "answer": self.state.answer or "",
                },
            )

    async def _async_cycle(self, wanted: frozenset[DdnsCategory]) -> UpdateState:
        state = self.state
        if state.halted == Outcome.BAD_AUTH:
            raise self._bad_auth()
        if state.halted is not None or not self._needed():
            return state
        now = dt_util.utcnow()
        if state.retry_at is not None and now < state.retry_at:
            raise self._backoff(state, (state.retry_at - now).total_seconds())
        record = self.record.data
        assert record is not None
        address = record.public_ip
        assert address is not None
        self.record.expect_change()
        answer = await self.provider.update(async_get_clientsession(self.hass), address)
        _LOGGER.debug("%s: %s (%s)", self.name, answer.outcome, answer.answer)
        state = replace(state, last_attempt=now, outcome=answer.outcome, answer=answer.answer)
        if answer.outcome.ok:
            state = await self._verified(replace(state, last_update=now, accepted_ip=address, failures=0,
                                                 retry_at=None), address)  # fmt: skip
        elif answer.outcome.halts:
            state = self._halt(state, answer)
        else:
            wait = self._wait(state.failures, answer)
            state = replace(state, failures=state.failures + 1, retry_at=now + timedelta(seconds=wait))
        self.state = state
        await self.store.async_save(state.stored())
        if state.halted == Outcome.BAD_AUTH:
            raise self._bad_auth()
        if state.retry_at is not None:
            raise self._backoff(state, (state.retry_at - dt_util.utcnow()).total_seconds())
        if answer.outcome.ok:
            await self.record.async_request_refresh()
        return state

    def _bad_auth(self) -> ConfigEntryAuthFailed:
        """Stopped on refused credentials: Home Assistant starts the reauth flow."""
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="ddns_bad_auth",
            translation_placeholders={"hostname": self.record.hostname},
        )

    @staticmethod
    def _wait(failures: int, answer: UpdateAnswer) -> int:
        """1, 5, 15, 30 minutes; a dyndns2 ``911`` asks for 30 at once."""
        if answer.answer.startswith("911"):
            return world.DDNS_BACKOFF[-1]
        return world.DDNS_BACKOFF[min(failures, len(world.DDNS_BACKOFF) - 1)]

    def _backoff(self, state: UpdateState, seconds: float) -> UpdateFailed:
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="ddns_provider_error",
            translation_placeholders={
                "hostname": self.record.hostname,
                "outcome": str(state.outcome),
                "answer": state.answer or "",
                "minutes": str(round(seconds / 60, 1)),
            },
            retry_after=max(1.0, seconds),
        )

    def _halt(self, state: UpdateState, answer: UpdateAnswer) -> UpdateState:
        """Stop sending until the user acts, and tell them what to do."""
        _LOGGER.warning(
            "%s: the provider answered %s; no update is sent until this is fixed", self.name, answer.outcome
        )
        self._raise_issue(answer.outcome, answer.answer)
        return replace(state, halted=answer.outcome, credentials=credentials_hash(self.config_entry.data))

    def _raise_issue(self, outcome: Outcome, answer: str) -> None:
        """The repair issue of a halt; fixable by confirmation, except bad credentials (reauth fixes those)."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id(outcome),
            is_fixable=outcome != Outcome.BAD_AUTH,
            severity=ir.IssueSeverity.ERROR,
            translation_key=f"ddns_{outcome}",
            translation_placeholders={"hostname": self.record.hostname, "answer": answer},
            data={"entry_id": self.config_entry.entry_id},
        )

    async def _verified(self, state: UpdateState, address: str) -> UpdateState:
        """Ask the zone's servers until all answer ``address`` (bounded); how long it took."""
        start = time.monotonic()
        steps = max(1, math.ceil(world.DDNS_VERIFY_SECONDS / world.DDNS_VERIFY_STEP))
        for step in range(steps + 1):
            if step:
                await asyncio.sleep(world.DDNS_VERIFY_STEP)
            answers = await self.record.async_ask_zone()
            answered = [a for a in answers.values() if a.error in (None, "nxdomain")]
            if answered and all(address in a.addresses for a in answered):
                return replace(state, verified=True, propagation=round(time.monotonic() - start, 1))
        _LOGGER.warning(
            "%s: the provider took the address, but the nameservers did not answer it within %s s",
            self.name,
            world.DDNS_VERIFY_SECONDS,
        )
        return replace(state, verified=False, propagation=None)


# --------------------------------------------------------------------------- set-up


@dataclass(slots=True)
class DdnsCoordinators:
    """The coordinators of a dynamic DNS entry (no updater when it only verifies)."""

    record: RecordCoordinator
    update: UpdateCoordinator | None


async def async_setup_ddns(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, version: str, device_info: DeviceInfo
) -> DdnsCoordinators:
    """Create, restore and first-refresh the coordinators."""
    record = RecordCoordinator(hass, entry, device_info)
    await record.async_load()
    provider = provider_for(entry.data, version) if updates(entry) else None
    update = UpdateCoordinator(hass, entry, record, provider) if provider is not None else None
    if update is not None:
        await update.async_load()
    await record.async_config_entry_first_refresh()
    if update is not None:
        entry.async_on_unload(record.async_add_listener(update.record_updated))
        # Not a first refresh: a provider error must not stop the record's entities.
        await update.async_refresh()
    return DdnsCoordinators(record, update)
