"""Sensors of every HomeSentry concern."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from . import HomeSentryConfigEntry
from .entity import HomeSentryEntity, HomeSentrySensorEntityDescription, async_add_described_entities

# Coordinators do the polling; entities only read their data.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSentryConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create a sensor for every object each description finds."""
    async_add_described_entities(entry, entry.runtime_data.runtime.sensors, HomeSentrySensor, async_add_entities)
    entry.runtime_data.health.async_start(async_add_entities)  # one Health sensor per device, as devices appear


class HomeSentrySensor(HomeSentryEntity[Any, Any], SensorEntity):
    """A sensor whose description reads its value."""

    entity_description: HomeSentrySensorEntityDescription[Any, Any]

    @property
    def native_value(self) -> StateType | datetime:
        """The object's current value."""
        value: StateType | datetime = self.entity_description.value_fn(self.coordinator.data, self.object_key)
        return value
