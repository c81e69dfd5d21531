"""The option and entry-data keys of a dynamic DNS hostname, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_PROVIDER: Final = "provider"
CONF_HOSTNAME: Final = "hostname"
CONF_ZONE: Final = "zone"
CONF_SERVER_URL: Final = "server_url"
CONF_UPDATE_URL: Final = "update_url"
CONF_MODE: Final = "mode"
CONF_REACHABILITY: Final = "reachability"
MODE_UPDATE: Final = "update"
MODE_VERIFY: Final = "verify"
