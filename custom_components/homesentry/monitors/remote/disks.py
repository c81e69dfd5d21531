"""A Remote server's md arrays and disks: the Disks monitor's RAID and SMART entities, from its scrapes.

Arrays come from node_exporter's mdadm collector; disks from the smartmon
textfile collector (Debian's ``smartmon.sh`` timer, or ``smartmon.py``) or
from the machine's smartctl_exporter where the entry names one, judged by
the same failure prediction as local disks with the machine's own Health
limits. Each array and disk is a device of its own under the machine's.
What the exporters do not export is said in ``probes.node_exporter``
(``md_arrays``, ``smartmon_disks``) and ``probes.smartctl_exporter``;
entities of what is not exported are not made (the array's mismatch count,
the SMART status of the machine's smartctl, the self-test button).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property

from homeassistant.helpers.device_registry import DeviceInfo

from ...const import DOMAIN
from ...health import thresholds
from ...probes.mdraid import MdArray
from ...probes.node_exporter import Samples, md_arrays, textfile_disks
from ...probes.smart import ScanEntry
from ...probes.smart_health import predict
from ...probes.smartctl_exporter import exported_disks
from ..disks.coordinator import (
    FAILURE_RATE,
    DiskCategory,
    DiskState,
    SmartSnapshot,
    SmartStatus,
    array_device,
    disk_device,
    under_hub,
)
from ..disks.entities import RAID_SENSORS, SMART_SENSORS
from .coordinator import FedCoordinator, FedUnavailable

# The Disks monitor's array sensors but the mismatch count, which node_exporter does not export.
REMOTE_RAID_SENSORS = tuple(description for description in RAID_SENSORS if description.key != "mismatch_count")
# Each disk's sensors (not the entry's smartctl status and disk count: the machine's smartctl is not seen).
REMOTE_SMART_SENSORS = tuple(description for description in SMART_SENSORS if description.objects_fn is not None)


class RemoteRaidCoordinator(FedCoordinator[Mapping[str, MdArray], DiskCategory]):
    """The machine's md arrays, from each scrape."""

    all_categories = frozenset({DiskCategory.RAID})

    def read(self, samples: Samples) -> Mapping[str, MdArray]:
        """The arrays of one scrape."""
        return md_arrays(samples)

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """An array's own device, under the machine's, named after the machine ("nas RAID md0")."""
        array = self.data.get(object_key) if self.data is not None else None
        info = array_device(array, object_key, prefix=f"{self.config_entry.title} ")
        return under_hub(self.config_entry, self.hub_device_id, object_key, info)


class RemoteSmartCoordinator(FedCoordinator[SmartSnapshot, DiskCategory]):
    """The machine's disks as its smartmon collector last read them, judged here."""

    all_categories = frozenset({DiskCategory.SMART})

    @cached_property
    def failure_rate_limits(self) -> tuple[float, float]:
        """The SMART prediction's limits: the machine's Health options (read once, as the local coordinator does)."""
        limit = thresholds(self.config_entry.options, {"failure_rate": FAILURE_RATE})["failure_rate"]
        return limit.warning, limit.critical

    def read(self, samples: Samples) -> SmartSnapshot:
        """The disks of one scrape; a disk that slept when the collector ran keeps its last reading."""
        if (error := self.remote.smart_error) is not None:
            raise FedUnavailable(
                translation_domain=DOMAIN,
                translation_key="smart_exporter_unavailable",
                translation_placeholders={"error": str(error)},
            )
        last = {state.entry.path: state for state in self.latest.disks.values()} if self.latest else {}
        disks: dict[str, DiskState] = {}
        # smartctl_exporter's reading of a disk before the textfile collectors' (it exports more).
        for path, disk in (textfile_disks(samples) | exported_disks(samples)).items():
            reading = disk.reading
            if reading is None:
                if (before := last.get(path)) is not None:
                    disks[before.reading.key] = DiskState(
                        before.entry, before.reading, before.prediction, before.read_at, asleep=True
                    )
                continue
            prediction = predict(reading, *self.failure_rate_limits)
            read_at = disk.read_at or datetime.now(UTC)  # when the collector ran smartctl; else this scrape
            disks[reading.key] = DiskState(ScanEntry(path, reading.device_type), reading, prediction, read_at)
        return SmartSnapshot(SmartStatus.OK if disks else SmartStatus.NO_DISKS, None, disks)

    def device_for(self, object_key: str) -> DeviceInfo | None:
        """A disk's own device, under the machine's, named after it ("nas /dev/nvme0", "nas WDC WD40EFRX (1234)")."""
        state = self.data.disks.get(object_key) if self.data is not None else None
        info = disk_device(state.reading if state is not None else None, object_key)
        info["name"] = f"{self.config_entry.title} {info.get('name')}"
        return under_hub(self.config_entry, self.hub_device_id, object_key, info)
