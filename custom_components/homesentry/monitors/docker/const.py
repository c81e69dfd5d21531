"""The option and entry-data keys of a Docker engine, and its own constants."""

from __future__ import annotations

from typing import Final

CONF_CONTROL: Final = "control"
CONF_STATS_INTERVAL: Final = "stats_interval"
CONF_REMOVE_AFTER_HOURS: Final = "remove_after_hours"
CONF_IMAGE_UPDATES: Final = "image_updates"
CONF_UPDATE_HOURS: Final = "update_hours"
CONF_REGISTRY: Final = "registry"
CONF_REGISTRY_USERNAME: Final = "registry_username"
CONF_REGISTRY_PASSWORD: Final = "registry_password"
