"""Real ZFS and btrfs pools in the guest kernel, driven through their faults and recorded at each.

One guest boot (tests/guest.py, four more SATA disks) runs OpenZFS (built
for the guest's kernel by zfs-dkms: .ci/zfs) and btrfs. A ZFS mirror
``tank`` over ``pool0``/``pool1`` and a btrfs raid1 ``hsdata`` over
``pool2``/``pool3`` go through the states below; after each,
tests/pool_record.py records what the readers read. :func:`record_states`
returns the folder of each state, for the tests to replay on the host.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import shutil
import sys

import pytest

from tests.guest import Guest, booted

HERE = Path(__file__).resolve().parent
BTRFS_MOUNT = "/tmp/hs-btrfs"  # the guest's own /tmp: its root is read-only
TANK_MOUNT = "/tmp/hs-tank"
POOL_DISKS = (1536, 1536, 128, 128)  # MiB (sparse): ZFS's two, large enough to fill to 90 % past its slop; btrfs's two

# In the order they are driven; each starts from the one before.
STATES = ("healthy", "scrubbing", "degraded", "checksum", "full", "btrfs_errors", "btrfs_degraded", "exported")


def need_zfs() -> None:
    """OpenZFS for the guest's kernel (.ci/zfs); skipped without it, a failure where CI requires peers."""
    from tests.guest import kernel, need_guest

    need_guest()
    image = kernel()
    version = image.name.removeprefix("vmlinuz-") if image else ""
    modules = Path("/lib/modules") / version / "updates" / "dkms"
    missing = [what for what, there in (("zpool (zfsutils-linux)", shutil.which("zpool")),
                                        ("mkfs.btrfs (btrfs-progs)", shutil.which("mkfs.btrfs")),
                                        (f"zfs.ko for {version} (zfs-dkms)", list(modules.glob("zfs.ko*"))))
               if not there]  # fmt: skip
    if missing:
        import os

        message = f"the pool tests need {', '.join(missing)}: run .ci/zfs"
        if os.environ.get("HOMESENTRY_REQUIRE_PEERS") == "1":
            pytest.fail(message)
        pytest.skip(message)


class Pools:
    """The guest's pools, driven by shell commands."""

    def __init__(self, guest: Guest, out: Path) -> None:
        """Pools in ``guest``, recorded under ``out`` (inside the guest's shared folder)."""
        self.guest = guest
        self.out = out

    def sh(self, script: str, timeout: float = 300.0) -> str:
        """Run a shell script in the guest; its output (a failure raises, with what it said)."""
        ran = self.guest.run("/bin/sh", "-ec", script, timeout=timeout)
        if ran.returncode != 0:
            raise RuntimeError(f"guest: {script!r} failed ({ran.returncode}): {ran.stdout}{ran.stderr}")
        return ran.stdout

    def disk(self, number: int) -> str:
        """The /dev name of pool disk ``number``: on AHCI port number + 1, libata's ata<number + 2>."""
        return self.sh(
            f"for d in /sys/block/sd*; do readlink -f $d | grep -q /ata{number + 2}/ && basename $d; done; true"
        ).strip()

    def throttle(self, iops: int) -> None:
        """Limit both ZFS members to ``iops`` I/Os a second (0: no limit)."""
        for drive in ("hspool0", "hspool1"):
            self.guest.qmp("block_set_io_throttle", device=drive, bps=0, bps_rd=0, bps_wr=0, iops=iops, iops_rd=0,
                           iops_wr=0)  # fmt: skip

    def record(self, state: str) -> Path:
        """Record the present state."""
        folder = self.out / state
        ran = self.guest.python(str(HERE / "pool_record.py"), str(folder))
        if ran.returncode != 0:
            raise RuntimeError(f"recording {state}: {ran.stdout}{ran.stderr}")
        return folder


