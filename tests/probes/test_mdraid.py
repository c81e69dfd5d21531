"""md RAID arrays parsed from real /proc/mdstat texts (tests/data/mdstat/PROVENANCE.md) and sysfs."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.homesentry.probes.mdraid import ArrayHealth, SyncAction, parse_mdstat, read_arrays

from ..sysfs_tree import write

MDSTAT = Path(__file__).parent.parent / "data" / "mdstat"


def _arrays(name: str) -> dict[str, tuple[object, ...]]:
    arrays = parse_mdstat((MDSTAT / name).read_text())
    return {
        key: (a.level, a.state, a.raid_disks, a.in_sync, a.sync_action, a.sync_progress, a.health)
        for key, a in arrays.items()
    }


# name: {array: (level, state, raid disks, in sync, sync action, progress %, health)}
EXPECTED = {
    "raid1_raid10_check.txt": {
        "md125": ("raid10", "clean", 4, 4, SyncAction.IDLE, None, ArrayHealth.OK),
        "md126": ("raid1", "checking", 2, 2, SyncAction.CHECK, 57.1, ArrayHealth.OK),
        "md127": ("raid1", "clean", 2, 2, SyncAction.IDLE, None, ArrayHealth.OK),
    },
    "raid1_resync.txt": {"md0": ("raid1", "resyncing", 2, 2, SyncAction.RESYNC, 23.4, ArrayHealth.PROBLEM)},
    "raid1_recovery.txt": {
        "md2": ("raid1", "recovering", 2, 1, SyncAction.RECOVER, 0.0, ArrayHealth.PROBLEM),
        "md0": ("raid1", "clean", 2, 2, SyncAction.IDLE, None, ArrayHealth.OK),
    },
    "raid5_failed_member_spare_in.txt": {"md0": ("raid5", "clean", 3, 3, SyncAction.IDLE, None, ArrayHealth.PROBLEM)},
    "raid5_recovery.txt": {"md0": ("raid5", "recovering", 5, 4, SyncAction.RECOVER, 4.7, ArrayHealth.PROBLEM)},
    "raid6_two_missing_recovery.txt": {
        "md2000": ("raid6", "recovering", 8, 6, SyncAction.RECOVER, 0.8, ArrayHealth.PROBLEM)
    },
    "raid5_reshape_synology.txt": {
        "md2": ("raid5", "reshaping", 3, 3, SyncAction.RESHAPE, 22.2, ArrayHealth.PROBLEM),
        "md1": ("raid1", "clean", 4, 4, SyncAction.IDLE, None, ArrayHealth.OK),
        "md0": ("raid1", "clean", 4, 4, SyncAction.IDLE, None, ArrayHealth.OK),
    },
    "raid5_reshape_degraded.txt": {"md0": ("raid5", "degraded", 3, 2, SyncAction.RESHAPE, 0.0, ArrayHealth.PROBLEM)},
    "raid10_reshape.txt": {"md127": ("raid10", "reshaping", 6, 6, SyncAction.RESHAPE, 52.0, ArrayHealth.PROBLEM)},
    "imsm_container_inactive.txt": {
        "md125": ("raid1", "clean", 2, 2, SyncAction.IDLE, None, ArrayHealth.OK),
        "md126": ("raid0", "clean", 2, 2, SyncAction.IDLE, None, ArrayHealth.OK),
        "md127": (None, "inactive", None, None, SyncAction.IDLE, None, ArrayHealth.PROBLEM),
    },
    "raid1_pending_and_check.txt": {
        "md126": ("raid1", "clean", 2, 2, SyncAction.PENDING, None, ArrayHealth.OK),
        "md127": ("raid1", "checking", 2, 2, SyncAction.CHECK, 7.1, ArrayHealth.OK),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_mdstat_texts(name: str) -> None:
    assert _arrays(name) == EXPECTED[name]


def test_members_problems_and_flags() -> None:
    arrays = parse_mdstat((MDSTAT / "raid5_failed_member_spare_in.txt").read_text())
    md0 = arrays["md0"]
    assert md0.failed_members == ("sdd",)
    assert md0.problems == ("failed member: sdd",)
    assert [m.name for m in md0.members] == ["sdd", "sdc", "sdb", "sda"]

    container = parse_mdstat((MDSTAT / "imsm_container_inactive.txt").read_text())
    assert container["md127"].spares == ("sdb", "sda")
    assert container["md127"].problems == ("inactive",)
    assert container["md125"].read_only

    raid6 = parse_mdstat((MDSTAT / "raid6_two_missing_recovery.txt").read_text())["md2000"]
    assert (raid6.missing, raid6.failed) == (2, False)  # raid6 survives two
    assert raid6.problems == ("degraded", "recover")
    resync = parse_mdstat((MDSTAT / "raid1_resync.txt").read_text())["md0"]
    assert resync.problems == ("resync",)


def test_failed_arrays_by_level() -> None:
    text = (
        "Personalities : [raid1] [raid5]\n"
        "md0 : active raid5 sdc1[2] sda1[0]\n"
        "      1953382400 blocks super 1.2 level 5, 512k chunk, algorithm 2 [4/2] [U_U_]\n"
        "md1 : active raid1 sdb1[1](F)\n"
        "      976630464 blocks super 1.2 [2/0] [__]\n"
        "md2 : active raid0 sda3[0] sdb3[1]\n"
        "      2925532672 blocks 64k chunks\n"
        "unused devices: <none>\n"
    )
    arrays = parse_mdstat(text)
    assert (arrays["md0"].state, arrays["md0"].problems) == ("failed", ("failed",))
    assert (arrays["md1"].state, arrays["md1"].problems) == ("failed", ("failed", "failed member: sdb1"))
    assert (arrays["md2"].state, arrays["md2"].health) == ("clean", ArrayHealth.OK)


def test_sysfs_refines_mdstat(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    write(proc / "mdstat", (MDSTAT / "raid1_raid10_check.txt").read_text())
    md126 = tmp_path / "sys" / "block" / "md126" / "md"
    write(md126 / "array_state", "clean")
    write(md126 / "sync_action", "check")
    write(md126 / "sync_completed", "468416 / 818176")
    write(md126 / "mismatch_cnt", "128")
    write(md126 / "raid_disks", "2")
    write(md126 / "degraded", "0")
    md127 = tmp_path / "sys" / "block" / "md127" / "md"
    write(md127 / "array_state", "inactive")
    write(md127 / "sync_action", "idle")
    write(md127 / "sync_completed", "none")

    arrays = read_arrays(proc, tmp_path / "sys")
    assert arrays["md126"].sync_progress == 57.3  # from sysfs, finer than mdstat's 57.1
    assert (arrays["md126"].mismatch_count, arrays["md126"].health) == (128, ArrayHealth.WARNING)
    assert arrays["md127"].state == "inactive"
    assert arrays["md127"].sync_progress is None
    assert arrays["md125"].mismatch_count is None  # no sysfs directory: mdstat alone
    assert read_arrays(tmp_path / "nothing", tmp_path / "sys") == {}
