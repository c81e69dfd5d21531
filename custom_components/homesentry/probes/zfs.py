"""ZFS pools: their state from the kernel, the rest from ``zpool``; and the same, as Prometheus metrics.

- ``/proc/spl/kstat/zfs/<pool>/state`` holds each imported pool's state
  (ONLINE, DEGRADED, ...): read with no command at all.
- ``zpool list -Hp -o ...`` gives capacity and fragmentation, in the
  tab-separated form every OpenZFS prints (2.1 to 2.3+).
- ``zpool status -jp --json-int`` (OpenZFS 2.3+) or ``zpool status -p``
  (2.1/2.2: text) gives every vdev's state and error counters and the last or
  running scrub or resilver. Both are parsed into the same :class:`ZfsPool`.

``zpool`` runs without a shell and with a time limit. This module imports
the standard library alone, so it runs as a script on a Remote server too:
``python3 zfs.py --output /var/lib/prometheus/node-exporter/zpool.prom``
writes what it reads in node_exporter's textfile format
(:func:`to_prometheus`), and :func:`pools_from_samples` reads it back into
the same pools.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
import json
import os
from pathlib import Path
import re
import subprocess
import sys
import time
from typing import Any, Final

ZPOOL_TIMEOUT: Final = 10.0  # seconds one zpool command may take
LIST_COLUMNS: Final = ("name", "size", "allocated", "free", "fragmentation", "health")
ERROR_KINDS: Final = ("read", "write", "checksum")
_SUFFIX: Final = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50, "E": 1 << 60}
_NUMBER = re.compile(r"^(?P<number>[\d.]+)(?P<suffix>[KMGTPE]?)B?$")
_SECTIONS: Final = frozenset({"logs", "cache", "spares", "special", "dedup"})


class PoolState(StrEnum):
    """A pool's or vdev's state, as ``zpool`` and the kernel name it."""

    ONLINE = "ONLINE"
    DEGRADED = "DEGRADED"
    FAULTED = "FAULTED"
    OFFLINE = "OFFLINE"
    UNAVAIL = "UNAVAIL"
    REMOVED = "REMOVED"
    SUSPENDED = "SUSPENDED"


class ZpoolError(Exception):
    """``zpool`` could not be run, timed out, or answered what cannot be read."""


@dataclass(frozen=True, slots=True)
class Vdev:
    """One vdev of a pool: the root (named as the pool), a mirror or raidz group, or a disk."""

    name: str
    state: str  # a PoolState, or what a spare says (AVAIL, INUSE)
    read: int
    write: int
    checksum: int
    leaf: bool  # a disk (or file), not a group
    root: bool = False

    @property
    def errors(self) -> int:
        """Read, write and checksum errors together."""
        return self.read + self.write + self.checksum


@dataclass(frozen=True, slots=True)
class Scan:
    """A pool's last or running scrub or resilver."""

    function: str  # "scrub" or "resilver"
    state: str  # "scanning", "finished" or "canceled"
    start: float | None  # Unix time
    end: float | None
    progress: float | None  # % done while scanning
    repaired: int | None  # bytes
    errors: int | None


@dataclass(frozen=True, slots=True)
class ZfsPool:
    """One imported pool. What a source does not say is None (the kernel's state file says the state alone)."""

    name: str
    state: str
    size: int | None = None
    allocated: int | None = None
    free: int | None = None
    fragmentation: int | None = None  # %
    vdevs: tuple[Vdev, ...] = ()
    scan: Scan | None = None
    scanned: bool = False  # ``zpool status`` was read: ``scan`` None means none was ever run

    @property
    def detailed(self) -> bool:
        """Whether ``zpool status`` said its vdevs."""
        return bool(self.vdevs)

    @property
    def used_percent(self) -> float | None:
        """Allocated over size, in %."""
        if self.size is None or self.allocated is None or not self.size:
            return None
        return round(100 * self.allocated / self.size, 1)

    @property
    def own_errors(self) -> dict[str, int]:
        """The pool's own read, write and checksum errors (its root vdev's)."""
        root = next((v for v in self.vdevs if v.root), None)
        return {kind: getattr(root, kind) for kind in ERROR_KINDS} if root is not None else {}

    @property
    def vdev_errors(self) -> dict[str, int]:
        """Errors summed over the vdevs below the root, by kind."""
        below = [v for v in self.vdevs if not v.root]
        return {kind: sum(getattr(v, kind) for v in below) for kind in ERROR_KINDS}

    @property
    def error_vdevs(self) -> dict[str, int]:
        """The vdevs with errors, and how many each has."""
        return {v.name: v.errors for v in self.vdevs if v.errors and not v.root}

    @property
    def errors(self) -> int | None:
        """The pool's own errors and its vdevs' together; None where ``zpool status`` was not read."""
        if not self.detailed:
            return None
        return sum(self.own_errors.values()) + sum(self.vdev_errors.values())

    @property
    def failed_members(self) -> list[str]:
        """The disks that are not online (faulted, offline, removed, unavailable or degraded)."""
        return [v.name for v in self.vdevs if v.leaf and v.state in _NOT_SERVING]


