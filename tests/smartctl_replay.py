"""A smartctl that answers from recorded outputs (run as: python smartctl_replay.py DIR ARGS...).

DIR holds files named the way pySMART's test dataset names them: "_" plus the
arguments joined by "_", with "/", "\\" and ":" turned into "_" (for example
``_-d_sat_--all__dev_sda``). The replay behaves as smartctl would:

- ``-n standby`` is accepted and dropped (the recordings were made without it);
  when DIR has a file ``asleep`` (or ``asleep_dev_sda`` for /dev/sda alone), a command touching the disk prints
  smartctl's standby message and exits 2, as smartctl does for a sleeping drive;
- ``--scan`` prints DIR's recorded ``--scan``/``--scan-open`` answer; the
  dataset recorded no scan for most devices, so for those the line is built
  from ``device.json`` (and the type ``-d test`` reported) — a test artifice;
- a file ``hang_dev_sda`` makes every command touching /dev/sda hang;
- ``-t short`` prints smartctl's "Testing has begun" answer and adds a file
  ``self-test-started``;
- an unrecorded command prints nothing and exits 1 (an unsupported log).

Every call's arguments are appended to DIR/calls.log.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys
import time

BANNER = (
    "smartctl 7.3 2022-02-28 r5338 [x86_64-linux] (local build)\n"
    "Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
)


def _scan(directory: Path) -> str:
    for name in ("_--scan", "_--scan-open"):
        if (directory / name).is_file():
            return (directory / name).read_text()
    device = json.loads((directory / "device.json").read_text())
    name, device_type = device["name"], device.get("interface")
    if device_type is None:
        test = directory / ("_-d_test_" + re.sub(r"[/\\:]", "_", name))
        opened = [line for line in test.read_text().splitlines() if "opened" in line]
        device_type = opened[-1].split("'")[1]
    return f"{name} -d {device_type} # {name}, {device_type} device\n"


def main(directory: Path, args: list[str]) -> int:
    with (directory / "calls.log").open("a") as log:
        log.write(" ".join(args) + "\n")
    if args[:2] == ["-n", "standby"]:
        args = args[2:]
        disk = re.sub(r"[/\\:]", "_", args[-1]) if args else ""
        if (directory / f"hang{disk}").exists():  # a disk (or bridge) that never answers
            time.sleep(30)
        if (directory / "asleep").exists() or (directory / f"asleep{disk}").exists():
            sys.stdout.write(BANNER + "Device is in STANDBY mode, exit(2)\n")
            return 2
    if args in (["--scan"], ["--scan-open"]):
        sys.stdout.write(_scan(directory))
        return 0
    if "-t" in args:
        (directory / "self-test-started").touch()
        sys.stdout.write(
            BANNER + "=== START OF OFFLINE IMMEDIATE AND SELF-TEST SECTION ===\n"
            'Sending command: "Execute SMART Short self-test routine immediately in off-line mode".\n'
            'Drive command "Execute SMART Short self-test routine immediately in off-line mode" successful.\n'
            "Testing has begun.\nPlease wait 2 minutes for test to complete.\n"
        )
        return 0
    recorded = directory / re.sub(r"[/\\:]", "_", "_" + "_".join(args))
    if not recorded.is_file():
        return 1
    sys.stdout.buffer.write(recorded.read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
