"""Update entities: a newer version of something a HomeSentry device runs (a container's image)."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.update import UpdateEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeSentryConfigEntry
from .entity import HomeSentryEntity, HomeSentryUpdateEntityDescription, Versions, async_add_described_entities

# Coordinator-based: the coordinators read, the entities only show.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSentryConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the update entities of the entry's coordinators, and of objects that appear later."""
    async_add_described_entities(entry, entry.runtime_data.runtime.updates, HomeSentryUpdate, async_add_entities)


class HomeSentryUpdate(HomeSentryEntity[Any, Any], UpdateEntity):
    """Says whether a newer version exists; installs nothing (no install feature: the user's tools do)."""

    entity_description: HomeSentryUpdateEntityDescription[Any, Any]

    def _versions(self) -> Versions:
        shown = self.shown_value
        return shown if isinstance(shown, Versions) else Versions(None, None)

    @property
    @override
    def installed_version(self) -> str | None:
        """The version running."""
        return self._versions().installed

    @property
    @override
    def latest_version(self) -> str | None:
        """The newest version known (the installed one when it is the newest)."""
        return self._versions().latest

    @property
    @override
    def release_url(self) -> str | None:
        """Where the image's source or notes are."""
        return self._versions().release_url
