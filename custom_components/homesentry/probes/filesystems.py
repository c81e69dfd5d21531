"""Mounted filesystems: which ones a user cares about, and their usage, each with its own timeout.

A network mount that stops answering (NFS, CIFS) blocks ``statvfs`` in the
kernel, sometimes for minutes. Each mount is asked on a thread of its own and
given ``timeout`` seconds; one that does not answer is reported stale and is
not asked again until its pending call returns, so a dead mount costs one
thread, never the other mounts' readings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait
from dataclasses import dataclass
import os
from pathlib import Path
import threading
from typing import Final

from .sysfs import slug

# Kernel and virtual filesystems: nothing a user stores files on.
PSEUDO_TYPES: Final = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
        "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore", "ramfs",
        "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs", "nfsd",
        "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse",
    }
)  # fmt: skip
# Where container engines, snaps and the kernel mount things of their own.
SKIPPED_PREFIXES: Final = (
    "/proc", "/sys", "/dev", "/run/user", "/run/docker", "/run/containerd", "/run/netns", "/snap", "/var/snap",
    "/var/lib/docker", "/var/lib/containers", "/var/lib/kubelet", "/var/lib/lxcfs",
)  # fmt: skip
STATVFS_TIMEOUT: Final = 2.0


@dataclass(frozen=True, slots=True)
class Mount:
    """One line of mountinfo that names a filesystem worth watching."""

    key: str
    path: str
    fstype: str
    source: str


@dataclass(frozen=True, slots=True)
class FilesystemUsage:
    """Space on one filesystem, as ``df`` reports it (reserved blocks count as used)."""

    total: int
    used: int
    free: int

    @property
    def percent(self) -> float:
        """Used, percent of what a user can use (used + available, as df's Use%)."""
        usable = self.used + self.free
        return round(100.0 * self.used / usable, 1) if usable else 0.0


def is_user_filesystem(path: str, fstype: str) -> bool:
    """A filesystem a user stores files on: not a pseudo filesystem, nor a container's or a snap's mount."""
    return fstype not in PSEUDO_TYPES and (path == "/" or not path.startswith(SKIPPED_PREFIXES))


def mount_key(path: str) -> str:
    """A mount point's key: ``root`` for /, else its slug."""
    return "root" if path == "/" else slug(path)


def _unescape(field: str) -> str:
    """Undo mountinfo's octal escapes of space, tab, newline and backslash."""
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def list_mounts(mountinfo: Path, *, everything: bool = False) -> list[Mount]:
    """Mounted filesystems from ``/proc/self/mountinfo``.

    By default without pseudo filesystems, container and snap mounts, bind
    mounts of a directory, and second mounts of the same filesystem (the
    shortest path is kept). ``everything`` keeps them all (for the options).
    """
    mounts: list[Mount] = []
    devices: set[str] = set()
    lines = sorted(
        (line.split() for line in mountinfo.read_text().splitlines() if " - " in line),
        key=lambda fields: len(fields[4]),
    )
    for fields in lines:
        separator = fields.index("-")
        device, root, path = fields[2], _unescape(fields[3]), _unescape(fields[4])
        fstype, source = fields[separator + 1], _unescape(fields[separator + 2])
        if not everything:
            if not is_user_filesystem(path, fstype):
                continue
            if root != "/" or device in devices:
                continue  # a bind mount of a directory, or the same filesystem again
        devices.add(device)
        mounts.append(Mount(key=mount_key(path), path=path, fstype=fstype, source=source))
    return sorted(mounts, key=lambda mount: mount.path)


class FilesystemReader:
    """Reads each mount's usage on a thread of its own, with a timeout.

    The threads are daemon threads: one stuck in the kernel on a dead mount
    never holds up Home Assistant's shutdown.
    """

    def __init__(
        self, statvfs: Callable[[str], os.statvfs_result] = os.statvfs, timeout: float = STATVFS_TIMEOUT
    ) -> None:
        self._statvfs = statvfs
        self._timeout = timeout
        self._pending: dict[str, Future[os.statvfs_result]] = {}

    def _ask(self, path: str) -> Future[os.statvfs_result]:
        future: Future[os.statvfs_result] = Future()

        def run() -> None:
            try:
                future.set_result(self._statvfs(path))
            except BaseException as err:  # delivered to the reader, whatever it is
                future.set_exception(err)

        threading.Thread(target=run, name="homesentry-statvfs", daemon=True).start()
        return future

    def read(self, mounts: Iterable[Mount]) -> tuple[dict[str, FilesystemUsage], frozenset[str]]:
        """Usage by mount key, and the keys of mounts that did not answer in time."""
        futures: dict[str, Future[os.statvfs_result]] = {}
        stale: set[str] = set()
        for mount in mounts:
            pending = self._pending.get(mount.key)
            if pending is not None and not pending.done():
                stale.add(mount.key)  # still stuck since an earlier cycle: do not pile up threads
                continue
            futures[mount.key] = self._pending[mount.key] = self._ask(mount.path)
        wait(futures.values(), timeout=self._timeout)
        usage: dict[str, FilesystemUsage] = {}
        for key, future in futures.items():
            if not future.done():
                stale.add(key)
                continue
            del self._pending[key]
            try:
                result = future.result()
            except OSError:
                stale.add(key)  # ESTALE, EIO, ENOTCONN: a broken mount
                continue
            usage[key] = FilesystemUsage(
                total=result.f_blocks * result.f_frsize,
                used=(result.f_blocks - result.f_bfree) * result.f_frsize,
                free=result.f_bavail * result.f_frsize,
            )
        return usage, frozenset(stale)
