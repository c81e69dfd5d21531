"""btrfs filesystems from ``/sys/fs/btrfs``, ``/proc/mounts`` and, for scrubs, ``btrfs scrub status``.

Each ``/sys/fs/btrfs/<uuid>/`` is a mounted filesystem: its ``label``, its
devices (``devices/<name>``, and ``devinfo/<id>/`` with ``missing`` and the
``error_stats`` counters the kernel keeps per device since 5.14) and its
chunk allocation (``allocation/{data,metadata,system}/``). ``/proc/mounts``
says where it is mounted and whether ``-o degraded``. The last scrub is what
``btrfs scrub status -R`` says (btrfs-progs, where installed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
import re
import subprocess
import time
from typing import Final

ERROR_COUNTERS: Final = ("write_errs", "read_errs", "flush_errs", "corruption_errs", "generation_errs")
SCRUB_TIMEOUT: Final = 10.0
_SCRUB_ERRORS: Final = ("read_errors", "csum_errors", "verify_errors", "super_errors", "uncorrectable_errors")


@dataclass(frozen=True, slots=True)
class BtrfsDevice:
    """One device of a filesystem, by its btrfs device id."""

    devid: str
    missing: bool
    errors: Mapping[str, int]  # write_errs, read_errs, ... (empty where the kernel keeps none in sysfs)

    @property
    def error_count(self) -> int:
        """All its error counters together."""
        return sum(self.errors.values())


@dataclass(frozen=True, slots=True)
class BtrfsScrub:
    """A filesystem's last or running scrub."""

    status: str  # "running", "finished", "aborted", "interrupted"
    start: float | None  # Unix time
    duration: float | None  # seconds
    errors: int
    corrected: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """One kind of chunk: the bytes allocated to it and the bytes used in them."""

    total: int
    used: int

    @property
    def used_percent(self) -> float | None:
        """Used over allocated, in %."""
        return round(100 * self.used / self.total, 1) if self.total else None


@dataclass(frozen=True, slots=True)
class BtrfsFilesystem:
    """One mounted btrfs filesystem."""

    uuid: str
    label: str
    device_names: tuple[str, ...]  # the block devices it is on, as sysfs names them
    devices: tuple[BtrfsDevice, ...]
    allocation: Mapping[str, Allocation]  # data, metadata, system
    size: int | None  # its devices' sizes together, in bytes
    degraded: bool  # mounted -o degraded
    mountpoint: str | None
    scrub: BtrfsScrub | None = None
    scrub_known: bool = False  # ``btrfs scrub status`` was read: ``scrub`` None means none was ever run

    @property
    def name(self) -> str:
        """Its label, or the start of its UUID."""
        return self.label or self.uuid[:8]

    @property
    def missing(self) -> list[str]:
        """The device ids the kernel says are missing."""
        return [d.devid for d in self.devices if d.missing]

    @property
    def errors(self) -> int:
        """Every device's error counters together."""
        return sum(d.error_count for d in self.devices)

    @property
    def unallocated(self) -> int | None:
        """Bytes no chunk has taken yet (over all devices, raw)."""
        if self.size is None:
            return None
        return max(0, self.size - sum(self.raw.values()))

    raw: Mapping[str, int] = field(default_factory=dict)  # disk bytes each kind of chunk takes (with its copies)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _int(path: Path) -> int | None:
    text = _read(path)
    return int(text) if text is not None and text.lstrip("-").isdigit() else None


def _mounts(procfs: Path) -> dict[str, tuple[str, list[str]]]:
    """Every btrfs mount's source device name (``sda``): its mount point and options (the first mount of each)."""
    mounts: dict[str, tuple[str, list[str]]] = {}
    for line in (_read(procfs / "mounts") or "").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "btrfs":
            name = parts[0].rsplit("/", 1)[-1]
            mounts.setdefault(name, (parts[1].replace("\\040", " "), parts[3].split(",")))
    return mounts


