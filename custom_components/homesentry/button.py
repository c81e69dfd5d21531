"""Buttons: actions a user can run from a HomeSentry device."""

from __future__ import annotations

from typing import Any

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from . import HomeSentryConfigEntry
from .coordinator import SubscribingCoordinator
from .internet import HomeSentryButtonDescription

# One press at a time per button is enough; the coordinators serialise work.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSentryConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the buttons of the entry's coordinators."""
    async_add_entities(
        HomeSentryButton(coordinator, description, unique_prefix=str(entry.unique_id))
        for coordinator, descriptions in entry.runtime_data.buttons()
        for description in descriptions
    )


class HomeSentryButton(CoordinatorEntity[SubscribingCoordinator[Any, Any]], ButtonEntity):
    """Runs its description's action on the coordinator."""

    _attr_has_entity_name = True
    entity_description: HomeSentryButtonDescription

    def __init__(
        self,
        coordinator: SubscribingCoordinator[Any, Any],
        description: HomeSentryButtonDescription,
        *,
        unique_prefix: str,
    ) -> None:
        """Initialise for one coordinator."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_device_info = coordinator.device_info
        self._attr_unique_id = f"{unique_prefix}_{description.key}"

    @property
    def available(self) -> bool:
        """Always pressable: the action says itself why it cannot run."""
        return True

    async def async_press(self) -> None:
        """Run the action; its errors reach the user translated."""
        await self.entity_description.press_fn(self.coordinator)
