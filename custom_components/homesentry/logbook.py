"""Logbook lines for HomeSentry events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_HEALTH_CHANGED, EVENT_PUBLIC_IP_CHANGED


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe the public IP change and health change events."""

    @callback
    def describe(event: Event[Any]) -> dict[str, str]:
        data = event.data
        name = f"Public IPv{data.get('version', 4)} address"
        return {
            LOGBOOK_ENTRY_NAME: f"{data['hostname']}: {name}" if data.get("hostname") else name,
            LOGBOOK_ENTRY_MESSAGE: f"changed from {data.get('old')} to {data.get('new')}",
        }

    async_describe_event(DOMAIN, EVENT_PUBLIC_IP_CHANGED, describe)

    @callback
    def describe_health(event: Event[Any]) -> dict[str, str]:
        data = event.data
        if data["level"] == "ok":
            message = f"recovered (was {data['previous']})"
        else:
            message = f"is {data['level']}: " + "; ".join(data.get("problems", []))
        return {LOGBOOK_ENTRY_NAME: str(data["device"]), LOGBOOK_ENTRY_MESSAGE: message}

    async_describe_event(DOMAIN, EVENT_HEALTH_CHANGED, describe_health)
