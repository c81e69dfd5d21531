"""The option and entry-data keys of a Remote server, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_SMART_ADDRESS: Final = "smart_address"  # the machine's smartctl_exporter, beside its node_exporter
