"""Run in the guest (tests/guest.py): every disk read by both readers, printed as JSON.

``python -m tests.guest_read [--self-test DEVICE]``: the kernel reader's
scan and readings (or the error each disk gave), with every command's answer
recorded; the smartctl reader's readings of the same disks; and smartctl's own
``--json -x`` of each disk it can open. With ``--self-test``, the kernel
reader first starts a short self-test of that disk, as the Disks monitor's
button does.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from enum import Enum
import importlib.util
import json
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

# The probes as a package of their own: importing them through custom_components.homesentry would import Home
# Assistant first, minutes of a TCG guest's time; they import nothing of it (tests/test_repository.py).
_PROBES = Path(__file__).resolve().parent.parent / "custom_components" / "homesentry" / "probes"
_spec = importlib.util.spec_from_file_location(
    "probes", _PROBES / "__init__.py", submodule_search_locations=[str(_PROBES)]
)
assert _spec is not None
assert _spec.loader is not None
sys.modules["probes"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sys.modules["probes"])

from probes.kernel_smart import KernelNotPermitted, KernelSmartReader  # noqa: E402
from probes.passthrough import KernelTransport, Recorder  # noqa: E402
from probes.smart import ScanEntry, SmartctlError, SmartReader  # noqa: E402
from probes.smart_health import predict  # noqa: E402


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    raise TypeError(repr(value))


def _read_all(reader: Any, entries: list[ScanEntry]) -> dict[str, Any]:
    readings: dict[str, Any] = {}
    for entry in entries:
        try:
            reading = reader.read(entry)
        except KernelNotPermitted as err:
            readings[entry.path] = {"error": type(err).__name__, "need": err.need, "message": str(err)}
            continue
        except SmartctlError as err:
            readings[entry.path] = {"error": type(err).__name__, "message": str(err)}
            continue
        readings[entry.path] = None if reading is None else {**asdict(reading), "verdict": predict(reading).verdict}
    return readings


def bench(runs: int) -> dict[str, dict[str, float]]:
    """Each reader's wall time for one read of each drive (medians of ``runs``, ms); smartctl's includes its fork."""
    smartctl = shutil.which("smartctl") or "/usr/sbin/smartctl"
    readers = {"kernel": KernelSmartReader(), "smartctl": SmartReader(smartctl)}
    times: dict[str, dict[str, float]] = {}
    for entry in (ScanEntry("/dev/nvme0", "nvme"), ScanEntry("/dev/sda", "sat")):
        for name, reader in readers.items():
            reader.read(entry)  # warm: the first read pays for caches
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                reader.read(entry)
                samples.append((time.perf_counter() - started) * 1000)
            times.setdefault(entry.path, {})[name] = statistics.median(samples)
    return times


def main() -> None:
    """Read, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--self-test")
    parser.add_argument("--kernel-only", action="store_true")
    parser.add_argument("--record-smartctl", help="a folder: keep what smartctl answers, for smartctl_replay.py")
    parser.add_argument("--bench", type=int, default=0, help="time this many reads of each drive by each reader")
    arguments = parser.parse_args()
    if arguments.bench:
        print(json.dumps(bench(arguments.bench)))
        return
    recorder = Recorder(KernelTransport())
    kernel = KernelSmartReader(transport=recorder)
    entries = kernel.scan()
    out: dict[str, Any] = {"scan": [[e.path, e.device_type] for e in entries]}
    if arguments.self_test:
        entry = next(e for e in entries if e.path == arguments.self_test)
        try:
            out["self_test"] = kernel.start_short_test(entry)
        except SmartctlError as err:
            out["self_test"] = f"{type(err).__name__}: {err}"
    out["kernel"] = _read_all(kernel, entries)
    out["recording"] = recorder.answers
    smartctl = shutil.which("smartctl") or "/usr/sbin/smartctl"
    if arguments.record_smartctl:
        folder = Path(arguments.record_smartctl)
        folder.mkdir(parents=True, exist_ok=True)
        shim = folder / "smartctl"
        recorder_script = Path(__file__).resolve().parent / "smartctl_record.py"
        shim.write_text(f'#!/bin/sh\nexec {sys.executable} {recorder_script} {folder} {smartctl} "$@"\n')
        shim.chmod(0o755)
        recorded = [e for e in entries if e.device_type in ("nvme", "sat")]
        out["smartctl"] = _read_all(SmartReader(str(shim)), recorded)
        shim.unlink()
    if not arguments.kernel_only:
        out["smartctl_scan"] = [[e.path, e.device_type] for e in SmartReader(smartctl).scan()]
        # The kernel reader's SMART disks, as smartctl opens them: QEMU's IDE disk has no SATA PHY log, by which
        # pySMART tells SAT from SCSI, so it is named as what it is.
        scanned = [e for e in entries if e.device_type in ("nvme", "sat")]
        out["smartctl"] = _read_all(SmartReader(smartctl), scanned)
        out["json"] = {
            e.path: json.loads(
                subprocess.run(
                    [smartctl, "--json", "-x", "-d", e.device_type, e.path], capture_output=True, text=True, check=False
                ).stdout
            )
            for e in scanned
        }
    print(json.dumps(out, default=_plain))


if __name__ == "__main__":
    main()