def read_filesystems(sysfs: Path, procfs: Path) -> dict[str, BtrfsFilesystem]:
    """Every mounted btrfs filesystem, by UUID (none: no btrfs here)."""
    base = sysfs / "fs" / "btrfs"
    try:
        entries = sorted(p for p in base.iterdir() if (p / "devinfo").is_dir())
    except OSError:
        return {}
    mounts = _mounts(procfs)
    filesystems: dict[str, BtrfsFilesystem] = {}
    for directory in entries:
        names = (
            tuple(sorted(p.name for p in (directory / "devices").iterdir())) if (directory / "devices").is_dir() else ()
        )
        devices = []
        for info in sorted((directory / "devinfo").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0):
            errors: dict[str, int] = {}
            for line in (_read(info / "error_stats") or "").splitlines():
                key, _, value = line.partition(" ")
                if key in ERROR_COUNTERS and value.strip().isdigit():
                    errors[key] = int(value)
            devices.append(BtrfsDevice(info.name, _int(info / "missing") == 1, errors))
        allocation: dict[str, Allocation] = {}
        raw: dict[str, int] = {}
        for kind in ("data", "metadata", "system"):
            total, used = (
                _int(directory / "allocation" / kind / "total_bytes"),
                _int(directory / "allocation" / kind / "bytes_used"),
            )
            if total is not None and used is not None:
                allocation[kind] = Allocation(total, used)
            if (disk := _int(directory / "allocation" / kind / "disk_total")) is not None:
                raw[kind] = disk
        sizes = [_int(directory / "devices" / name / "size") for name in names]
        size = sum(s for s in sizes if s is not None) * 512 if sizes and None not in sizes else None
        mount = next((mounts[name] for name in names if name in mounts), None)
        filesystems[directory.name] = BtrfsFilesystem(
            uuid=directory.name,
            label=_read(directory / "label") or "",
            device_names=names,
            devices=tuple(devices),
            allocation=allocation,
            size=size,
            degraded=mount is not None and "degraded" in mount[1],
            mountpoint=mount[0] if mount is not None else None,
            raw=raw,
        )
    return filesystems


_DURATION = re.compile(r"^(?:(?P<days>\d+) days )?(?P<h>\d+):(?P<m>\d+):(?P<s>\d+)$")


