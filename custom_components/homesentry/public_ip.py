"""The accepted public addresses of an entry and their change history.

Shared by the Internet connection and Dynamic DNS monitors (both ask the
same whoami probe). An address is accepted when the probe's services agree
on it; a change from a known address fires ``homesentry_public_ip_changed``
(shown in the logbook) and is kept, the last ``MAX_CHANGES`` of them, in the
entry's "public_ip" Store, so the history survives a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import logging
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import EVENT_PUBLIC_IP_CHANGED
from .coordinator import entry_store
from .probes.public_ip import PublicIpReading

_LOGGER = logging.getLogger(__name__)

MAX_CHANGES: Final = 10


class AddressHistory:
    """The addresses an entry accepted, and the last changes between them."""

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str, **event_data: Any) -> None:
        """``event_data`` goes into every change event (the entry, and the hostname for DDNS)."""
        self.hass = hass
        self.name = name
        self.store = entry_store(hass, entry_id, "public_ip")
        self.event_data = {"entry_id": entry_id, **event_data}
        self.addresses: dict[int, str | None] = {4: None, 6: None}
        self.changes: list[dict[str, Any]] = []

    async def async_load(self) -> None:
        """Restore the accepted addresses and the change history."""
        stored = await self.store.async_load() or {}
        for version in (4, 6):
            self.addresses[version] = stored.get("addresses", {}).get(str(version))
        self.changes = list(stored.get("changes", []))[-MAX_CHANGES:]

    async def async_accept(self, readings: Mapping[int, PublicIpReading]) -> bool:
        """Take the agreed addresses; True if one changed from a known address."""
        changed = saved = False
        for version, reading in readings.items():
            old, new = self.addresses.get(version), reading.address
            if new is None or new == old:
                continue
            self.addresses[version] = new
            saved = True
            if old is not None:
                change = {"time": dt_util.utcnow().isoformat(), "version": version, "old": old, "new": new}
                self.changes = [*self.changes, change][-MAX_CHANGES:]
                changed = True
                _LOGGER.info("%s: public IPv%s address changed", self.name, version)
                self.hass.bus.async_fire(EVENT_PUBLIC_IP_CHANGED, {**self.event_data, **change})
        if saved:
            await self.store.async_save(
                {"addresses": {str(v): a for v, a in self.addresses.items()}, "changes": self.changes}
            )
        return changed

    def last_change(self, version: int) -> datetime | None:
        """When the address of ``version`` last changed."""
        times = [c["time"] for c in self.changes if c["version"] == version]
        return dt_util.parse_datetime(times[-1]) if times else None