def _drive(pools: Pools) -> dict[str, Path]:
    d0, d1, d2, d3 = (pools.disk(n) for n in range(4))
    recorded: dict[str, Path] = {}
    steps: dict[str, Callable[[], object]] = {
        "healthy": lambda: pools.sh(
            "modprobe zfs; modprobe btrfs;"
            f"zpool create -f -O mountpoint={TANK_MOUNT} -O compression=off tank mirror {d0} {d1};"
            f"dd if=/dev/urandom of={TANK_MOUNT}/data bs=1M count=24 status=none; sync; zpool scrub -w tank;"
            f"mkfs.btrfs -q -f -L hsdata -d raid1 -m raid1 /dev/{d2} /dev/{d3}; mkdir -p {BTRFS_MOUNT};"
            f"btrfs device scan /dev/{d2} /dev/{d3} >/dev/null; mount -t btrfs /dev/{d2} {BTRFS_MOUNT};"
            f"dd if=/dev/urandom of={BTRFS_MOUNT}/data bs=1M count=24 status=none; sync;"
            f"btrfs scrub start -B {BTRFS_MOUNT} >/dev/null"
        ),
        # Both members slowed to a few I/Os a second (QEMU's throttle): the scrub is caught running.
        "scrubbing": lambda: (pools.throttle(8), pools.sh("zpool scrub tank; sleep 4")),
        "degraded": lambda: (pools.throttle(0), pools.sh(f"zpool scrub -s tank || true; zpool offline tank {d1}")),
        # Back online, then one member's data overwritten behind ZFS's back: the scrub finds and mends it.
        "checksum": lambda: pools.sh(
            f"zpool online tank {d1}; zpool wait -t resilver tank; zpool export tank;"
            f"dd if=/dev/zero of=/dev/{d0} bs=4M seek=1 count=200 conv=notrunc status=none; sync;"  # past the labels
            f"zpool import -d /dev tank; zpool scrub -w tank"
        ),
        # Filled until ZFS refuses (it keeps 128 MiB back: 91 % of these 1.4 GiB); zeros, unchecksummed: fast under TCG.
        "full": lambda: pools.sh(
            "zfs create -o checksum=off tank/fill;"
            f"dd if=/dev/zero of={TANK_MOUNT}/fill/zeros bs=4M status=none || true;"
            f"sync; sleep 6"  # the pool's space accounting follows its transaction groups (every 5 s)
        ),
        # One btrfs member's data overwritten behind btrfs's back; the scrub counts and mends it.
        "btrfs_errors": lambda: pools.sh(
            f"umount {BTRFS_MOUNT}; dd if=/dev/urandom of=/dev/{d3} bs=1M seek=16 count=80 conv=notrunc status=none;"
            f"sync; btrfs device scan /dev/{d2} /dev/{d3} >/dev/null; mount -t btrfs /dev/{d2} {BTRFS_MOUNT};"
            f"btrfs scrub start -B {BTRFS_MOUNT} >/dev/null || true"
        ),
        # One btrfs member gone from the machine: the filesystem is mounted with -o degraded.
        "btrfs_degraded": lambda: pools.sh(
            f"umount {BTRFS_MOUNT}; echo 1 > /sys/block/{d3}/device/delete; sleep 1;"
            f"btrfs device scan --forget || true; mount -t btrfs -o degraded /dev/{d2} {BTRFS_MOUNT}"
        ),
        "exported": lambda: pools.sh("zpool export tank"),
    }
    for state in STATES:
        steps[state]()
        recorded[state] = pools.record(state)
    return recorded


def record_states(folder: Path) -> dict[str, Path]:
    """Boot a guest with four pool disks, drive the pools through :data:`STATES`; each state's recording."""
    need_zfs()
    with booted(folder, pool_disks=POOL_DISKS) as guest:
        return _drive(Pools(guest, guest.shared / "states"))


if __name__ == "__main__":  # by hand: python -m tests.pools_guest DIR
    print(record_states(Path(sys.argv[1])))
