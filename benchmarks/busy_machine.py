"""A machine for a real node_exporter whose counters move like an idle or a busy server's.

node_exporter reads ``--path.procfs`` and ``--path.sysfs``: here a /proc whose
``stat``, ``net/dev``, ``diskstats``, ``loadavg`` and ``meminfo`` are files a
thread rewrites every second (the rest of the real /proc is linked), beside
the tests' home-server sysfs tree. The thread moves each rate as a level with noise:

- idle: CPU 1-4 % busy, 1-20 kB/s on the wire, the disk 0-2 % busy, 0-0.5
  runnable tasks, memory available 80-81 %; each second's reading within 30 %
  of its level (50 % for the wire and the disk: an idle machine's traffic
  comes in bursts);
- busy: CPU 30-90 % (each core its own), 20-300 Mbit/s received and 5-80
  Mbit/s sent, the disk 10-80 % busy at 5-150 MB/s, 2-8 runnable tasks,
  memory available 20-60 %; each second's reading within 10 % of its level,
  and each level jumps anywhere in its range about every 10 minutes (a
  transfer starts or ends, a job runs).

Levels drift by at most 0.2 % of their range a second; memory available is
read within 0.05 % of its level (a page cache moves by megabytes, not
gigabytes). The load averages are the kernel's: means of the runnable tasks
decaying over 1, 5 and 15 minutes. Seeded: the same run moves the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
from pathlib import Path
import random
import threading

from tests.peers import proc_with
from tests.sysfs_tree import SysfsTree, home_server

CORES = 4
HZ = 100  # /proc/stat's ticks a second
MEMORY_KB = 16 * 1024 * 1024


@dataclass
class Walk:
    """A rate: a level between ``low`` and ``high`` that drifts (``drift`` of the range a second, at most) and
    now and then jumps (``jumps``: the chance a second), read each second with ``noise`` (a share of the level)."""

    low: float
    high: float
    drift: float
    noise: float
    jumps: float
    level: float = 0.0
    value: float = 0.0

    def step(self, rng: random.Random) -> float:
        span = self.high - self.low
        if rng.random() < self.jumps:
            self.level = rng.uniform(self.low, self.high)
        else:
            self.level = min(self.high, max(self.low, self.level + rng.uniform(-1, 1) * self.drift * span))
        self.value = max(0.0, self.level * (1 + rng.uniform(-1, 1) * self.noise))
        return self.value


def _walks(busy: bool) -> dict[str, Walk]:
    jumps = 1 / 600 if busy else 0.0  # a transfer starts or ends, a job runs: every 10 minutes or so

    def walk(low: float, high: float, noise: float = 0.1, drift: float = 0.002) -> Walk:
        middle = (low + high) / 2
        return Walk(low, high, drift, noise, jumps, level=middle, value=middle)

    if not busy:
        return {
            **{f"cpu{n}": walk(0.01, 0.04, noise=0.3) for n in range(CORES)},
            "rx": walk(1e3, 20e3, noise=0.5), "tx": walk(1e3, 10e3, noise=0.5), "disk": walk(0.0, 0.02, noise=0.5),
            "disk_bytes": walk(0.0, 200e3, noise=0.5), "runnable": walk(0.0, 0.5, noise=0.5),
            "available": walk(0.80, 0.81, noise=0.0005),
        }  # fmt: skip
    return {
        **{f"cpu{n}": walk(0.3, 0.9) for n in range(CORES)},
        "rx": walk(20e6 / 8, 300e6 / 8), "tx": walk(5e6 / 8, 80e6 / 8), "disk": walk(0.1, 0.8),
        "disk_bytes": walk(5e6, 150e6), "runnable": walk(2.0, 8.0), "available": walk(0.2, 0.6, noise=0.0005),
    }  # fmt: skip


@dataclass
class BusyMachine:
    """The /proc and /sys of one machine, and the thread that moves its counters."""

    directory: Path
    busy: bool
    seed: int = 1
    sysfs: SysfsTree = field(init=False)
    proc: Path = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.sysfs = home_server(self.directory / "sys")
        self.proc = proc_with(self.directory / "proc")
        (self.proc / "net").unlink()
        (self.proc / "net").mkdir()
        for name in ("stat", "diskstats", "loadavg", "meminfo"):
            (self.proc / name).unlink()
        self._rng = random.Random(self.seed)
        self._walks = _walks(self.busy)
        self._cpu = {n: [0.0, 0.0] for n in range(CORES)}  # busy, idle ticks
        self._net = [0.0, 0.0]
        self._disk = [0.0, 0.0, 0.0]  # sectors read, written, ms busy
        self._load = [self._walks["runnable"].level] * 3  # 1, 5 and 15 minutes
        self._write()

    def start(self) -> BusyMachine:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._advance()
            self._write()

    def _advance(self) -> None:
        rng, walks = self._rng, self._walks
        for n, ticks in self._cpu.items():
            share = walks[f"cpu{n}"].step(rng)
            ticks[0] += HZ * share
            ticks[1] += HZ * (1 - share)
        self._net[0] += walks["rx"].step(rng)
        self._net[1] += walks["tx"].step(rng)
        moved = walks["disk_bytes"].step(rng) / 512
        self._disk[0] += moved * 0.7
        self._disk[1] += moved * 0.3
        self._disk[2] += 1000 * walks["disk"].step(rng)
        runnable = walks["runnable"].step(rng)
        for n, seconds in enumerate((60, 300, 900)):  # the kernel's load averages: decaying means of runnable
            self._load[n] += (runnable - self._load[n]) * (1 - math.exp(-1 / seconds))
        walks["available"].step(rng)

    def _write(self) -> None:
        cores = [f"cpu{n} {int(b)} 0 0 {int(i)} 0 0 0 0 0 0" for n, (b, i) in self._cpu.items()]
        total_busy = int(sum(b for b, _ in self._cpu.values()))
        total_idle = int(sum(i for _, i in self._cpu.values()))
        stat = [f"cpu  {total_busy} 0 0 {total_idle} 0 0 0 0 0 0", *cores, "intr 0", "ctxt 0", "btime 1765000000",
                "processes 1000", "procs_running 2", "procs_blocked 0"]  # fmt: skip
        _replace(self.proc / "stat", "\n".join(stat) + "\n")
        header = (
            "Inter-|   Receive                                                |  Transmit\n"
            " face |bytes    packets errs drop fifo frame compressed multicast|"
            "bytes    packets errs drop fifo colls carrier compressed\n"
        )
        rx, tx = (int(v) for v in self._net)
        _replace(self.proc / "net" / "dev", header + f"  eth0: {rx} 0 0 0 0 0 0 0 {tx} 0 0 0 0 0 0 0\n")
        read, written, busy = (int(v) for v in self._disk)
        _replace(self.proc / "diskstats", f" 259 0 nvme0n1 0 0 {read} 0 0 0 {written} 0 0 {busy} {busy}\n")
        one, five, fifteen = self._load
        _replace(self.proc / "loadavg", f"{one:.2f} {five:.2f} {fifteen:.2f} 2/300 1000\n")
        available = int(MEMORY_KB * self._walks["available"].value)
        _replace(
            self.proc / "meminfo",
            f"MemTotal: {MEMORY_KB} kB\nMemFree: {available // 2} kB\nMemAvailable: {available} kB\n"
            f"SwapTotal: 0 kB\nSwapFree: 0 kB\n",
        )


def _replace(path: Path, text: str) -> None:
    """Write ``text`` whole, so a reader never sees half of it."""
    partial = path.with_suffix(".new")
    partial.write_text(text)
    partial.replace(path)
