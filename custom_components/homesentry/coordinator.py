"""What every HomeSentry coordinator shares: subscriptions and failure logs.

Entities subscribe to the categories of data they show; a cycle collects only
the categories somebody subscribed to (Home Assistant's systemmonitor does the
same), except the first one, which collects everything so setup knows which
sensors exist. A category that fails is logged once when it starts failing
and once when it recovers, never every cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import timedelta
import logging
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import REQUEST_REFRESH_DEFAULT_COOLDOWN, DataUpdateCoordinator

from .const import CONF_KIND, DEFAULT_OPTIONS, DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

# Every Store a config entry may keep; all are deleted with the entry.
STORE_NAMES = ("outages", "public_ip", "speed_test", "docker", "backup", "ups", "ddns", "power")


def entry_option(entry: ConfigEntry, key: str) -> Any:
    """An option of the entry, or its default for the entry's kind."""
    return entry.options.get(key, DEFAULT_OPTIONS[entry.data[CONF_KIND]][key])


def entry_store(hass: HomeAssistant, entry_id: str, name: str) -> Store[dict[str, Any]]:
    """The Store ``name`` (one of ``STORE_NAMES``) of a config entry."""
    return Store(hass, 1, f"{DOMAIN}.{entry_id}.{name}")


class SubscribingCoordinator[DataT, CategoryT: str](DataUpdateCoordinator[DataT]):
    """A coordinator whose cycles collect only the subscribed categories."""

    device_info: DeviceInfo | None = None
    config_entry: ConfigEntry[Any]  # every HomeSentry coordinator belongs to an entry

    def __init__(
        self,
        hass: HomeAssistant,
        logger: logging.Logger,
        *,
        config_entry: ConfigEntry,
        name: str,
        update_interval: timedelta | None,
        all_categories: frozenset[CategoryT],
        refresh_cooldown: float = REQUEST_REFRESH_DEFAULT_COOLDOWN,
    ) -> None:
        """Initialise with every category wanted until entities subscribe.

        ``refresh_cooldown`` spaces requested refreshes (an event source
        asks for them; the first runs at once).
        """
        super().__init__(
            hass,
            logger,
            config_entry=config_entry,
            name=name,
            update_interval=update_interval,
            always_update=False,
            request_refresh_debouncer=Debouncer(hass, logger, cooldown=refresh_cooldown, immediate=True),
        )
        self.all_categories = all_categories
        self._subscribers: dict[CategoryT, set[object]] = {}
        self._discovered = False
        self._failing: dict[CategoryT, str] = {}
        # A cycle never overlaps itself, even when a manual refresh
        # (homeassistant.update_entity) arrives during a scheduled one.
        self.cycle_lock = asyncio.Lock()

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
        return frozenset(self._subscribers)

    def mark_discovered(self) -> None:
        """The first (everything) cycle is done: collect by subscription now."""
        self._discovered = True

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
