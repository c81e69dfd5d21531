"""Record, in the guest, everything the storage-pool readers read, for one state of the pools.

``pool_record.py DIR`` writes into ``DIR`` (a folder shared with the host):

- ``proc/``: ``/proc/mounts`` and every file of ``/proc/spl/kstat/zfs`` (the
  pools' ``state``, and what node_exporter's zfs collector reads);
- ``sys/fs/btrfs/``: every readable file of the mounted btrfs filesystems,
  with each device's ``size`` from its block device;
- ``zpool/``: what ``zpool`` answers to the reader's commands (JSON, text,
  list), and ``btrfs/<mountpoint>.scrub`` what ``btrfs scrub status -R`` does;
- ``bin/zpool``: a stand-in that answers what ``zpool/`` holds
  (tests/zpool_replay.py), so what This server's reader and the Remote
  server's collector see is the same answer;
- ``textfile/``: the Remote server's textfile collectors, run here as on a
  real machine with the machine's own Python (``/usr/bin/python3``):
  HomeSentry's ``zfs.py`` (over ``bin/zpool``) and Debian's ``btrfs_stats.py``.

The host replays ``zpool/`` through a stand-in ``zpool`` and serves the rest
through the real node_exporter (tests/test_pools.py).
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
ZFS_SCRIPT = ROOT / "custom_components" / "homesentry" / "probes" / "zfs.py"
BTRFS_STATS = Path("/usr/share/prometheus-node-exporter-collectors/btrfs_stats.py")
COMMANDS = {
    "status-json": ["status", "-jp", "--json-int"],
    "status-text": ["status", "-p"],
    "list": ["list", "-Hp", "-o", "name,size,allocated,free,fragmentation,health"],
}


def copy_tree(source: Path, target: Path) -> None:
    """Every readable regular file under ``source`` (sysfs and procfs files cannot be copied as files)."""
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            text = path.read_bytes()
        except OSError:
            continue  # write-only (sysfs attributes such as scrub_speed_max on some kernels)
        (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
        (target / path.relative_to(source)).write_bytes(text)


def main(folder: Path) -> None:
    """Record the present state into ``folder``."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "proc").mkdir(parents=True)
    (folder / "proc" / "mounts").write_text(Path("/proc/mounts").read_text())
    if Path("/proc/spl/kstat/zfs").is_dir():
        copy_tree(Path("/proc/spl/kstat/zfs"), folder / "proc" / "spl" / "kstat" / "zfs")
    btrfs = folder / "sys" / "fs" / "btrfs"
    for filesystem in sorted(Path("/sys/fs/btrfs").glob("*-*-*-*-*")):
        target = btrfs / filesystem.name
        for part in ("label", "devinfo", "allocation"):
            source = filesystem / part
            if source.is_dir():
                copy_tree(source, target / part)
            elif source.is_file():
                target.mkdir(parents=True, exist_ok=True)
                (target / part).write_bytes(source.read_bytes())
        for device in sorted((filesystem / "devices").iterdir()):
            (target / "devices" / device.name).mkdir(parents=True, exist_ok=True)
            (target / "devices" / device.name / "size").write_text((device / "size").read_text())
    zpool = folder / "zpool"
    zpool.mkdir()
    for name, arguments in COMMANDS.items():
        done = subprocess.run(["zpool", *arguments], capture_output=True, text=True, check=False)
        (zpool / f"{name}.out").write_text(done.stdout)
        (zpool / f"{name}.rc").write_text(str(done.returncode))
    scrubs = {}
    for line in Path("/proc/mounts").read_text().splitlines():
        parts = line.split()
        if parts[2] == "btrfs":
            done = subprocess.run(["btrfs", "scrub", "status", "-R", parts[1]], capture_output=True, text=True,
                                  check=False)  # fmt: skip
            scrubs[parts[1]] = done.stdout
    (folder / "btrfs-scrub.json").write_text(json.dumps(scrubs))
    stand_in = folder / "bin" / "zpool"
    stand_in.parent.mkdir()
    stand_in.write_text(f'#!/bin/sh\nexec {sys.executable} {ROOT / "tests" / "zpool_replay.py"} {zpool} "$@"\n')
    stand_in.chmod(0o755)
    textfile = folder / "textfile"
    textfile.mkdir()
    subprocess.run(["/usr/bin/python3", str(ZFS_SCRIPT), "--zpool", str(stand_in), "--procfs", str(folder / "proc"),
                    "--output", str(textfile / "zpool.prom")], check=True)  # fmt: skip
    stats = subprocess.run(["/usr/bin/python3", str(BTRFS_STATS)], capture_output=True, text=True, check=True)
    (textfile / "btrfs_stats.prom").write_text(stats.stdout + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