_NOT_SERVING: Final = frozenset(s.value for s in PoolState) - {PoolState.ONLINE.value}


def read_states(procfs: Path) -> dict[str, str]:
    """Every imported pool's state, from ``/proc/spl/kstat/zfs/<pool>/state`` (none: ZFS is not loaded)."""
    states: dict[str, str] = {}
    base = procfs / "spl" / "kstat" / "zfs"
    try:
        pools = sorted(base.iterdir())
    except OSError:
        return states
    for pool in pools:
        try:
            states[pool.name] = (pool / "state").read_text().strip()
        except OSError:  # arcstats, dmu_tx, ...: files, not pools; or a pool exported meanwhile
            continue
    return states


def _number(text: str) -> int:
    """A count or size as ``zpool`` prints it: exact with -p, else "1.88K" (with 2.1's -p for status, exact)."""
    if text.isdigit():
        return int(text)
    match = _NUMBER.match(text)
    if match is None:
        raise ValueError(text)
    return round(float(match["number"]) * _SUFFIX[match["suffix"]])


def _optional(text: str) -> int | None:
    return None if text in ("-", "") else _number(text.rstrip("%"))


def parse_list(text: str) -> dict[str, dict[str, int | None]]:
    """``zpool list -Hp -o name,size,allocated,free,fragmentation,health``: capacity by pool."""
    pools: dict[str, dict[str, int | None]] = {}
    for line in text.splitlines():
        columns = line.split("\t")
        if len(columns) != len(LIST_COLUMNS):
            continue
        name, size, allocated, free, fragmentation, _ = columns
        pools[name] = {
            "size": _optional(size),
            "allocated": _optional(allocated),
            "free": _optional(free),
            "fragmentation": _optional(fragmentation),
        }
    return pools


# --- zpool status: JSON (2.3+)


def _json_vdevs(vdev: Mapping[str, Any], root: bool = False) -> Iterable[Vdev]:
    children = vdev.get("vdevs") or {}
    yield Vdev(
        name=str(vdev.get("name", "")),
        state=str(vdev.get("state", "")),
        read=int(vdev.get("read_errors", 0)),
        write=int(vdev.get("write_errors", 0)),
        checksum=int(vdev.get("checksum_errors", 0)),
        leaf=not children and not root,
        root=root,
    )
    for child in children.values():
        yield from _json_vdevs(child)


def _json_scan(stats: Mapping[str, Any] | None) -> Scan | None:
    if not stats or str(stats.get("state", "")).upper() not in ("SCANNING", "FINISHED", "CANCELED"):
        return None
    state = str(stats["state"]).lower()
    examined, to_examine = int(stats.get("examined", 0)), int(stats.get("to_examine", 0))
    issued = int(stats.get("issued", examined))
    end = int(stats.get("end_time", 0))
    return Scan(
        function=str(stats.get("function", "")).lower(),
        state=state,
        start=float(stats["start_time"]) if stats.get("start_time") else None,
        end=float(end) if end and state != "scanning" else None,
        progress=round(100 * issued / to_examine, 2) if state == "scanning" and to_examine else None,
        repaired=int(stats.get("processed", 0)),
        errors=int(stats.get("errors", 0)),
    )


def parse_status_json(text: str) -> dict[str, ZfsPool]:
    """``zpool status -jp --json-int``: every pool's vdevs and scan."""
    try:
        answer = json.loads(text)
    except ValueError as err:  # an OpenZFS before 2.3 may print its usage instead
        raise ZpoolError(f"zpool status -j: not JSON ({err})") from err
    pools: dict[str, ZfsPool] = {}
    for name, pool in (answer.get("pools") or {}).items():
        vdevs: list[Vdev] = []
        for section, root in (pool.get("vdevs") or {}).items():
            vdevs.extend(_json_vdevs(root, root=section == name))
        for section in ("logs", "l2cache", "special", "dedup"):
            for member in (pool.get(section) or {}).values():
                vdevs.extend(_json_vdevs(member))
        pools[name] = ZfsPool(
            name, str(pool.get("state", "")), vdevs=tuple(vdevs), scan=_json_scan(pool.get("scan_stats")), scanned=True
        )
    return pools


