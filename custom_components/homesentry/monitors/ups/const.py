"""The option and entry-data keys of a UPS (NUT), and its own constants."""

from __future__ import annotations

from typing import Final

CONF_UPS: Final = "ups"
CONF_ZEROCONF_NAME: Final = "zeroconf_name"  # the NUT server's mDNS service name: follows it to a new address
DEFAULT_NUT_PORT: Final = 3493
