"""The pools' entities: each ZFS pool's and btrfs filesystem's state, capacity, errors and scrubs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation

from ...entity import Attributes, HomeSentryBinarySensorEntityDescription, HomeSentrySensorEntityDescription
from ...health import CRITICAL_ON, PROBLEM_ON, Threshold
from ...probes.btrfs import BtrfsFilesystem
from ...probes.zfs import PoolState, ZfsPool
from .pools import BTRFS_PREFIX, ZFS_PREFIX, PoolCategory, PoolSnapshot

POOL_USED: Final = Threshold(above=True, warning=80, critical=90, unit="%")  # ZFS slows down past 80 %
POOL_STATES: Final = [s.value.lower() for s in PoolState]
ERRORS: Final = Threshold(above=True, warning=1, critical=100, unit="")  # any error warns; many are critical
SCAN_ACTIVITIES: Final = ["idle", "scrub", "resilver"]
BTRFS_STATES: Final = ["ok", "degraded"]


@dataclass(frozen=True, kw_only=True)
class PoolSensorDescription(HomeSentrySensorEntityDescription[PoolSnapshot, PoolCategory]):
    """A sensor of one pool."""

    category: PoolCategory = PoolCategory.POOLS


@dataclass(frozen=True, kw_only=True)
class PoolBinarySensorDescription(HomeSentryBinarySensorEntityDescription[PoolSnapshot, PoolCategory]):
    """A binary sensor of one pool."""

    category: PoolCategory = PoolCategory.POOLS


def _zfs_with(test: Callable[[ZfsPool], bool]) -> Callable[[PoolSnapshot], Mapping[str, str]]:
    def objects(data: PoolSnapshot) -> Mapping[str, str]:
        return {ZFS_PREFIX + name: ZFS_PREFIX + name for name, pool in data.zfs.items() if test(pool)}

    return objects


def _btrfs_with(test: Callable[[BtrfsFilesystem], bool]) -> Callable[[PoolSnapshot], Mapping[str, str]]:
    def objects(data: PoolSnapshot) -> Mapping[str, str]:
        return {BTRFS_PREFIX + uuid: BTRFS_PREFIX + uuid for uuid, fs in data.btrfs.items() if test(fs)}

    return objects


def _zfs(fn: Callable[[ZfsPool], Any]) -> Callable[[PoolSnapshot, str], Any]:
    return lambda data, key: None if (pool := data.pool(key)) is None else fn(pool)


def _btrfs(fn: Callable[[BtrfsFilesystem], Any]) -> Callable[[PoolSnapshot, str], Any]:
    return lambda data, key: None if (fs := data.filesystem(key)) is None else fn(fs)


def _when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _zfs_scrubbed(pool: ZfsPool) -> datetime | None:
    """When the pool's last scrub ended (a running or canceled one: the one before is not known)."""
    scan = pool.scan
    return _when(scan.end) if scan is not None and scan.function == "scrub" and scan.state == "finished" else None


def _btrfs_scrubbed(fs: BtrfsFilesystem) -> datetime | None:
    scrub = fs.scrub
    if scrub is None or scrub.start is None or scrub.status != "finished":
        return None
    return _when(scrub.start + (scrub.duration or 0))


def _overdue(data: PoolSnapshot, last: datetime | None) -> bool:
    return last is None or (data.at - last).total_seconds() > data.scrub_overdue_days * 86400


def _overdue_details(data: PoolSnapshot, last: datetime | None) -> Attributes:
    """When the last scrub ended, and the limit (no ticking age: a state row only when either changes)."""
    return {"last_scrub": _iso(last), "limit_days": data.scrub_overdue_days}


def _zfs_problems(pool: ZfsPool) -> list[str]:
    problems = [] if pool.state == PoolState.ONLINE else [f"pool {pool.state.lower()}"]
    problems += [f"{name} {state.lower()}" for name, state in _failed(pool).items()]
    return problems


def _failed(pool: ZfsPool) -> dict[str, str]:
    states = {v.name: v.state for v in pool.vdevs}
    return {name: states[name] for name in pool.failed_members}


def _zfs_errors(pool: ZfsPool) -> Attributes:
    own = pool.own_errors
    below = pool.vdev_errors
    return {
        **{f"pool_{kind}": count for kind, count in own.items()},
        **{f"vdev_{kind}": count for kind, count in below.items()},
        "vdevs_with_errors": pool.error_vdevs,
    }


def _scan_details(pool: ZfsPool) -> Attributes:
    scan = pool.scan
    if scan is None:
        return {"function": None}
    return {
        "function": scan.function,
        "state": scan.state,
        "repaired_bytes": scan.repaired,
        "errors": scan.errors,
        "started": _iso(_when(scan.start)),
        "ended": _iso(_when(scan.end)),
    }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _activity(pool: ZfsPool) -> str:
    scan = pool.scan
    return scan.function if scan is not None and scan.state == "scanning" else "idle"


