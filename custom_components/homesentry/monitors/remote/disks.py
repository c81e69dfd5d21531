"""A Remote server's md arrays, from node_exporter's mdadm collector: the Disks monitor's RAID entities.

Each array is a device of its own under the machine's device, named after
the machine ("nas RAID md0"), with the same entities and health rules as a
local array; what node_exporter does not export (level, member names,
mismatches, reshapes) is said in ``probes.node_exporter.md_arrays``.
"""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.helpers.device_registry import DeviceInfo

from ...probes.mdraid import MdArray
from ...probes.node_exporter import Samples, md_arrays
from ..disks.coordinator import DiskCategory, array_device, under_hub
from ..disks.entities import RAID_SENSORS
from .coordinator import FedCoordinator

# The Disks monitor's array sensors but the mismatch count, which node_exporter does not export.
REMOTE_RAID_SENSORS = tuple(description for description in RAID_SENSORS if description.key != "mismatch_count")


class RemoteRaidCoordinator(FedCoordinator[Mapping[str, MdArray], DiskCategory]):
    """The machine's md arrays, from each scrape."""

    all_categories = frozenset({DiskCategory.RAID})

    def read(self, samples: Samples) -> Mapping[str, MdArray]:
        """The arrays of one scrape."""
        return md_arrays(samples)

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """An array's own device, under the machine's."""
        array = self.data.get(object_key) if self.data is not None else None
        info = array_device(array, object_key, prefix=f"{self.config_entry.title} ")
        return under_hub(self.config_entry, self.hub_device_id, object_key, info)
