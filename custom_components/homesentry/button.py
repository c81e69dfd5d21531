"""Buttons: actions a user can run from a HomeSentry device."""

from __future__ import annotations

from typing import Any

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HomeSentryConfigEntry
from .coordinator import SubscribingCoordinator
from .entity import HomeSentryButtonDescription

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
    ) -> None:
        """Initialise for one coordinator."""
        self.coordinator = coordinator
        self.entity_description = description
        self._attr_device_info = coordinator.device_info
        self._attr_unique_id = f"{unique_prefix}_{description.key}"

    async def async_press(self) -> None:
        """Run the action; its errors reach the user translated."""
        await self.entity_description.press_fn(self.coordinator)
