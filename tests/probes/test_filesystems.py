"""Mounted filesystems: which are watched, and a hung mount that costs only itself."""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import subprocess
import sys
import threading
import time

import pytest

from custom_components.homesentry.probes.filesystems import FilesystemReader, MountTable, list_mounts

from ..peers import need, need_root

# A home server's /proc/self/mountinfo (fields as the kernel writes them; see proc(5)).
MOUNTINFO = """\
22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw
24 22 0:22 / /sys rw,nosuid shared:2 - sysfs sysfs rw
25 22 0:5 / /dev rw,nosuid shared:8 - devtmpfs udev rw,size=8G
26 22 0:25 / /run rw,nosuid shared:13 - tmpfs tmpfs rw,size=1G
27 22 259:1 / /boot/efi rw,relatime shared:30 - vfat /dev/nvme0n1p1 rw
28 22 8:33 / /mnt/media\\040library rw,relatime shared:32 - xfs /dev/sdc1 rw
29 22 0:50 / /mnt/nas rw,relatime shared:40 - nfs4 nas:/export rw,vers=4.2
30 22 0:51 / /mnt/share rw,relatime shared:41 - cifs //nas/share rw
31 22 7:3 / /snap/core22/1380 ro,nodev shared:5 - squashfs /dev/loop3 ro
32 22 0:60 / /var/lib/docker/overlay2/abc/merged rw shared:60 - overlay overlay rw,lowerdir=x
33 22 8:17 /photos /srv/photos rw,relatime shared:31 - xfs /dev/sdb1 rw
34 22 8:17 / /mnt/backup rw,relatime shared:31 - xfs /dev/sdb1 rw
36 22 8:17 / /mnt/backup-again rw,relatime shared:31 - xfs /dev/sdb1 rw
35 22 0:70 / /sys/fs/cgroup rw shared:9 - cgroup2 cgroup2 rw
"""


@pytest.fixture
def mountinfo(tmp_path: Path) -> Path:
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTINFO)
    return path


def test_the_filesystems_a_user_stores_files_on(mountinfo: Path) -> None:
    mounts = list_mounts(mountinfo)
    assert [(m.key, m.path, m.fstype) for m in mounts] == [
        ("root", "/", "ext4"),
        ("boot_efi", "/boot/efi", "vfat"),
        ("mnt_backup", "/mnt/backup", "xfs"),  # sdb1's second mount and its bind mount are left out
        ("mnt_media_library", "/mnt/media library", "xfs"),
        ("mnt_nas", "/mnt/nas", "nfs4"),
        ("mnt_share", "/mnt/share", "cifs"),
    ]
    assert len(list_mounts(mountinfo, everything=True)) == 15


@pytest.fixture
def hang() -> Iterator[threading.Event]:
    """Releases the hung statvfs at the end, so no thread outlives the test."""
    release = threading.Event()
    yield release
    release.set()
    time.sleep(0.1)


def test_a_hung_mount_costs_only_itself(mountinfo: Path, tmp_path: Path, hang: threading.Event) -> None:
    mounts = list_mounts(mountinfo)
    calls: dict[str, int] = {}

    def statvfs(path: str) -> os.statvfs_result:
        calls[path] = calls.get(path, 0) + 1
        if path == "/mnt/nas":
            hang.wait(30)  # an NFS server that stopped answering
        if path == "/mnt/share":
            raise OSError(116, "Stale file handle")
        return os.statvfs(tmp_path)

    reader = FilesystemReader(statvfs, timeout=0.5)
    start = time.monotonic()
    usage, stale = reader.read(mounts)
    assert time.monotonic() - start < 1.5  # one timeout, not one per mount
    assert stale == {"mnt_nas", "mnt_share"}
    assert set(usage) == {"root", "boot_efi", "mnt_backup", "mnt_media_library"}
    expected = os.statvfs(tmp_path)
    root = usage["root"]
    assert root.total == expected.f_blocks * expected.f_frsize
    # Other processes write to this disk meanwhile: a few blocks either way.
    assert root.free == pytest.approx(expected.f_bavail * expected.f_frsize, abs=64 * 2**20)
    assert 0 <= root.percent <= 100

    # Still hung: reported stale at once, and not asked again (no pile of threads).
    start = time.monotonic()
    _, stale = reader.read(mounts)
    assert "mnt_nas" in stale
    assert calls["/mnt/nas"] == 1
    hang.set()
    time.sleep(0.1)
    usage, stale = reader.read(mounts)
    assert "mnt_nas" in usage  # the server answers again
    assert stale == {"mnt_share"}
    reader.close()


