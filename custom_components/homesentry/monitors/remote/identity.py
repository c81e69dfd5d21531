"""Who a Remote server is: its unique id, from its primary interface's hardware MAC, and the ids it had before.

A hostname is only a name: two Raspberry Pis are both ``raspberrypi``, and
Proxmox, TrueNAS and Unraid hosts keep their installers' names. The MAC of the
machine's primary interface (``hardware_macs``) is what tells one from another;
a machine that exports no MAC is known by its hostname, as every entry was
before (``remote_<hostname>``), and such an entry takes its MAC id at its
next setup, with its entities and devices (``async_migrate``).
"""

from __future__ import annotations

from collections.abc import Iterable
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from ...const import DOMAIN, MonitorKind
from ...probes.node_exporter import MachineInfo

_LOGGER = logging.getLogger(__name__)


def by_name(hostname: str | None) -> str:
    """The unique id of a machine known by its hostname alone (every entry made before MAC ids)."""
    return f"{MonitorKind.REMOTE}_{hostname}"


def by_mac(mac: str) -> str:
    """The unique id of a machine whose primary interface has ``mac``."""
    return f"{MonitorKind.REMOTE}_{mac}"


def unique_id(info: MachineInfo) -> str:
    """The unique id of the machine that answered: its primary MAC's, else its hostname's."""
    return by_mac(info.macs[0]) if info.macs else by_name(info.hostname)


def known_as(hostname: str | None, macs: Iterable[str]) -> set[str]:
    """Every unique id an entry of this machine may have (any of its MACs', its hostname's)."""
    return {by_name(hostname), *(by_mac(mac) for mac in macs)}


def _moved(identifier: str, old: str, new: str) -> str:
    """An id of the entry's (``old``, ``old_<object>``, ``old_..._health_old...``) under its new unique id."""
    if identifier != old and not identifier.startswith(f"{old}_"):
        return identifier
    return new + identifier.removeprefix(old).replace(f"_health_{old}", f"_health_{new}")


async def async_migrate(hass: HomeAssistant, entry: ConfigEntry, info: MachineInfo) -> None:
    """An entry known by its hostname takes its machine's MAC id, with its entities' and devices' ids.

    Nothing moves when the machine exports no MAC, when the entry already has
    a MAC id, or when another entry already has this machine's.
    """
    old, new = str(entry.unique_id), unique_id(info)
    if old != by_name(info.hostname) or new == old:
        return
    if any(other.unique_id == new for other in hass.config_entries.async_entries(DOMAIN)):
        return

    def entity_id_moved(entity: er.RegistryEntry) -> dict[str, str] | None:
        moved = _moved(entity.unique_id, old, new)
        return {"new_unique_id": moved} if moved != entity.unique_id else None

    await er.async_migrate_entries(hass, entry.entry_id, entity_id_moved)
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        identifiers = {(domain, _moved(i, old, new) if domain == DOMAIN else i) for domain, i in device.identifiers}
        if identifiers != device.identifiers:
            devices.async_update_device(device.id, new_identifiers=identifiers)
    hass.config_entries.async_update_entry(entry, unique_id=new)
    _LOGGER.info("%s is now known by its MAC address (%s), not its hostname", entry.title, new)
