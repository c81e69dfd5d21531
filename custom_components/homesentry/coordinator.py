"""What every HomeSentry coordinator shares: the cycle, subscriptions and failure logs.

A coordinator implements one method, ``_async_cycle(wanted)``: read what is
wanted and return the data. The base class runs it: never two cycles at once
(a manual refresh during a scheduled one waits), the first cycle collects
everything so setup knows which entities exist, later ones the categories
entities subscribed to (Home Assistant's systemmonitor does the same) and
those still explored: a category some description has made no entity of yet
(no disks, no array, a core with no reading) is read on every cycle, so what
appears after setup gets its entities within one cycle. A category that
fails (``failures_in``) is logged once when it starts failing and once when
it recovers, never every cycle.
"""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Callable, Mapping
from datetime import timedelta
import logging
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, final, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import (
    REQUEST_REFRESH_DEFAULT_COOLDOWN,
    DataUpdateCoordinator,
    UpdateFailed,
)

from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry


def entry_store(hass: HomeAssistant, entry_id: str, name: str) -> Store[dict[str, Any]]:
    """The Store ``name`` (one of its monitor's ``stores``) of a config entry."""
    return Store(hass, 1, f"{DOMAIN}.{entry_id}.{name}")


class SubscribingCoordinator[DataT, CategoryT: str](DataUpdateCoordinator[DataT]):
    """A coordinator whose cycles collect only the subscribed categories."""

    config_entry: ConfigEntry[Any]  # every HomeSentry coordinator belongs to an entry

    all_categories: frozenset[CategoryT]  # every category it can collect (a class attribute of each coordinator)

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        name: str,
        seconds: float | None,
        device_info: DeviceInfo | None,
        *,
        refresh_cooldown: float = REQUEST_REFRESH_DEFAULT_COOLDOWN,
    ) -> None:
        """Initialise with every category wanted until entities subscribe; logs as "HomeSentry <name>".

        ``seconds`` is the update interval (None: only when asked);
        ``device_info`` is the device its entities belong to (``device_for``
        may give an object its own); ``refresh_cooldown`` spaces requested
        refreshes (an event source asks for them; the first runs at once).
        """
        logger = logging.getLogger(type(self).__module__)
        super().__init__(
            hass,
            logger,
            config_entry=config_entry,
            name=f"HomeSentry {name}",
            update_interval=timedelta(seconds=seconds) if seconds is not None else None,
            always_update=False,
            request_refresh_debouncer=Debouncer(hass, logger, cooldown=refresh_cooldown, immediate=True),
        )
        self.device_info = device_info
        self._subscribers: dict[CategoryT, set[object]] = {}
        self._exploring: dict[object, frozenset[CategoryT]] = {}  # by whoever explores them (a platform)
        self._discovered = False
        self._failing: dict[CategoryT, str] = {}
        self.follows: SubscribingCoordinator[Any, Any] | None = None  # whose outages are this one's
        self._failed_quietly = False
        # A cycle never overlaps itself, even when a manual refresh
        # (homeassistant.update_entity) arrives during a scheduled one.
        self.cycle_lock = asyncio.Lock()

    @final
    @override
    async def _async_update_data(self) -> DataT:
        """One cycle: collect what is wanted, alone, then note which categories fail.

        A coordinator that ``follows`` another fails quietly while that one
        fails (that one logs the outage and its end: one line each), and
        comes back quietly too; a failure of its own is logged as any.
        """
        async with self.cycle_lock:
            try:
                data = await self._async_cycle(self.wanted)
            except UpdateFailed:
                if self.follows is not None and not self.follows.last_update_success:
                    self.last_update_success = False  # Home Assistant logs a failure only after a success
                    self._failed_quietly = True
                elif self._failed_quietly:  # a failure of its own now: Home Assistant logs it, and its end
                    self._failed_quietly = False
                    self.last_update_success = True
                raise
            self._discovered = True
            if (report := self.failures_in(data)) is not None:
                self.note_failures(*report)
        if self._failed_quietly:
            self._failed_quietly = False
            self.last_update_success = True  # and a recovery only after a failure
        return data

    @abstractmethod
    async def _async_cycle(self, wanted: frozenset[CategoryT]) -> DataT:
        """Read the ``wanted`` categories; raise ``UpdateFailed`` (translated) when nothing could be read."""

    def failures_in(self, data: DataT) -> tuple[Mapping[CategoryT, str], frozenset[CategoryT]] | None:
        """The categories that failed in ``data`` and those it collected (None: it does not say)."""
        return None

    def diagnostics_extra(self) -> Mapping[str, Any]:
        """What its entities derive from the data, for diagnostics beside the data (nothing by default)."""
        return {}

    @callback
    def subscribe(self, category: CategoryT, subscriber: object) -> Callable[[], None]:
        """Ask for ``category`` until the returned callback is called."""
        self._subscribers.setdefault(category, set()).add(subscriber)

        @callback
        def unsubscribe() -> None:
            subscribers = self._subscribers.get(category)
            if subscribers is not None:
                subscribers.discard(subscriber)
                if not subscribers:
                    del self._subscribers[category]

        return unsubscribe

    @callback
    def explore(self, explorer: object, categories: frozenset[CategoryT]) -> None:
        """Read ``categories`` on every cycle for ``explorer``, whatever subscribes: it has no entity of them yet."""
        if categories:
            self._exploring[explorer] = categories
        else:
            self._exploring.pop(explorer, None)

    def subscribed_objects(self, category: CategoryT) -> frozenset[str]:
        """The objects whose entities subscribed to ``category``."""
        return frozenset(getattr(s, "object_key", "") for s in self._subscribers.get(category, ()))

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """The device an object's entities belong to: the coordinator's own by default."""
        return self.device_info

    @property
    def wanted(self) -> frozenset[CategoryT]:
        """Categories the next cycle collects."""
        if not self._discovered:
            return self.all_categories
        return frozenset(self._subscribers).union(*self._exploring.values()) & self.all_categories

    @property
    def discovered(self) -> bool:
        """Whether the first (everything) cycle is done: cycles collect by subscription now."""
        return self._discovered

    @property
    def failing(self) -> Mapping[CategoryT, str]:
        """Categories failing now, with their last error (a read-only view)."""
        return MappingProxyType(self._failing)

    def note_failures(self, failures: Mapping[CategoryT, str], collected: frozenset[CategoryT]) -> None:
        """Log a category once when it starts failing and once on recovery."""
        for category, error in failures.items():
            if category not in self._failing:
                self.logger.warning("%s: cannot read %s: %s", self.name, category, error)
            self._failing[category] = error
        for category in [c for c in self._failing if c in collected and c not in failures]:
            del self._failing[category]
            self.logger.info("%s: reading %s again", self.name, category)
