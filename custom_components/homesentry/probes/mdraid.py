"""Linux md RAID arrays from ``/proc/mdstat`` and ``/sys/block/md*/md/``.

``/proc/mdstat`` names every array with its level, members and their flags
(``(F)`` failed, ``(S)`` spare), ``[n/m]`` (members wanted / in sync) and the
progress of a running sync. Where sysfs has the array too, its
``array_state``, ``sync_action``, ``sync_completed``, ``degraded`` and
``mismatch_cnt`` are preferred: they are what mdadm itself reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
import re
from typing import Final


class SyncAction(StrEnum):
    """What md is doing to the array's redundancy."""

    IDLE = "idle"
    RESYNC = "resync"
    RECOVER = "recover"
    CHECK = "check"
    REPAIR = "repair"
    RESHAPE = "reshape"
    FROZEN = "frozen"
    PENDING = "pending"  # a resync waiting for the array's first write (auto-read-only) or another array


class ArrayHealth(StrEnum):
    """The verdict of one array."""

    OK = "ok"
    WARNING = "warning"  # mismatches found by a check
    PROBLEM = "problem"  # degraded, failed, inactive, or rebuilding redundancy


# Members an array of each level can lose and still serve every block.
_REDUNDANCY: Final = {"raid0": 0, "linear": 0, "raid1": -1, "raid4": 1, "raid5": 1, "raid6": 2, "raid10": 1}
# Actions that mean the array's redundancy is not whole right now.
_REBUILDING: Final = frozenset({SyncAction.RESYNC, SyncAction.RECOVER, SyncAction.RESHAPE})
_MEMBER = re.compile(r"^(?P<name>[^\[\s]+)\[(?P<slot>\d+)\](?P<flags>(?:\([A-Z]\))*)$")
_COUNTS = re.compile(r"\[(?P<wanted>\d+)/(?P<in_sync>\d+)\]\s+\[(?P<map>[U_]+)\]")
_PROGRESS = re.compile(r"(?P<action>resync|recovery|check|repair|reshape)\s*=\s*(?P<percent>[\d.]+)%")
_PENDING = re.compile(r"resync=(PENDING|DELAYED)")
_ACTIONS: Final = {"recovery": SyncAction.RECOVER}


@dataclass(frozen=True, slots=True)
class Member:
    """One device of an array, as mdstat lists it."""

    name: str
    slot: int
    failed: bool
    spare: bool


@dataclass(frozen=True, slots=True)
class MdArray:
    """The state of one md array."""

    name: str
    active: bool
    level: str | None
    read_only: bool
    members: tuple[Member, ...]
    raid_disks: int | None
    in_sync: int | None
    sync_action: SyncAction
    sync_progress: float | None
    mismatch_count: int | None
    array_state: str | None
    # Faulty members known by count alone (an exporter that counts them without naming them: node_exporter).
    unnamed_failed: int = 0
    # Whether a sync's progress can be known (node_exporter alone cannot say it for raid5/6/10: no level).
    progress_known: bool = True

    @property
    def failed_members(self) -> tuple[str, ...]:
        """Members the kernel marked faulty, by name."""
        return tuple(m.name for m in self.members if m.failed)

    @property
    def spares(self) -> tuple[str, ...]:
        """Members standing by, by name."""
        return tuple(m.name for m in self.members if m.spare and not m.failed)

    @property
    def failed_count(self) -> int:
        """How many members are faulty, named or not."""
        return len(self.failed_members) + self.unnamed_failed

    @property
    def missing(self) -> int:
        """Slots without an in-sync member (``[n/m]``: n - m)."""
        if self.raid_disks is None or self.in_sync is None:
            return 0
        return max(self.raid_disks - self.in_sync, 0)

    @property
    def failed(self) -> bool:
        """More members are gone than the level can lose: data is not whole."""
        if not self.active or self.level is None:
            return False
        can_lose = _REDUNDANCY.get(self.level)
        if can_lose is None or self.raid_disks is None:
            return False
        if can_lose < 0:  # a mirror survives while one member is in sync
            return self.in_sync == 0
        return self.missing > can_lose

    @property
    def state(self) -> str:
        """One word for the array: inactive, failed, degraded, recovering, resyncing, reshaping, checking or clean."""
        if not self.active:
            return "inactive"
        if self.failed:
            return "failed"
        if self.sync_action is SyncAction.RECOVER:
            return "recovering"
        if self.missing:
            return "degraded"
        return {
            SyncAction.RESYNC: "resyncing",
            SyncAction.RESHAPE: "reshaping",
            SyncAction.CHECK: "checking",
            SyncAction.REPAIR: "checking",
        }.get(self.sync_action, "clean")

    @property
    def problems(self) -> tuple[str, ...]:
        """Why the array is a problem, in plain words; empty when it is not."""
        reasons: list[str] = []
        if not self.active:
            reasons.append("inactive")
        elif self.failed:
            reasons.append("failed")
        elif self.missing:
            reasons.append("degraded")
        if self.failed_members:
            reasons.append("failed member: " + ", ".join(self.failed_members))
        elif self.unnamed_failed:
            reasons.append(f"failed members: {self.unnamed_failed}")
        if self.sync_action in _REBUILDING:
            reasons.append(self.sync_action.value)
        return tuple(reasons)

    @property
    def health(self) -> ArrayHealth:
        """Problem when not whole, warning when a check found mismatches, else ok."""
        if self.problems:
            return ArrayHealth.PROBLEM
        if self.mismatch_count:
            return ArrayHealth.WARNING
        return ArrayHealth.OK


