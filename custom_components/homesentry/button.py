"""Buttons: actions a user can run from a HomeSentry device."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeSentryConfigEntry
from .coordinator import SubscribingCoordinator
from .entity import HomeSentryButtonDescription, async_add_described_entities, unique_id

# One press at a time per button is enough; the coordinators serialise work.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSentryConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the buttons of the entry's coordinators, and of objects that appear later."""
    async_add_described_entities(entry, entry.runtime_data.runtime.buttons, HomeSentryButton, async_add_entities)


class HomeSentryButton(ButtonEntity):
    """Runs its description's action on the coordinator.

    Not a coordinator entity: it shows no data, and stays pressable when the
    coordinator's last run failed; the action says itself why it cannot run.
    """

    _attr_has_entity_name = True
    entity_description: HomeSentryButtonDescription

    def __init__(
        self,
        coordinator: SubscribingCoordinator[Any, Any],
        description: HomeSentryButtonDescription,
        *,
        unique_prefix: str,
        object_key: str,
        object_name: str,
    ) -> None:
        """Initialise for one object of the coordinator."""
        self.coordinator = coordinator
        self.entity_description = description
        self.object_key = object_key
        self._attr_device_info = coordinator.device_for(object_key)
        self._attr_unique_id = unique_id(unique_prefix, description.key, object_key)

    @override
    async def async_press(self) -> None:
        """Run the action; its errors reach the user translated."""
        await self.entity_description.press_fn(self.coordinator, self.object_key)