# --- zpool status: text (2.1/2.2, and any version)

_SCAN_DONE = re.compile(
    r"^(?P<function>scrub repaired|resilvered) (?P<repaired>\S+) in .+? with (?P<errors>\d+) errors on (?P<end>.+)$"
)
_SCAN_RUNNING = re.compile(r"^(?P<function>scrub|resilver) in progress since (?P<start>.+)$")
_SCAN_CANCELED = re.compile(r"^(?P<function>scrub|resilver) canceled on (?P<end>.+)$")
_DONE_PERCENT = re.compile(r"(?P<percent>[\d.]+)% done")
_REPAIRED_RUNNING = re.compile(r"(?P<repaired>\S+) (?:repaired|resilvered),")


def _when(text: str) -> float | None:
    """A time as zpool prints it ("Mon Dec  7 20:00:00 2026", this machine's local time)."""
    try:
        return time.mktime(time.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y"))
    except ValueError:
        return None


def _text_scan(lines: list[str]) -> Scan | None:
    first = lines[0] if lines else ""
    rest = " ".join(lines[1:])
    if match := _SCAN_DONE.match(first):
        function = "scrub" if match["function"].startswith("scrub") else "resilver"
        return Scan(function, "finished", None, _when(match["end"]), None, _number(match["repaired"]),
                    int(match["errors"]))  # fmt: skip
    if match := _SCAN_RUNNING.match(first):
        percent = _DONE_PERCENT.search(rest)
        repaired = _REPAIRED_RUNNING.search(rest)
        return Scan(match["function"], "scanning", _when(match["start"]), None,
                    float(percent["percent"]) if percent else None,
                    _number(repaired["repaired"]) if repaired else None, None)  # fmt: skip
    if match := _SCAN_CANCELED.match(first):
        return Scan(match["function"], "canceled", None, _when(match["end"]), None, None, None)
    return None


def _text_config(pool: str, lines: list[str]) -> tuple[Vdev, ...]:
    """The config table: each row's depth is its indentation, and a row with deeper rows below is a group."""
    rows: list[tuple[int, list[str]]] = []
    for line in lines:
        if not line.strip() or line.split()[0] == "NAME":
            continue
        stripped = line.lstrip("\t")
        rows.append((len(stripped) - len(stripped.lstrip(" ")), stripped.split()))
    base = min((depth for depth, _ in rows), default=0)  # pasted or printed: tabs, or spaces only
    rows = [(depth - base, columns) for depth, columns in rows]
    vdevs: list[Vdev] = []
    section = ""
    for index, (depth, columns) in enumerate(rows):
        name = columns[0]
        if depth == 0:
            section = "" if name == pool else name
        if depth == 0 and name != pool and name in _SECTIONS:
            continue  # "logs", "cache", "spares": a heading
        if section == "spares" or len(columns) < 5:
            continue  # a spare says AVAIL or INUSE, and counts nothing
        deeper = index + 1 < len(rows) and rows[index + 1][0] > depth
        read, write, checksum = (_number(c) for c in columns[2:5])
        root = depth == 0 and name == pool
        vdevs.append(Vdev(name, columns[1], read, write, checksum, leaf=not deeper and not root, root=root))
    return tuple(vdevs)


def parse_status_text(text: str) -> dict[str, ZfsPool]:
    """``zpool status -p`` as OpenZFS 2.1 and 2.2 print it: every pool's vdevs and scan."""
    pools: dict[str, ZfsPool] = {}
    for block in re.split(r"(?m)^(?=\s*pool: )", text):
        fields: dict[str, list[str]] = {}
        key = ""
        for line in block.splitlines():
            if match := re.match(r"^\s*(pool|state|status|action|see|scan|config|errors|remove|checkpoint):\s?(.*)$",
                                 line):  # fmt: skip
                key = match[1]
                fields[key] = [match[2].strip()] if match[2].strip() else []
            elif key:
                fields[key].append(line if key == "config" else line.strip())
        if "pool" not in fields:
            continue
        name = fields["pool"][0]
        scan = _text_scan(fields.get("scan", []))
        vdevs = _text_config(name, fields.get("config", []))
        pools[name] = ZfsPool(name, (fields.get("state") or [""])[0], vdevs=vdevs, scan=scan, scanned=True)
    return pools


# --- running zpool

Runner = Callable[[list[str]], str]  # no `type` statement: a Remote server's Python may be 3.10


def run(zpool: str, timeout: float = ZPOOL_TIMEOUT) -> Runner:
    """A runner of ``zpool`` (no shell, C locale, a time limit) that raises :class:`ZpoolError`."""

    def runner(arguments: list[str]) -> str:
        try:
            done = subprocess.run(
                [zpool, *arguments], capture_output=True, text=True, timeout=timeout, check=False,
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "TZ": os.environ.get("TZ", "")},
            )  # fmt: skip
        except subprocess.TimeoutExpired as err:
            raise ZpoolError(f"zpool {' '.join(arguments)}: no answer within {timeout:g} s") from err
        except OSError as err:
            raise ZpoolError(f"cannot run {zpool}: {err.strerror or err}") from err
        if done.returncode != 0:
            raise ZpoolError(f"zpool {' '.join(arguments)}: {done.stderr.strip() or f'exit {done.returncode}'}")
        return done.stdout

    return runner


