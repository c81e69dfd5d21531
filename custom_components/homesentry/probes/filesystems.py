"""Mounted filesystems: which ones a user cares about, and their usage, each with its own time limit.

The mount table is parsed again only when it changed: the kernel says so
(``poll()`` on ``/proc/<pid>/mountinfo`` reports ``POLLPRI`` once after each
mount or unmount), so a cycle costs no parse while nothing is mounted.

A network mount that stops answering (NFS, CIFS) blocks ``statvfs`` in the
kernel, sometimes for minutes. The mounts are asked in turn by one
long-lived worker thread, and a cycle waits ``timeout`` seconds for it; a
mount it is stuck on is reported stale, left to that worker (which ends when
the call returns) and not asked again until then, and a new worker asks the
mounts after it. So a dead mount costs its own entities and, in the cycle it
died, one time limit, never the other mounts' readings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import os
from pathlib import Path
import queue
import select
import threading
from typing import BinaryIO, Final

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
    """Mounted filesystems from ``/proc/self/mountinfo`` (see ``parse_mounts``)."""
    return parse_mounts(mountinfo.read_text(), everything=everything)


def parse_mounts(text: str, *, everything: bool = False) -> list[Mount]:
    """Mounted filesystems from the text of a mountinfo file.

    By default without pseudo filesystems, container and snap mounts, bind
    mounts of a directory, and second mounts of the same filesystem (the
    shortest path is kept). ``everything`` keeps them all (for the options).
    """
    mounts: list[Mount] = []
    devices: set[str] = set()
    lines = sorted(
        (line.split() for line in text.splitlines() if " - " in line),
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


class MountTable:
    """The mounts of a mountinfo file, parsed again only once the mount table changed.

    For the kernel's mountinfo the file stays open and ``poll()`` says when
    (one event per change, acknowledged by that poll); a mountinfo that is a
    plain file (a test's built tree) is read again when its size or time
    changes. ``reads`` counts the parses.
    """

    def __init__(self, mountinfo: Path, *, everything: bool = False) -> None:
        self.path = mountinfo
        self.everything = everything
        self.reads = 0
        self._mounts: list[Mount] | None = None
        self._file: BinaryIO | None = None
        self._poll: select.poll | None = None
        self._stamp: tuple[int, int] | None = None

    def mounts(self) -> list[Mount]:
        """The mounts now; parsed when they may have changed."""
        if self._mounts is None or self._changed():
            self._mounts = self._read()
        return self._mounts

    def _changed(self) -> bool:
        if self._poll is not None:
            return bool(self._poll.poll(0))
        return self._stat() != self._stamp

    def _stat(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    def _read(self) -> list[Mount]:
        if self.path.resolve().is_relative_to("/proc"):
            if self._file is None:
                self._file = self.path.open("rb")  # kept open: poll() watches this open file
                self._poll = select.poll()
                self._poll.register(self._file.fileno(), select.POLLPRI | select.POLLERR)
            self._file.seek(0)
            text = self._file.read().decode()
        else:
            self._stamp = self._stat()
            text = self.path.read_text()
        self.reads += 1
        return parse_mounts(text, everything=self.everything)


@dataclass(slots=True)
class _Batch:
    """One cycle's mounts, asked in turn by a worker; ``current`` is the one it is inside."""

    paths: list[tuple[str, str]]
    results: dict[str, os.statvfs_result | OSError] = field(default_factory=dict)
    current: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


class _Worker:
    """A daemon thread that asks statvfs for each batch it is given, until it is let go (``abandoned``).

    A daemon thread: one stuck in the kernel on a dead mount never holds up
    Home Assistant's shutdown.
    """

    def __init__(self, statvfs: Callable[[str], os.statvfs_result]) -> None:
        self._statvfs = statvfs
        self.batches: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()  # None: end
        self.lock = threading.Lock()
        self.abandoned = False
        self.thread = threading.Thread(target=self._run, name="homesentry-statvfs", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (batch := self.batches.get()) is not None:
            for key, path in batch.paths:
                with self.lock:
                    if self._let_go():
                        return  # a new worker asks the rest
                    batch.current = key
                result: os.statvfs_result | OSError
                try:
                    result = self._statvfs(path)
                except OSError as err:  # ESTALE, EIO, ENOTCONN: a broken mount
                    result = err
                with self.lock:  # the reader copies the results under this lock once it let the worker go
                    if self._let_go():
                        return
                    batch.results[key] = result
            with self.lock:
                batch.current = None
                if self._let_go():
                    return
            batch.done.set()

    def _let_go(self) -> bool:
        """Whether the reader let this worker go (it sets ``abandoned`` from its own thread, under the lock)."""
        return self.abandoned


class FilesystemReader:
    """Reads each mount's usage through one long-lived worker thread, with a time limit per cycle."""

    def __init__(
        self, statvfs: Callable[[str], os.statvfs_result] = os.statvfs, timeout: float = STATVFS_TIMEOUT
    ) -> None:
        self._statvfs = statvfs
        self._timeout = timeout
        self._worker: _Worker | None = None
        self._stuck: dict[str, _Worker] = {}  # mount key: the let-go worker still inside its call

    def close(self, wait: float = 1.0) -> None:
        """End the worker (blocks up to ``wait`` s for it; one stuck on a dead mount ends when its call returns)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.batches.put(None)
            worker.thread.join(wait)

    def read(self, mounts: Iterable[Mount]) -> tuple[dict[str, FilesystemUsage], frozenset[str]]:
        """Usage by mount key, and the keys of mounts that did not answer in time (or are broken)."""
        stale: set[str] = set()
        todo: list[tuple[str, str]] = []
        for mount in mounts:
            worker = self._stuck.get(mount.key)
            if worker is not None and worker.thread.is_alive():
                stale.add(mount.key)  # still stuck since an earlier cycle: not asked again meanwhile
                continue
            self._stuck.pop(mount.key, None)
            todo.append((mount.key, mount.path))
        results: dict[str, os.statvfs_result | OSError] = {}
        while todo:
            if self._worker is None:
                self._worker = _Worker(self._statvfs)
            worker, batch = self._worker, _Batch(todo)
            worker.batches.put(batch)
            if batch.done.wait(self._timeout):
                results |= batch.results
                break
            with worker.lock:  # let it go: it ends when its call returns, and a new worker asks the rest
                worker.abandoned = True
                stuck = batch.current
                results |= batch.results
            self._worker = None
            if stuck is not None:
                self._stuck[stuck] = worker
                stale.add(stuck)
            todo = [(key, path) for key, path in todo if key not in results and key != stuck]
        usage: dict[str, FilesystemUsage] = {}
        for key, result in results.items():
            if isinstance(result, OSError):
                stale.add(key)
                continue
            usage[key] = FilesystemUsage(
                total=result.f_blocks * result.f_frsize,
                used=(result.f_blocks - result.f_bfree) * result.f_frsize,
                free=result.f_bavail * result.f_frsize,
            )
        return usage, frozenset(stale)
