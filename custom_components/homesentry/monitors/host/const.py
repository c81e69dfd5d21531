"""The option and entry-data keys of This server, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_MACHINE_ID: Final = "machine_id"
CONF_INTERFACES: Final = "interfaces"
CONF_MOUNTS: Final = "mounts"
CONF_MACHINE_CLASS: Final = "machine_class"
CONF_IDLE_WATTS: Final = "idle_watts"
CONF_MAX_WATTS: Final = "max_watts"
CONF_HDD_IDLE_WATTS: Final = "hdd_idle_watts"
CONF_HDD_ACTIVE_WATTS: Final = "hdd_active_watts"
CONF_POWER_ENTITY: Final = "power_entity"
CONF_PRICE: Final = "price"
CONF_PRICE_ENTITY: Final = "price_entity"
MIN_SCAN_INTERVAL: Final = 5
MAX_SCAN_INTERVAL: Final = 3600