def parse_scrub_status(text: str) -> BtrfsScrub | None:
    """``btrfs scrub status -R``: the last scrub (None: "no stats available", never scrubbed)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    status = fields.get("status")
    if status is None:
        return None
    start = None
    if started := fields.get("scrub started", "").split(" and was")[0].strip():
        try:
            start = time.mktime(time.strptime(" ".join(started.split()), "%a %b %d %H:%M:%S %Y"))
        except ValueError:
            start = None
    duration = None
    if (match := _DURATION.match(fields.get("duration", ""))) is not None:
        duration = float(int(match["days"] or 0) * 86400 + int(match["h"]) * 3600 + int(match["m"]) * 60
                         + int(match["s"]))  # fmt: skip
    errors = sum(int(fields[k]) for k in _SCRUB_ERRORS if fields.get(k, "").isdigit())
    corrected = int(fields["corrected_errors"]) if fields.get("corrected_errors", "").isdigit() else 0
    return BtrfsScrub(status, start, duration, errors, corrected)


def read_scrub(btrfs: str, mountpoint: str, timeout: float = SCRUB_TIMEOUT) -> BtrfsScrub | None:
    """The last scrub of the filesystem mounted at ``mountpoint``; raises OSError where btrfs cannot say."""
    try:
        done = subprocess.run(
            [btrfs, "scrub", "status", "-R", mountpoint], capture_output=True, text=True, timeout=timeout,
            check=False, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
        )  # fmt: skip
    except subprocess.TimeoutExpired as err:
        raise OSError(f"btrfs scrub status {mountpoint}: no answer within {timeout:g} s") from err
    if done.returncode != 0:
        raise OSError(f"btrfs scrub status {mountpoint}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return parse_scrub_status(done.stdout)


# --- a Remote server's: node_exporter's btrfs collector, and Debian's btrfs_stats.py textfile collector

type Samples = Mapping[str, Mapping[tuple[tuple[str, str], ...], float]]
_STATS_COUNTERS: Final = {
    "write_io_errs": "write_errs",
    "read_io_errs": "read_errs",
    "flush_io_errs": "flush_errs",
    "corruption_errs": "corruption_errs",
    "generation_errs": "generation_errs",
}


def filesystems_from_samples(samples: Samples) -> dict[str, BtrfsFilesystem]:
    """The filesystems of a scrape: node_exporter's btrfs collector, with btrfs_stats.py's errors where it runs.

    node_exporter gives each filesystem's label, devices and allocation;
    ``btrfs_stats.py`` (``node_btrfs_errors_total``, by mount point and device,
    ``devid:N`` for a missing one) the error counters. A mounted filesystem
    with a missing device was mounted ``-o degraded`` (btrfs mounts it no
    other way). Its scrubs are exported by neither.
    """
    info = {dict(labels)["uuid"]: dict(labels).get("label", "") for labels in samples.get("node_btrfs_info", {})}
    devices: dict[str, list[tuple[str, float]]] = {}
    for labels, value in samples.get("node_btrfs_device_size_bytes", {}).items():
        tags = dict(labels)
        devices.setdefault(tags["uuid"], []).append((tags["device"], value))
    allocation: dict[str, dict[str, list[float]]] = {}
    ratios = {(dict(k)["uuid"], dict(k)["block_group_type"], dict(k)["mode"]): v
              for k, v in samples.get("node_btrfs_allocation_ratio", {}).items()}  # fmt: skip
    for metric, index in (("node_btrfs_size_bytes", 0), ("node_btrfs_used_bytes", 1)):
        for labels, value in samples.get(metric, {}).items():
            tags = dict(labels)
            kinds = allocation.setdefault(tags["uuid"], {})
            totals = kinds.setdefault(tags["block_group_type"], [0.0, 0.0, 0.0])
            totals[index] += value
            if index == 0:
                totals[2] += value * ratios.get((tags["uuid"], tags["block_group_type"], tags["mode"]), 1)
    errors: dict[str, dict[str, dict[str, int]]] = {}  # mount point: device: counters
    for labels, value in samples.get("node_btrfs_errors_total", {}).items():
        tags = dict(labels)
        name = _STATS_COUNTERS.get(tags.get("type", ""))
        if name is not None:
            errors.setdefault(tags["mountpoint"], {}).setdefault(tags["device"], {})[name] = int(value)
    filesystems: dict[str, BtrfsFilesystem] = {}
    for uuid in sorted(info):
        names = tuple(sorted(device for device, _ in devices.get(uuid, [])))
        counters = next((by_device for by_device in errors.values()
                         if {d.rsplit("/", 1)[-1] for d in by_device if not d.startswith("devid:")} == set(names)),
                        {})  # fmt: skip
        members = tuple(
            BtrfsDevice(device.removeprefix("devid:") if device.startswith("devid:") else device,
                        device.startswith("devid:"), counts)
            for device, counts in sorted(counters.items())
        )  # fmt: skip
        kinds = allocation.get(uuid, {})
        filesystems[uuid] = BtrfsFilesystem(
            uuid=uuid,
            label=info[uuid],
            device_names=names,
            devices=members,
            allocation={kind: Allocation(int(t[0]), int(t[1])) for kind, t in kinds.items()},
            size=int(sum(size for _, size in devices.get(uuid, []))) if uuid in devices else None,
            degraded=any(m.missing for m in members),
            mountpoint=next((mount for mount, by_device in errors.items() if by_device is counters), None),
            raw={kind: int(t[2]) for kind, t in kinds.items()},
        )
    return filesystems
