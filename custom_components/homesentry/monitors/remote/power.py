"""A Remote server's power: This server's power coordinator, fed by the node_exporter's scrapes.

The same model, measurement (RAPL's platform counter, or a power entity the
user names), calibration, energy and cost as This server. Its samples come
from the Remote server's coordinator (the CPU share and the RAPL counters of
its last scrape); node_exporter exports no per-process CPU, so nothing is
attributed to processes, and the machine class is the one chosen in the
options (a desktop unless chosen: it cannot be detected from here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo

from ...const import MACHINE_AUTO
from ...probes.power import PowerSample
from ...probes.power_model import MachineClass
from ..host.power import PowerCategory, PowerCoordinator
from .coordinator import RemoteCoordinator

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry


class RemotePowerCoordinator(PowerCoordinator):
    """The machine's power, at the Remote server's interval, from its scrapes."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: HomeSentryConfigEntry,
        remote: RemoteCoordinator,
        device_info: DeviceInfo,
    ) -> None:
        """On the remote machine's device."""
        super().__init__(hass, config_entry, device_info)
        self.remote = remote
        self.follows = remote  # its outages are the machine's: logged once, by the Remote server's coordinator

    async def async_setup(self) -> None:
        """The chosen machine class (a desktop unless chosen), and the restored totals."""
        chosen = self.options.machine_class
        await self.async_restore(MachineClass.DESKTOP if chosen == MACHINE_AUTO else MachineClass(chosen))

    async def async_sample(self, wanted: frozenset[PowerCategory]) -> PowerSample:
        """The Remote server's last scrape, as a power sample; none while the machine does not answer.

        (Its last sample would otherwise go on adding energy the machine was not seen to use.)
        """
        if not self.remote.last_update_success:
            self.energy.gap()  # as the UPS does: no energy across the time the machine was not seen
            raise self.remote.unavailable()
        return self.remote.probe.power
