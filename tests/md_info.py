"""Debian's md_info.sh textfile collector (prometheus-node-exporter-collectors), run for real.

The script reads ``/dev/md/*`` and each array's ``/sys/devices/virtual/block/<md>/md``;
it runs in a mount namespace of its own where a built ``/dev`` and a built
``block`` directory are bound over those paths, holding the arrays of a
recorded mdstat (level, member count, members). What it prints is the
textfile node_exporter serves.
"""

from __future__ import annotations

from pathlib import Path
import re
import subprocess

from .peers import need, need_root
from .smartmon import COLLECTORS

_ARRAY = re.compile(r"^(?P<name>md\w+) : active (?:\(\S+\) )?(?P<level>raid\d+|linear) (?P<members>.+)$")
_COUNTS = re.compile(r"\[(?P<wanted>\d+)/\d+\]")


def md_machine(directory: Path, mdstat: str) -> Path:
    """The /dev and sysfs block tree of ``mdstat``'s active arrays, as md_info.sh reads them."""
    dev, block = directory / "dev", directory / "block"
    (dev / "md").mkdir(parents=True, exist_ok=True)
    block.mkdir(exist_ok=True)
    lines = mdstat.splitlines()
    for number, line in enumerate(lines):
        found = _ARRAY.match(line)
        if found is None:
            continue
        counts = _COUNTS.search(lines[number + 1]) if number + 1 < len(lines) else None
        wanted = counts["wanted"] if counts is not None else str(len(found["members"].split()))  # raid0: all
        name = found["name"]
        md = block / name / "md"
        md.mkdir(parents=True)
        (dev / "md" / f"{name}_data").symlink_to(f"../{name}")
        layout = "258" if found["level"] == "raid10" else "2"  # near=2 (0x102), or raid5/6 left-symmetric
        for attribute, value in (("layout", layout), ("level", found["level"]), ("metadata_version", "1.2"),
                                 ("raid_disks", wanted)):  # fmt: skip
            (md / attribute).write_text(f"{value}\n")
        for member in found["members"].split():
            disk, _, slot = member.partition("[")
            rd = md / f"rd{slot.split(']')[0]}"
            if "(S)" in member or "(F)" in member or rd.exists():
                continue
            rd.mkdir()
            (rd / "state").write_text("in_sync\n")
            (rd / "block").symlink_to(f"/dev/{disk}")
    return directory


def md_info(machine: Path) -> str:
    """What the real md_info.sh prints for ``machine``'s arrays (nothing without one: it fails on an empty /dev/md)."""
    if not any((machine / "dev" / "md").iterdir()):
        return ""
    program = COLLECTORS / "md_info.sh"
    if not program.is_file():
        need("md_info.sh")  # skipped, or a failure where the peers are required
    need_root()
    bound = (
        f"mount --bind {machine / 'dev'} /dev && mount --bind {machine / 'block'} /sys/devices/virtual/block"
        f" && exec bash {program}"
    )
    command = [need("unshare"), "--mount", "--propagation", "private", "sh", "-c", bound]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
