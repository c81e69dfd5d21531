"""Binary sensors of every HomeSentry monitor."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeSentryConfigEntry
from .entity import HomeSentryBinarySensorEntityDescription, HomeSentryEntity, async_add_described_entities

# Coordinators do the polling; entities only read their data.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSentryConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create a binary sensor for every object each description finds."""
    async_add_described_entities(
        entry, entry.runtime_data.runtime.binary_sensors, HomeSentryBinarySensor, async_add_entities
    )


class HomeSentryBinarySensor(HomeSentryEntity[Any, Any], BinarySensorEntity):
    """A binary sensor whose description reads its value."""

    entity_description: HomeSentryBinarySensorEntityDescription[Any, Any]

    @property
    @override
    def is_on(self) -> bool | None:
        """The object's state, as the last reading worth a state row showed it."""
        value: bool | None = self.shown_value
        return value