def _zfs_sensor(key: str, test: Callable[[ZfsPool], bool], **kwargs: Any) -> PoolSensorDescription:
    return PoolSensorDescription(key=key, translation_key=key, objects_fn=_zfs_with(test), **kwargs)


def _btrfs_sensor(key: str, test: Callable[[BtrfsFilesystem], bool], **kwargs: Any) -> PoolSensorDescription:
    return PoolSensorDescription(key=key, translation_key=key, objects_fn=_btrfs_with(test), **kwargs)


def _sized(pool: ZfsPool) -> bool:
    return pool.size is not None


def _detailed(pool: ZfsPool) -> bool:
    return pool.detailed


def _scanned(pool: ZfsPool) -> bool:
    return pool.scanned


_ANY_ZFS: Final = _zfs_with(lambda _: True)
_BYTES: Final = {
    "device_class": SensorDeviceClass.DATA_SIZE,
    "native_unit_of_measurement": UnitOfInformation.BYTES,
    "suggested_unit_of_measurement": UnitOfInformation.GIBIBYTES,
    "suggested_display_precision": 1,
    "state_class": SensorStateClass.MEASUREMENT,
}

ZFS_SENSORS: tuple[PoolSensorDescription, ...] = (
    _zfs_sensor(
        "pool_state",
        lambda _: True,
        device_class=SensorDeviceClass.ENUM,
        options=POOL_STATES,
        value_fn=_zfs(lambda p: p.state.lower() if p.state.lower() in POOL_STATES else None),
        attributes_fn=lambda data, key: {"failed_members": _failed(p)} if (p := data.pool(key)) else {},
    ),
    _zfs_sensor(
        "pool_used",
        _sized,
        category=PoolCategory.ZPOOL,
        health=POOL_USED,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_zfs(lambda p: p.used_percent),
        attributes_fn=lambda data, key: (
            {"size": p.size, "allocated": p.allocated, "free": p.free} if (p := data.pool(key)) else {}
        ),
    ),
    _zfs_sensor("pool_free", _sized, category=PoolCategory.ZPOOL, value_fn=_zfs(lambda p: p.free), **_BYTES),
    _zfs_sensor(
        "pool_allocated",
        _sized,
        category=PoolCategory.ZPOOL,
        entity_registry_enabled_default=False,
        value_fn=_zfs(lambda p: p.allocated),
        **_BYTES,
    ),
    _zfs_sensor(
        "pool_fragmentation",
        lambda p: p.fragmentation is not None,
        category=PoolCategory.ZPOOL,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_zfs(lambda p: p.fragmentation),
    ),
    _zfs_sensor(
        "pool_errors",
        _detailed,
        category=PoolCategory.ZPOOL,
        health=ERRORS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_zfs(lambda p: p.errors),
        attributes_fn=lambda data, key: _zfs_errors(p) if (p := data.pool(key)) else {},
    ),
    _zfs_sensor(
        "pool_failed_members",
        _detailed,
        category=PoolCategory.ZPOOL,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_zfs(lambda p: len(p.failed_members)),
        attributes_fn=lambda data, key: {"members": _failed(p)} if (p := data.pool(key)) else {},
    ),
    _zfs_sensor(
        "last_scrub",
        _scanned,
        category=PoolCategory.ZPOOL,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_zfs(_zfs_scrubbed),
        attributes_fn=lambda data, key: _scan_details(p) if (p := data.pool(key)) else {},
    ),
    _zfs_sensor(
        "pool_activity",
        _scanned,
        category=PoolCategory.ZPOOL,
        device_class=SensorDeviceClass.ENUM,
        options=SCAN_ACTIVITIES,
        value_fn=_zfs(_activity),
    ),
    _zfs_sensor(
        "scan_progress",
        _scanned,
        category=PoolCategory.ZPOOL,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_zfs(lambda p: p.scan.progress if p.scan is not None and p.scan.state == "scanning" else None),
    ),
)

ZFS_BINARY_SENSORS: tuple[PoolBinarySensorDescription, ...] = (
    PoolBinarySensorDescription(
        key="pool_problem",
        translation_key="pool_problem",
        health=CRITICAL_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_ANY_ZFS,
        value_fn=_zfs(lambda p: bool(_zfs_problems(p))),
        attributes_fn=lambda data, key: {"problems": _zfs_problems(p)} if (p := data.pool(key)) else {},
    ),
    PoolBinarySensorDescription(
        key="scrub_overdue",
        translation_key="scrub_overdue",
        category=PoolCategory.ZPOOL,
        health=PROBLEM_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_zfs_with(_scanned),
        value_fn=lambda data, key: None if (p := data.pool(key)) is None else _overdue(data, _zfs_scrubbed(p)),
        attributes_fn=lambda data, key: _overdue_details(data, _zfs_scrubbed(p)) if (p := data.pool(key)) else {},
    ),
)


def _btrfs_state(fs: BtrfsFilesystem) -> str:
    return "degraded" if fs.degraded or fs.missing else "ok"


