"""A Remote server's ZFS pools and btrfs filesystems: the Disks monitor's pool entities, from its scrapes.

ZFS comes from HomeSentry's own textfile collector (``probes/zfs.py`` run as
a script on the machine: the same reader as This server's, written as
``homesentry_zpool_*``), or, without it, node_exporter's ``node_zfs_zpool_state``
(newer node_exporters; the state alone). btrfs comes from node_exporter's
btrfs collector (label, devices, allocation) and Debian's ``btrfs_stats.py``
(error counters, missing devices). What neither exports (a btrfs scrub) has
no entity. Each pool is a device under the machine's.
"""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo

from ...probes.btrfs import filesystems_from_samples
from ...probes.node_exporter import Samples
from ...probes.zfs import pools_from_samples
from ..disks.coordinator import under_hub
from ..disks.pools import PoolCategory, PoolSnapshot, pool_device
from .coordinator import FedCoordinator


class RemotePoolCoordinator(FedCoordinator[PoolSnapshot, PoolCategory]):
    """The machine's pools, from each scrape."""

    all_categories = frozenset(PoolCategory)

    def read(self, samples: Samples) -> PoolSnapshot:
        """The pools of one scrape."""
        return PoolSnapshot(pools_from_samples(samples), filesystems_from_samples(samples))

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """A pool's own device, under the machine's, named after it ("nas ZFS tank")."""
        info = pool_device(self.data, object_key, prefix=f"{self.config_entry.title} ")
        return under_hub(self.config_entry, self.hub_device_id, object_key, info)