def parse_mdstat(text: str) -> dict[str, MdArray]:
    """Every array in a ``/proc/mdstat`` text, by name."""
    arrays: dict[str, MdArray] = {}
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if re.match(r"^md[\w-]*\s*:", line):
            blocks.append([line])
        elif blocks and line.startswith((" ", "\t")):
            blocks[-1].append(line)
    for block in blocks:
        array = _parse_block(block)
        arrays[array.name] = array
    return arrays


def _parse_block(lines: list[str]) -> MdArray:
    name, _, rest = lines[0].partition(":")
    words = rest.split()
    active = bool(words) and words[0] == "active"
    words = words[1:]
    read_only = False
    while words and words[0].startswith("("):
        read_only = read_only or "read-only" in words[0]
        words = words[1:]
    level = words[0] if active and words and "[" not in words[0] else None
    members = tuple(m for w in words if (m := _member(w)) is not None)
    detail = " ".join(lines[1:])
    counts = _COUNTS.search(detail)
    progress = _PROGRESS.search(detail)
    action = SyncAction.IDLE
    percent: float | None = None
    if progress is not None:
        action = _ACTIONS.get(progress["action"]) or SyncAction(progress["action"])
        percent = float(progress["percent"])
    elif _PENDING.search(detail):
        action = SyncAction.PENDING
    raid_disks = in_sync = None
    if counts is not None:
        raid_disks, in_sync = int(counts["wanted"]), int(counts["in_sync"])
    elif active and level in ("raid0", "linear"):
        raid_disks = in_sync = len(members)
    return MdArray(
        name=name.strip(),
        active=active,
        level=level,
        read_only=read_only,
        members=members,
        raid_disks=raid_disks,
        in_sync=in_sync,
        sync_action=action,
        sync_progress=percent,
        mismatch_count=None,
        array_state=None,
    )


def _member(word: str) -> Member | None:
    match = _MEMBER.match(word)
    if match is None:
        return None
    flags = match["flags"]
    return Member(name=match["name"], slot=int(match["slot"]), failed="(F)" in flags, spare="(S)" in flags)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _with_sysfs(array: MdArray, md: Path) -> MdArray:
    """The array with what its sysfs directory says, where it says it."""
    if not md.is_dir():
        return array
    state = _read(md / "array_state")
    action_text = _read(md / "sync_action")
    completed = _read(md / "sync_completed")
    mismatches = _read(md / "mismatch_cnt")
    raid_disks = _read(md / "raid_disks")
    degraded = _read(md / "degraded")
    action = array.sync_action
    if action_text is not None and action_text in set(SyncAction) and action is not SyncAction.PENDING:
        action = SyncAction(action_text)
    progress = array.sync_progress
    if completed and "/" in completed:
        done, _, total = completed.partition("/")
        if done.strip().isdigit() and total.strip().isdigit() and int(total) > 0:
            progress = round(100.0 * int(done) / int(total), 1)
    elif action is SyncAction.IDLE:
        progress = None
    wanted = int(raid_disks) if raid_disks and raid_disks.isdigit() else array.raid_disks
    in_sync = array.in_sync
    if wanted is not None and degraded is not None and degraded.isdigit():
        in_sync = wanted - int(degraded)
    return MdArray(
        name=array.name,
        active=array.active and state != "inactive",
        level=array.level,
        read_only=array.read_only or state in ("readonly", "read-auto"),
        members=array.members,
        raid_disks=wanted,
        in_sync=in_sync,
        sync_action=action,
        sync_progress=progress,
        mismatch_count=int(mismatches) if mismatches and mismatches.isdigit() else None,
        array_state=state,
    )


def read_arrays(procfs_root: Path, sysfs_root: Path) -> Mapping[str, MdArray]:
    """Every md array of the machine; empty without md support (no ``/proc/mdstat``)."""
    text = _read(procfs_root / "mdstat")
    if text is None:
        return {}
    return {name: _with_sysfs(array, sysfs_root / "block" / name / "md") for name, array in parse_mdstat(text).items()}
