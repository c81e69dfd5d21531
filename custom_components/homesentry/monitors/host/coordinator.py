"""The host coordinator of This server: one executor job per cycle reads what the enabled entities show."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed

from ... import world
from ...const import DOMAIN
from ...coordinator import SubscribingCoordinator
from ...probes.host import ALL_CATEGORIES, Category, HostProbe, HostSnapshot
from .options import HostOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)


class HostCoordinator(SubscribingCoordinator[HostSnapshot, Category]):
    """Polls the host in one executor job per cycle."""

    all_categories = ALL_CATEGORIES

    def __init__(
        self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, probe: HostProbe, device_info: DeviceInfo
    ) -> None:
        """Initialise from the entry's options."""
        options = HostOptions.of(config_entry.options)
        super().__init__(hass, config_entry, f"host {config_entry.title}", options.scan_interval, device_info)
        self.probe = probe

    async def _async_cycle(self, wanted: frozenset[Category]) -> HostSnapshot:
        try:
            return await self.hass.async_add_executor_job(self.probe.collect, wanted)
        except Exception as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="host_update_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    def failures_in(self, data: HostSnapshot) -> tuple[Mapping[Category, str], frozenset[Category]]:
        """The categories the probe could not read, and those it read."""
        return data.failures, data.collected


def host_probe_for(options: HostOptions) -> HostProbe:
    """The probe a host entry with these options uses."""
    return HostProbe(
        sysfs_root=world.SYSFS_ROOT,
        procfs_root=world.PROCFS_ROOT,
        interfaces=list(options.interfaces),
        mounts=None if options.mounts is None else list(options.mounts),
    )