def _btrfs_errors(fs: BtrfsFilesystem) -> Attributes:
    """Each counter summed over the devices, and how many devices have errors.

    By kind, not by device: the kernel names a device by its btrfs id, a
    Remote server's btrfs_stats.py by its path; the sums are the same.
    """
    kinds = sorted({kind for d in fs.devices for kind in d.errors})
    sums: dict[str, object] = {kind: sum(d.errors.get(kind, 0) for d in fs.devices) for kind in kinds}
    return {**sums, "devices_with_errors": sum(1 for d in fs.devices if d.error_count)}


def _btrfs_scrub_details(fs: BtrfsFilesystem) -> Attributes:
    scrub = fs.scrub
    if scrub is None:
        return {"status": None}
    return {"status": scrub.status, "errors": scrub.errors, "corrected": scrub.corrected,
            "started": _iso(_when(scrub.start)), "duration_seconds": scrub.duration}  # fmt: skip


def _metadata_used(fs: BtrfsFilesystem) -> float | None:
    metadata = fs.allocation.get("metadata")
    return None if metadata is None else metadata.used_percent


BTRFS_SENSORS: tuple[PoolSensorDescription, ...] = (
    _btrfs_sensor(
        "btrfs_state",
        lambda _: True,
        device_class=SensorDeviceClass.ENUM,
        options=BTRFS_STATES,
        value_fn=_btrfs(_btrfs_state),
        attributes_fn=lambda data, key: (
            {"mounted_degraded": fs.degraded, "missing_devices": fs.missing, "mountpoint": fs.mountpoint}
            if (fs := data.filesystem(key))
            else {}
        ),
    ),
    _btrfs_sensor(
        "btrfs_devices",
        lambda _: True,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_btrfs(lambda fs: len(fs.device_names)),  # those present: a missing one has no block device
        attributes_fn=lambda data, key: (
            {"devices": list(fs.device_names), "missing": fs.missing} if (fs := data.filesystem(key)) else {}
        ),
    ),
    _btrfs_sensor(
        "btrfs_errors",
        lambda fs: any(d.errors for d in fs.devices),
        health=ERRORS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_btrfs(lambda fs: fs.errors),
        attributes_fn=lambda data, key: _btrfs_errors(fs) if (fs := data.filesystem(key)) else {},
    ),
    _btrfs_sensor(
        "btrfs_data_used",
        lambda fs: "data" in fs.allocation,
        value_fn=_btrfs(lambda fs: fs.allocation["data"].used),
        attributes_fn=lambda data, key: (
            {"allocated": fs.allocation["data"].total}
            if (fs := data.filesystem(key)) and "data" in fs.allocation
            else {}
        ),
        **_BYTES,
    ),
    _btrfs_sensor(
        "btrfs_unallocated",
        lambda fs: fs.unallocated is not None,
        value_fn=_btrfs(lambda fs: fs.unallocated),
        attributes_fn=lambda data, key: {"size": fs.size} if (fs := data.filesystem(key)) else {},
        **_BYTES,
    ),
    _btrfs_sensor(
        "btrfs_metadata_used",
        lambda fs: "metadata" in fs.allocation,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_btrfs(_metadata_used),
    ),
    _btrfs_sensor(
        "btrfs_last_scrub",
        lambda fs: fs.scrub_known,
        category=PoolCategory.BTRFS_SCRUB,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_btrfs(_btrfs_scrubbed),
        attributes_fn=lambda data, key: _btrfs_scrub_details(fs) if (fs := data.filesystem(key)) else {},
    ),
)

BTRFS_BINARY_SENSORS: tuple[PoolBinarySensorDescription, ...] = (
    PoolBinarySensorDescription(
        key="btrfs_problem",
        translation_key="btrfs_problem",
        health=CRITICAL_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_btrfs_with(lambda _: True),
        value_fn=_btrfs(lambda fs: _btrfs_state(fs) != "ok"),
        attributes_fn=lambda data, key: (
            {"mounted_degraded": fs.degraded, "missing_devices": fs.missing} if (fs := data.filesystem(key)) else {}
        ),
    ),
    PoolBinarySensorDescription(
        key="btrfs_scrub_overdue",
        translation_key="btrfs_scrub_overdue",
        category=PoolCategory.BTRFS_SCRUB,
        health=PROBLEM_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        objects_fn=_btrfs_with(lambda fs: fs.scrub_known),
        value_fn=lambda data, key: (
            None if (fs := data.filesystem(key)) is None else _overdue(data, _btrfs_scrubbed(fs))
        ),
        attributes_fn=lambda data, key: (
            _overdue_details(data, _btrfs_scrubbed(fs)) if (fs := data.filesystem(key)) else {}
        ),
    ),
)

POOL_SENSORS: Final = (*ZFS_SENSORS, *BTRFS_SENSORS)
POOL_BINARY_SENSORS: Final = (*ZFS_BINARY_SENSORS, *BTRFS_BINARY_SENSORS)
