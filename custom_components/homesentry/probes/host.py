"""The "This server" probe: one call collects the categories asked for.

CPU, memory, swap, boot time, processes and sockets come from psutil; sensors,
batteries, throttle counters, interface counters and pressure come from the
sysfs/procfs roots given as parameters. Rates (CPU %, network throughput,
per-process CPU) are computed from our own previous sample, never from
psutil's ``cpu_percent``, whose module-global state other integrations in the
same process would disturb.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
import os
from pathlib import Path
import socket
import time
from typing import Any, Final, cast

import psutil

from .diskstats import DiskCounters, DiskIoRate, physical_disks, rates as disk_rates, read_diskstats
from .filesystems import STATVFS_TIMEOUT, FilesystemReader, FilesystemUsage, MountTable
from .hwmon import FanReading, HwmonReader, HwmonReadings, TemperatureReading, cpu_temperature
from .network import InterfaceCounters, read_counters
from .power_supply import BatteryReading, find_batteries, read_batteries
from .pressure import PressureReading, read_pressure
from .procfs import (
    CpuTimes,
    KernelStat,
    MemoryInfo,
    count_processes,
    find_cpufreq_files,
    read_cpu_frequency,
    read_meminfo,
    read_stat,
)
from .sysfs import read_text
from .throttle import ThrottleCounts, ThrottleFiles, find_throttle_files, read_throttle

TOP_PROCESS_COUNT = 5
# The least time a first rate is taken over: counters such as /proc/stat's tick by 10 ms, so two
# samples a few milliseconds apart say nothing (a core that did not tick in them has no reading).
PRIME_SECONDS: Final = 0.25


class Category(StrEnum):
    """What one collection can be asked for; entities subscribe to these."""

    CPU = "cpu"
    CPU_PER_CORE = "cpu_per_core"
    CPU_FREQUENCY = "cpu_frequency"
    LOAD = "load"
    MEMORY = "memory"
    SWAP = "swap"
    BOOT = "boot"
    PROCESS_COUNT = "process_count"
    TEMPERATURES = "temperatures"
    FANS = "fans"
    BATTERY = "battery"
    THROTTLE = "throttle"
    PRESSURE = "pressure"
    NETWORK = "network"
    TOP_PROCESSES = "top_processes"
    LISTENING_PORTS = "listening_ports"
    FILESYSTEMS = "filesystems"
    DISK_IO = "disk_io"


ALL_CATEGORIES = frozenset(Category)


@dataclass(frozen=True, slots=True)
class LoadAverage:
    """Run-queue load averages."""

    one: float
    five: float
    fifteen: float


@dataclass(frozen=True, slots=True)
class MemoryUsage:
    """RAM or swap usage in bytes; percent of total in use."""

    total: int
    used: int
    available: int
    percent: float

    @classmethod
    def of(cls, total: int, available: int) -> MemoryUsage:
        """Usage where ``total - available`` is in use (psutil 7's definition)."""
        used = total - available
        return cls(
            total=total,
            used=used,
            available=available,
            percent=round(100.0 * used / total, 1) if total else 0.0,
        )


@dataclass(frozen=True, slots=True)
class InterfaceRate:
    """Throughput of one interface over the last cycle, bytes per second."""

    name: str
    received: float
    sent: float


@dataclass(frozen=True, slots=True)
class ProcessUsage:
    """A process's share of CPU over the last cycle (% of one core, like top)."""

    pid: int
    name: str
    cpu_percent: float
    memory_bytes: int


@dataclass(frozen=True, slots=True)
class ListeningSocket:
    """A socket waiting for connections (TCP LISTEN, or unconnected UDP)."""

    protocol: str
    address: str
    port: int
    process: str | None


@dataclass(frozen=True, slots=True)
class HostSnapshot:
    """One cycle's readings. A category not asked for, or failed, is None/empty;
    ``failures`` names the failed ones with the error.
    """

    cpu_percent: float | None = None
    cpu_per_core: tuple[float, ...] | None = None
    cpu_frequency_mhz: float | None = None
    load: LoadAverage | None = None
    memory: MemoryUsage | None = None
    swap: MemoryUsage | None = None
    boot_time: datetime | None = None
    process_count: int | None = None
    temperatures: Mapping[str, TemperatureReading] = field(default_factory=dict)
    cpu_temperature: TemperatureReading | None = None
    fans: Mapping[str, FanReading] = field(default_factory=dict)
    batteries: Mapping[str, BatteryReading] = field(default_factory=dict)
    throttle: ThrottleCounts | None = None
    pressure: Mapping[str, PressureReading] = field(default_factory=dict)
    interfaces: tuple[str, ...] = ()
    network: Mapping[str, InterfaceRate] = field(default_factory=dict)
    top_processes: tuple[ProcessUsage, ...] | None = None
    listening: tuple[ListeningSocket, ...] | None = None
    filesystems: Mapping[str, FilesystemUsage] = field(default_factory=dict)
    mounts: Mapping[str, str] = field(default_factory=dict)  # watched mounts: key -> path
    stale_mounts: frozenset[str] = frozenset()
    disks: tuple[str, ...] = ()
    disk_io: Mapping[str, DiskIoRate] = field(default_factory=dict)
    sensors_skipped: int = 0
    collected: frozenset[Category] = frozenset()
    failures: Mapping[Category, str] = field(default_factory=dict)


def network_rates(
    previous: Mapping[str, tuple[float, float]], current: Mapping[str, tuple[float, float]], seconds: float
) -> dict[str, InterfaceRate]:
    """Throughput per interface between two readings of its (received, sent) byte counters ``seconds`` apart.

    An interface that is new, or whose counters went backwards (it was re-created, or the exporter
    restarted), has no rate this time.
    """
    rates: dict[str, InterfaceRate] = {}
    if seconds <= 0:
        return rates
    for name, (received, sent) in current.items():
        before = previous.get(name)
        if before is None or received < before[0] or sent < before[1]:
            continue
        rates[name] = InterfaceRate(
            name=name, received=round((received - before[0]) / seconds, 1), sent=round((sent - before[1]) / seconds, 1)
        )
    return rates


def _percent(previous: CpuTimes, current: CpuTimes) -> float:
    elapsed = current.total - previous.total
    if elapsed <= 0:
        return 0.0
    return round(min(100.0, max(0.0, 100.0 * (current.busy - previous.busy) / elapsed)), 1)


_RATE_CATEGORIES = frozenset(
    {Category.CPU, Category.CPU_PER_CORE, Category.NETWORK, Category.TOP_PROCESSES, Category.DISK_IO}
)


class HostProbe:
    """Reads this machine. Keeps the previous sample of each counter so rates
    are deltas over one cycle; not thread-safe (run one collect at a time).
    """

    def __init__(
        self,
        *,
        sysfs_root: Path = Path("/sys"),
        procfs_root: Path = Path("/proc"),
        interfaces: Sequence[str] = (),
        mounts: Sequence[str] | None = None,
        statvfs: Callable[[str], os.statvfs_result] | None = None,
        statvfs_timeout: float = STATVFS_TIMEOUT,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        prime_seconds: float = PRIME_SECONDS,
    ) -> None:
        """Probe the host; ``interfaces`` are the ones whose throughput to report.

        ``mounts`` are the mount points whose usage to report (None: every
        filesystem a user stores files on, see ``list_mounts``).
        """
        self.sysfs_root = sysfs_root
        self.procfs_root = procfs_root
        self.interfaces = list(interfaces)
        self.mounts = None if mounts is None else list(mounts)
        # os.statvfs looked up at each call, so a test can make one mount hang.
        self._filesystems = FilesystemReader(statvfs or (lambda path: os.statvfs(path)), statvfs_timeout)  # noqa: PLW0108
        self._mount_table = MountTable(procfs_root / "self" / "mountinfo", everything=self.mounts is not None)
        # Looked up at each call, so a test clock that replaces time.monotonic applies.
        self._clock = clock or (lambda: time.monotonic())  # noqa: PLW0108
        self._sleep = sleep
        self._prime_seconds = prime_seconds
        self._cpu: CpuTimes | None = None
        self._cores: tuple[CpuTimes, ...] | None = None
        self._net: tuple[float, Mapping[str, InterfaceCounters]] | None = None
        self._disk: tuple[float, Mapping[str, DiskCounters]] | None = None
        self._procs: tuple[float, dict[tuple[int, float], float]] | None = None
        # Files several categories read, read once per cycle.
        self._cycle: dict[str, object] = {}
        self._wanted: frozenset[Category] = frozenset()
        # hwmon finds its sensors once, and anew if its chips go away.
        self._hwmon_reader = HwmonReader(sysfs_root)

    # What does not change while the machine runs is found once, so a cycle
    # only opens the files holding values. (A failed find is not kept: the
    # next cycle tries again.)

    @cached_property
    def _battery_supplies(self) -> list[Path]:
        return find_batteries(self.sysfs_root)

    @cached_property
    def _physical_disks(self) -> list[str]:
        return physical_disks(self.sysfs_root)

    @cached_property
    def _throttle_files(self) -> list[ThrottleFiles]:
        return find_throttle_files(self.sysfs_root)

    @cached_property
    def _cpufreq_files(self) -> list[str]:
        return find_cpufreq_files(self.sysfs_root)

    @cached_property
    def _nominal_frequency(self) -> float | None:
        # Without a cpufreq driver (most VMs) /proc/cpuinfo reports the fixed
        # nominal frequency, and generating it costs the kernel more than the
        # rest of a cycle.
        return read_cpu_frequency(self.sysfs_root, self.procfs_root, [])

    @cached_property
    def _boot_time(self) -> datetime:
        return datetime.fromtimestamp(self._stat().boot_time, tz=UTC)

    def close(self) -> None:
        """End the filesystems' worker thread (blocks up to a second: call it in the executor)."""
        self._filesystems.close()

    def collect(self, categories: Collection[Category]) -> HostSnapshot:
        """Collect the given categories; a failing one never stops the others."""
        wanted = frozenset(categories)
        self._wanted = wanted
        self._cycle = {}
        self._prime(wanted)
        values: dict[str, Any] = {}  # HostSnapshot's fields, as each category's reader names them
        failures: dict[Category, str] = {}
        for category in sorted(wanted):
            try:
                values.update(self._READERS[category](self))
            except (OSError, psutil.Error, ValueError, KeyError) as err:
                failures[category] = f"{type(err).__name__}: {err}"
        return HostSnapshot(collected=wanted, failures=failures, **values)

    def _prime(self, wanted: frozenset[Category]) -> None:
        """Take a first sample of rate counters that have none, so the first
        collection already reports real rates instead of unknown.
        """
        missing = [
            category
            for category in wanted & _RATE_CATEGORIES
            if {
                Category.CPU: self._cpu,
                Category.CPU_PER_CORE: self._cores,
                Category.NETWORK: self._net,
                Category.TOP_PROCESSES: self._procs,
                Category.DISK_IO: self._disk,
            }[category]
            is None
        ]
        if not missing:
            return
        for category in missing:
            try:
                self._READERS[category](self)
            except OSError, psutil.Error, ValueError, KeyError:
                continue  # reported by the real collection right after
        self._sleep(self._prime_seconds)
        self._cycle = {}

    def _once[T](self, name: str, read: Callable[[], T]) -> T:
        """Read a source at most once per cycle, however many categories use it."""
        if name not in self._cycle:
            self._cycle[name] = read()
        return cast(T, self._cycle[name])

    def _stat(self) -> KernelStat:
        return self._once("stat", lambda: read_stat(self.procfs_root))

    def _meminfo(self) -> MemoryInfo:
        return self._once("meminfo", lambda: read_meminfo(self.procfs_root))

    def _hwmon(self) -> HwmonReadings:
        return self._once(
            "hwmon",
            lambda: self._hwmon_reader.read(
                temperatures=Category.TEMPERATURES in self._wanted, fans=Category.FANS in self._wanted
            ),
        )

    # -- readers: each returns HostSnapshot fields ---------------------------

    def _read_cpu(self) -> dict[str, object]:
        current = self._stat().cpu
        previous, self._cpu = self._cpu, current
        return {"cpu_percent": None if previous is None else _percent(previous, current)}

    def _read_cpu_per_core(self) -> dict[str, object]:
        current = self._stat().cores
        previous, self._cores = self._cores, current
        if previous is None or len(previous) != len(current):
            return {"cpu_per_core": None}
        return {"cpu_per_core": tuple(_percent(p, c) for p, c in zip(previous, current, strict=True))}

    def _read_cpu_frequency(self) -> dict[str, object]:
        if self._cpufreq_files:
            return {"cpu_frequency_mhz": read_cpu_frequency(self.sysfs_root, self.procfs_root, self._cpufreq_files)}
        return {"cpu_frequency_mhz": self._nominal_frequency}

    def _read_load(self) -> dict[str, object]:
        one, five, fifteen = os.getloadavg()
        return {"load": LoadAverage(round(one, 2), round(five, 2), round(fifteen, 2))}

    def _read_memory(self) -> dict[str, object]:
        info = self._meminfo()
        return {"memory": MemoryUsage.of(info.total, info.available)}

    def _read_swap(self) -> dict[str, object]:
        info = self._meminfo()
        return {"swap": MemoryUsage.of(info.swap_total, info.swap_free)}

    def _read_boot(self) -> dict[str, object]:
        return {"boot_time": self._boot_time}

    def _read_process_count(self) -> dict[str, object]:
        return {"process_count": count_processes(self.procfs_root)}

    def _read_filesystems(self) -> dict[str, object]:
        # Parsed again when the kernel says the mount table changed: a drive plugged in later is found.
        found = self._mount_table.mounts()
        mounts = found if self.mounts is None else [m for m in found if m.path in self.mounts]
        usage, stale = self._filesystems.read(mounts)
        return {"filesystems": usage, "mounts": {m.key: m.path for m in mounts}, "stale_mounts": stale}

    def _read_temperatures(self) -> dict[str, object]:
        readings = self._hwmon()
        return {
            "temperatures": readings.temperatures,
            "cpu_temperature": cpu_temperature(readings.temperatures),
            "sensors_skipped": readings.skipped,
        }

    def _read_fans(self) -> dict[str, object]:
        return {"fans": self._hwmon().fans}

    def _read_battery(self) -> dict[str, object]:
        return {"batteries": read_batteries(self.sysfs_root, self._battery_supplies)}

    def _read_throttle(self) -> dict[str, object]:
        return {"throttle": read_throttle(self.sysfs_root, self._throttle_files)}

    def _read_pressure(self) -> dict[str, object]:
        return {"pressure": read_pressure(self.procfs_root)}

    def _read_network(self) -> dict[str, object]:
        now = self._clock()
        current = read_counters(self.sysfs_root, self.interfaces)
        previous, self._net = self._net, (now, current)
        rates: dict[str, InterfaceRate] = {}
        if previous is not None:
            rates = network_rates(
                {name: (c.rx_bytes, c.tx_bytes) for name, c in previous[1].items()},
                {name: (c.rx_bytes, c.tx_bytes) for name, c in current.items()},
                now - previous[0],
            )
        return {"interfaces": tuple(current), "network": rates}

    def _read_disk_io(self) -> dict[str, object]:
        now = self._clock()
        current = read_diskstats(self.procfs_root, self._physical_disks)
        previous, self._disk = self._disk, (now, current)
        found = {} if previous is None else disk_rates(previous[1], current, now - previous[0])
        return {"disks": tuple(current), "disk_io": found}

    def _read_top_processes(self) -> dict[str, object]:
        now = self._clock()
        seconds: dict[tuple[int, float], float] = {}
        info: dict[tuple[int, float], tuple[str, int]] = {}
        for process in psutil.process_iter(["name", "cpu_times", "memory_info", "create_time"]):
            data = process.info
            if data["cpu_times"] is None or data["create_time"] is None:
                continue  # vanished or not permitted
            key = (process.pid, data["create_time"])
            seconds[key] = data["cpu_times"].user + data["cpu_times"].system
            memory = data["memory_info"].rss if data["memory_info"] is not None else 0
            info[key] = (data["name"] or str(process.pid), memory)
        previous, self._procs = self._procs, (now, seconds)
        if previous is None or (elapsed := now - previous[0]) <= 0:
            return {"top_processes": None}
        usage = [
            ProcessUsage(
                pid=key[0],
                name=info[key][0],
                cpu_percent=round(100.0 * max(0.0, used - previous[1].get(key, used)) / elapsed, 1),
                memory_bytes=info[key][1],
            )
            for key, used in seconds.items()
            if key in previous[1]
        ]
        usage.sort(key=lambda p: (-p.cpu_percent, -p.memory_bytes, p.pid))
        return {"top_processes": tuple(usage[:TOP_PROCESS_COUNT])}

    def _read_listening_ports(self) -> dict[str, object]:
        names: dict[int, str | None] = {}
        sockets: set[ListeningSocket] = set()
        for conn in psutil.net_connections(kind="inet"):
            if not conn.laddr:
                continue  # not bound to an address yet
            if conn.type == socket.SOCK_STREAM:
                if conn.status != psutil.CONN_LISTEN:
                    continue
                protocol = "tcp"
            elif conn.raddr:
                continue  # a connected UDP socket is a client, not a listener
            else:
                protocol = "udp"
            if conn.family == socket.AF_INET6:
                protocol += "6"
            if conn.pid is not None and conn.pid not in names:
                try:
                    names[conn.pid] = psutil.Process(conn.pid).name()
                except psutil.Error:
                    names[conn.pid] = None
            sockets.add(
                ListeningSocket(
                    protocol=protocol,
                    address=conn.laddr.ip,
                    port=conn.laddr.port,
                    process=None if conn.pid is None else names[conn.pid],
                )
            )
        return {"listening": tuple(sorted(sockets, key=lambda s: (s.port, s.protocol, s.address)))}

    _READERS: Mapping[Category, Callable[[HostProbe], dict[str, object]]] = {
        Category.CPU: _read_cpu,
        Category.CPU_PER_CORE: _read_cpu_per_core,
        Category.CPU_FREQUENCY: _read_cpu_frequency,
        Category.LOAD: _read_load,
        Category.MEMORY: _read_memory,
        Category.SWAP: _read_swap,
        Category.BOOT: _read_boot,
        Category.PROCESS_COUNT: _read_process_count,
        Category.TEMPERATURES: _read_temperatures,
        Category.FANS: _read_fans,
        Category.BATTERY: _read_battery,
        Category.THROTTLE: _read_throttle,
        Category.PRESSURE: _read_pressure,
        Category.NETWORK: _read_network,
        Category.TOP_PROCESSES: _read_top_processes,
        Category.LISTENING_PORTS: _read_listening_ports,
        Category.FILESYSTEMS: _read_filesystems,
        Category.DISK_IO: _read_disk_io,
    }


def read_machine_id(etc_root: Path = Path("/etc")) -> str:
    """The machine's stable identity: systemd/dbus machine-id, else hostname."""
    for path in (etc_root / "machine-id", etc_root.parent / "var" / "lib" / "dbus" / "machine-id"):
        try:
            value = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if value:
            return value
    return f"host-{socket.gethostname()}"


@dataclass(frozen=True, slots=True)
class HostInfo:
    """What the machine is, for its device card."""

    hostname: str
    manufacturer: str | None
    model: str | None
    operating_system: str | None
    kernel: str


# What firmware writes where the board's maker filled nothing in (an ASRock board: "To Be Filled By O.E.M.").
DMI_PLACEHOLDERS = frozenset(
    {
        "", "to be filled by o.e.m.", "to be filled by oem", "default string", "system manufacturer",
        "system product name", "o.e.m.", "oem", "not specified", "not applicable", "none", "system version",
    }
)  # fmt: skip


def plain_dmi(value: str | None) -> str | None:
    """A DMI string, or None where it is a placeholder."""
    return None if value is None or value.strip().lower() in DMI_PLACEHOLDERS else value.strip()


def read_host_info(sysfs_root: Path = Path("/sys"), etc_root: Path = Path("/etc")) -> HostInfo:
    """Hostname, DMI vendor/model (or the device-tree model on ARM boards),
    OS name and kernel release.
    """
    dmi = sysfs_root / "class" / "dmi" / "id"

    def dmi_value(name: str) -> str | None:
        return plain_dmi(read_text(dmi / name))

    model = dmi_value("product_name") or dmi_value("board_name")
    if model is None:
        tree_model = read_text(sysfs_root / "firmware" / "devicetree" / "base" / "model")
        model = tree_model.rstrip("\x00") if tree_model else None
    operating_system = None
    os_release = read_text(etc_root / "os-release")
    for line in (os_release or "").splitlines():
        key, _, value = line.partition("=")
        if key == "PRETTY_NAME":
            operating_system = value.strip().strip('"') or None
    return HostInfo(
        hostname=socket.gethostname(),
        manufacturer=dmi_value("sys_vendor") or dmi_value("board_vendor"),
        model=model,
        operating_system=operating_system,
        kernel=os.uname().release,
    )