@dataclass(slots=True)
class ZpoolReader:
    """Reads every pool through ``zpool``: JSON where it speaks it (2.3+), else text, remembered."""

    runner: Runner
    json: bool | None = None  # not known until the first status
    errors: dict[str, str] = field(default_factory=dict)

    def status(self) -> dict[str, ZfsPool]:
        """Every pool's vdevs and scan."""
        if self.json is not False:
            try:
                pools = parse_status_json(self.runner(["status", "-jp", "--json-int"]))
            except ZpoolError:
                if self.json:
                    raise
                self.json = False
            else:
                self.json = True
                return pools
        return parse_status_text(self.runner(["status", "-p"]))

    def read(self, states: Mapping[str, str]) -> dict[str, ZfsPool]:
        """The pools the kernel names, with what ``zpool list`` and ``zpool status`` say of them."""
        capacity = parse_list(self.runner(["list", "-Hp", "-o", ",".join(LIST_COLUMNS)]))
        status = self.status()
        pools: dict[str, ZfsPool] = {}
        for name in sorted(set(states) | set(capacity)):
            detail = status.get(name) or ZfsPool(name, states.get(name, ""))
            sizes = capacity.get(name, {})
            pools[name] = replace(
                detail,
                state=states.get(name) or detail.state,
                size=sizes.get("size"),
                allocated=sizes.get("allocated"),
                free=sizes.get("free"),
                fragmentation=sizes.get("fragmentation"),
            )
        return pools


# --- as Prometheus metrics (a Remote server's textfile collector), and back

PREFIX: Final = "homesentry_zpool"
_GAUGES: Final = ("size", "allocated", "free", "fragmentation")


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                     for k, v in labels.items())  # fmt: skip
    return "{" + inner + "}"


def to_prometheus(pools: Mapping[str, ZfsPool]) -> str:
    """The pools as node_exporter's textfile collector reads them."""
    lines = [f"# HELP {PREFIX}_state The pool's state (1 for the state it is in).", f"# TYPE {PREFIX}_state gauge"]
    body: list[str] = []
    for pool in pools.values():
        body.append(f"{PREFIX}_state{_labels(pool=pool.name, state=pool.state)} 1")
        for gauge in _GAUGES:
            if (value := getattr(pool, gauge)) is not None:
                body.append(f"{PREFIX}_{gauge}{_labels(pool=pool.name)} {value}")
        for order, vdev in enumerate(pool.vdevs):
            kind = "root" if vdev.root else "leaf" if vdev.leaf else "group"
            body.append(f"{PREFIX}_vdev_state{_labels(pool=pool.name, vdev=vdev.name, state=vdev.state, kind=kind)} "
                        f"{order}")  # fmt: skip
            for error in ERROR_KINDS:
                body.append(f"{PREFIX}_vdev_errors{_labels(pool=pool.name, vdev=vdev.name, type=error)} "
                            f"{getattr(vdev, error)}")  # fmt: skip
        if pool.scanned:
            body.append(f"{PREFIX}_scanned{_labels(pool=pool.name)} 1")
        if (scan := pool.scan) is not None:
            body.append(f"{PREFIX}_scan{_labels(pool=pool.name, function=scan.function, state=scan.state)} 1")
            for name in ("start", "end", "progress", "repaired", "errors"):
                if (value := getattr(scan, name)) is not None:
                    body.append(f"{PREFIX}_scan_{name}{_labels(pool=pool.name)} {value}")
    return "\n".join(lines + body) + "\n"


