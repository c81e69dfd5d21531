"""Sensors of every HomeSentry concern."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from . import HomeSentryConfigEntry
from .entity import HomeSentryEntity, HomeSentrySensorEntityDescription
from .host import HOST_SENSORS

# Coordinators do the polling; entities only read their data.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSentryConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create a sensor for every object each description finds."""
    entities: list[HomeSentrySensor] = []
    if (host := entry.runtime_data.host) is not None:
        entities.extend(
            HomeSentrySensor(host, description, unique_prefix=str(entry.unique_id), object_key=key, object_name=name)
            for description in HOST_SENSORS
            for key, name in description.objects(host.data).items()
        )
    async_add_entities(entities)


class HomeSentrySensor(HomeSentryEntity[Any, Any], SensorEntity):
    """A sensor whose description reads its value."""

    entity_description: HomeSentrySensorEntityDescription[Any, Any]

    @property
    def native_value(self) -> StateType | datetime:
        """The object's current value."""
        value: StateType | datetime = self.entity_description.value_fn(self.coordinator.data, self.object_key)
        return value

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Details the description adds, if any."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data, self.object_key)