def test_the_mount_table_is_parsed_again_only_when_it_changed(mountinfo: Path) -> None:
    table = MountTable(mountinfo)  # a plain file (a built tree): read again when its size or time changes
    first = table.mounts()
    for _ in range(5):
        assert table.mounts() == first
    assert table.reads == 1
    mountinfo.write_text(MOUNTINFO + "37 22 8:49 / /mnt/usb rw,relatime shared:70 - exfat /dev/sdd1 rw\n")
    assert "/mnt/usb" in [m.path for m in table.mounts()]
    assert table.reads == 2


# Run in a mount namespace of its own: the kernel's mountinfo, a filesystem mounted and unmounted meanwhile.
KERNEL_TABLE = """
import json, subprocess, sys, tempfile
from pathlib import Path
from custom_components.homesentry.probes.filesystems import MountTable
table = MountTable(Path("/proc/self/mountinfo"), everything=True)
point = tempfile.mkdtemp()
seen = []
def paths():
    return [m.path for m in table.mounts()]
for _ in range(20):
    before = paths()
seen.append((point in before, table.reads))
subprocess.run(["mount", "-t", "tmpfs", "homesentry-test", point], check=True)
during = paths(); paths(); paths()
seen.append((point in during, table.reads))
subprocess.run(["umount", point], check=True)
after = paths(); paths()
seen.append((point in after, table.reads))
print(json.dumps(seen))
"""


def test_the_kernel_says_when_a_filesystem_is_mounted_or_unmounted() -> None:
    """20 cycles cost one parse; a mount and an unmount each one more, found at the next cycle."""
    need_root()
    done = subprocess.run(
        [need("unshare"), "--mount", "--propagation", "private", sys.executable, "-c", KERNEL_TABLE],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert json.loads(done.stdout) == [[False, 1], [True, 2], [False, 3]]


def test_two_hung_mounts_cost_only_themselves(mountinfo: Path, tmp_path: Path, hang: threading.Event) -> None:
    """Both NFS mounts of a server that stopped answering: each stuck call is left to its worker."""
    mounts = list_mounts(mountinfo)
    workers: set[str] = set()

    def statvfs(path: str) -> os.statvfs_result:
        workers.add(threading.current_thread().name + str(threading.get_ident()))
        if path in ("/mnt/nas", "/mnt/share"):
            hang.wait(30)
        return os.statvfs(tmp_path)

    reader = FilesystemReader(statvfs, timeout=0.3)
    usage, stale = reader.read(mounts)
    assert stale == {"mnt_nas", "mnt_share"}
    assert set(usage) == {"root", "boot_efi", "mnt_backup", "mnt_media_library"}
    assert len(workers) == 2  # the first got stuck on /mnt/nas, a new one asked /mnt/share and got stuck
    for _ in range(3):  # later cycles: the healthy mounts by one worker, the stuck ones not asked again
        usage, stale = reader.read(mounts)
        assert (set(usage), stale) == (
            {"root", "boot_efi", "mnt_backup", "mnt_media_library"},
            {"mnt_nas", "mnt_share"},
        )
    assert len(workers) == 3  # one more worker, kept from cycle to cycle
    hang.set()
    time.sleep(0.1)
    usage, _ = reader.read(mounts)
    assert {"mnt_nas", "mnt_share"} <= set(usage)
    reader.close()