Samples = Mapping[str, Mapping[tuple[tuple[str, str], ...], float]]


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def pools_from_samples(samples: Samples) -> dict[str, ZfsPool]:
    """The pools of a scrape: this module's metrics where the machine runs it, else node_exporter's state alone."""
    pools: dict[str, ZfsPool] = {}
    for labels in samples.get(f"{PREFIX}_state", {}):
        tags = dict(labels)
        pools[tags["pool"]] = ZfsPool(tags["pool"], tags["state"])
    for labels, value in samples.get("node_zfs_zpool_state", {}).items():
        tags = dict(labels)
        if value == 1 and tags.get("zpool") and tags["zpool"] not in pools:
            pools[tags["zpool"]] = ZfsPool(tags["zpool"], tags.get("state", "").upper())

    def by_pool(metric: str) -> dict[str, float]:
        return {dict(labels)["pool"]: value for labels, value in samples.get(f"{PREFIX}_{metric}", {}).items()}

    gauges = {gauge: by_pool(gauge) for gauge in (*_GAUGES, "scanned")}
    scans = {dict(labels)["pool"]: dict(labels) for labels in samples.get(f"{PREFIX}_scan", {})}
    scan_values = {name: by_pool(f"scan_{name}") for name in ("start", "end", "progress", "repaired", "errors")}
    errors: dict[tuple[str, str], dict[str, int]] = {}
    for labels, value in samples.get(f"{PREFIX}_vdev_errors", {}).items():
        tags = dict(labels)
        errors.setdefault((tags["pool"], tags["vdev"]), {})[tags["type"]] = int(value)
    vdevs: dict[str, list[tuple[float, Vdev]]] = {}
    for labels, order in samples.get(f"{PREFIX}_vdev_state", {}).items():
        tags = dict(labels)
        counts = errors.get((tags["pool"], tags["vdev"]), {})
        vdev = Vdev(
            tags["vdev"],
            tags["state"],
            read=counts.get("read", 0),
            write=counts.get("write", 0),
            checksum=counts.get("checksum", 0),
            leaf=tags["kind"] == "leaf",
            root=tags["kind"] == "root",
        )
        vdevs.setdefault(tags["pool"], []).append((order, vdev))
    for name, pool in list(pools.items()):
        scan = None
        if (found := scans.get(name)) is not None:
            values = {key: scan_values[key].get(name) for key in scan_values}
            scan = Scan(found["function"], found["state"], values["start"], values["end"], values["progress"],
                        _whole(values["repaired"]), _whole(values["errors"]))  # fmt: skip
        pools[name] = replace(
            pool,
            size=_whole(gauges["size"].get(name)),
            allocated=_whole(gauges["allocated"].get(name)),
            free=_whole(gauges["free"].get(name)),
            fragmentation=_whole(gauges["fragmentation"].get(name)),
            vdevs=tuple(vdev for _, vdev in sorted(vdevs.get(name, []), key=lambda pair: pair[0])),
            scan=scan,
            scanned=bool(gauges["scanned"].get(name)),
        )
    return pools


def main(argv: list[str] | None = None) -> int:
    """Write the machine's pools in node_exporter's textfile format (atomically, where ``--output`` is given)."""
    parser = argparse.ArgumentParser(description="ZFS pools for node_exporter's textfile collector (HomeSentry).")
    parser.add_argument("--output", help="the .prom file to write (else standard output)")
    parser.add_argument("--zpool", default="zpool", help="the zpool command")
    parser.add_argument("--procfs", default="/proc", help="where /proc is")
    arguments = parser.parse_args(argv)
    try:
        pools = ZpoolReader(run(arguments.zpool)).read(read_states(Path(arguments.procfs)))
    except ZpoolError as err:
        print(err, file=sys.stderr)
        return 1
    text = to_prometheus(pools)
    if arguments.output is None:
        sys.stdout.write(text)
        return 0
    temporary = Path(f"{arguments.output}.{os.getpid()}")
    temporary.write_text(text)
    temporary.replace(arguments.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
