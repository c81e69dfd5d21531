"""node_exporter's /metrics into the host snapshot, against a real node_exporter (Debian's prometheus-node-exporter).

The central check: node_exporter serving the same built sysfs tree (conftest's
``sysfs``, with this machine's real disks; this machine's real /proc and root
filesystem) that the local host probe reads
gives the same snapshot: the same sensors with the same keys, labels, values
and limits, the same filesystems, interfaces and disks, the same memory and
boot time.
"""

from __future__ import annotations

from pathlib import Path
import time
import urllib.request

import pytest
import pytest_socket

from custom_components.homesentry.probes.host import Category, HostProbe
from custom_components.homesentry.probes.mdraid import ArrayHealth, MdArray, SyncAction, parse_mdstat
from custom_components.homesentry.probes.node_exporter import (
    REMOTE_CATEGORIES,
    NodeProbe,
    NotNodeExporter,
    machine_info,
    md_arrays,
    parse,
)

from ..md_info import md_info, md_machine
from ..peers import NodeExporter, proc_with
from ..sysfs_tree import SysfsTree


def scrape(exporter: NodeExporter) -> str:
    with urllib.request.urlopen(f"{exporter.url}/metrics", timeout=5) as answer:
        return str(answer.read().decode())


def test_the_same_machine_gives_the_same_snapshot(sysfs: SysfsTree, node_exporter: NodeExporter) -> None:
    local = HostProbe(sysfs_root=sysfs.root, procfs_root=Path("/proc"), interfaces=["eth0"], sleep=time.sleep)
    remote = NodeProbe()
    local.collect(REMOTE_CATEGORIES)
    remote.snapshot(parse(scrape(node_exporter)), time.monotonic())
    time.sleep(1)
    mine = local.collect(REMOTE_CATEGORIES)
    local.close()  # its filesystems' worker thread ends
    theirs = remote.snapshot(parse(scrape(node_exporter)), time.monotonic())

    # Read from files that do not move: exactly the same.
    assert theirs.temperatures == mine.temperatures
    assert len(theirs.temperatures) == 8
    assert theirs.cpu_temperature == mine.cpu_temperature
    assert theirs.fans == mine.fans
    assert theirs.batteries == mine.batteries
    assert theirs.throttle == mine.throttle
    assert theirs.boot_time == mine.boot_time
    assert theirs.mounts == mine.mounts
    assert set(theirs.filesystems) == set(mine.filesystems)
    for key, usage in mine.filesystems.items():
        assert theirs.filesystems[key].total == usage.total
        assert theirs.filesystems[key].used == pytest.approx(usage.used, rel=0.01)
    assert theirs.disks == mine.disks
    assert set(theirs.disk_io) == set(mine.disk_io)
    # Interfaces are the real /proc's (the tree's eth0 is not there): loopback and virtual ones left out,
    # a rate for each after the second scrape.
    assert "lo" not in theirs.interfaces
    assert not any(name.startswith(("ifb", "veth", "docker")) for name in theirs.interfaces)
    assert set(theirs.network) == set(theirs.interfaces)
    # Live values, read a moment apart.
    assert theirs.memory is not None
    assert mine.memory is not None
    assert theirs.memory.total == mine.memory.total
    assert theirs.memory.used == pytest.approx(mine.memory.used, rel=0.02)
    assert theirs.load is not None
    assert mine.load is not None
    assert theirs.load.one == pytest.approx(mine.load.one, abs=0.5)
    assert theirs.load.fifteen == pytest.approx(mine.load.fifteen, abs=0.1)
    assert abs((theirs.process_count or 0) - (mine.process_count or 0)) <= 20
    assert set(theirs.pressure) == set(mine.pressure)
    assert theirs.cpu_percent is not None
    assert 0.0 <= theirs.cpu_percent <= 100.0
    assert theirs.cpu_per_core is not None
    assert mine.cpu_per_core is not None
    assert len(theirs.cpu_per_core) == len(mine.cpu_per_core)
    # What node_exporter does not export is left out, never made up: this tree has no cpufreq, so the
    # local probe's nominal frequency (from /proc/cpuinfo) has no remote counterpart.
    assert theirs.cpu_frequency_mhz is None
    assert theirs.top_processes is None
    assert theirs.listening is None


def test_who_the_machine_is(node_exporter: NodeExporter) -> None:
    info = machine_info(parse(scrape(node_exporter)))
    uname = Path("/proc/sys/kernel")
    assert info.hostname == (uname / "hostname").read_text().strip()
    assert info.kernel == (uname / "osrelease").read_text().strip()
    assert info.operating_system  # /etc/os-release's PRETTY_NAME


def test_a_counter_that_went_back_gives_no_rate(node_exporter: NodeExporter) -> None:
    """node_exporter or an interface restarted: its counters begin again; no negative or huge rate."""
    probe = NodeProbe()
    first = parse(scrape(node_exporter))
    probe.snapshot(first, 100.0)
    # The same scrape again, every byte and CPU counter smaller (a restart between the two).
    reset = {
        name: {labels: value / 2 for labels, value in values.items()}
        if name.endswith("_total") and name.startswith(("node_cpu_seconds", "node_network", "node_disk"))
        else values
        for name, values in first.items()
    }
    snapshot = probe.snapshot(reset, 130.0)
    assert snapshot.network == {}
    assert snapshot.disk_io == {}
    assert snapshot.cpu_percent is None
    assert snapshot.cpu_per_core is None
    # And the next scrape after the reset has rates again.
    again = probe.snapshot(parse(scrape(node_exporter)), 160.0)
    assert set(again.network) == set(again.interfaces)


def test_the_first_scrape_has_no_rates_yet(node_exporter: NodeExporter) -> None:
    snapshot = NodeProbe().snapshot(parse(scrape(node_exporter)), time.monotonic())
    assert snapshot.cpu_percent is None
    assert snapshot.network == {}
    assert snapshot.disk_io == {}
    assert snapshot.memory is not None  # what one scrape says by itself is there at once
    assert snapshot.collected == REMOTE_CATEGORIES


def test_only_the_wanted_categories_are_made(node_exporter: NodeExporter) -> None:
    snapshot = NodeProbe().snapshot(parse(scrape(node_exporter)), 0.0, {Category.MEMORY, Category.TOP_PROCESSES})
    assert snapshot.collected == {Category.MEMORY}
    assert snapshot.memory is not None
    assert snapshot.temperatures == {}
    assert snapshot.filesystems == {}


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>\n",
        "",
        '# HELP up Whether the target is up.\n# TYPE up gauge\nup{job="x"} 1\n',  # Prometheus, not node_exporter
    ],
    ids=["html", "empty", "another-exporter"],
)
def test_what_is_not_a_node_exporter_is_said_so(text: str) -> None:
    with pytest.raises(NotNodeExporter):
        parse(text)


def test_a_truncated_answer(node_exporter: NodeExporter) -> None:
    """Cut mid-line: not an exposition. Cut at a line's end: the families that came are read, the rest are not."""
    text = scrape(node_exporter)
    at = text.index("\nnode_load1 ") + 1
    with pytest.raises(NotNodeExporter):
        parse(text[: at + len("node_load1 0.")] + "\nnode_load15{")
    partial = parse(text[: text.index("\n", at) + 1])
    snapshot = NodeProbe().snapshot(partial, 0.0)
    assert snapshot.load is None  # node_load5 and node_load15 were cut off: no load, not a made-up one
    assert snapshot.boot_time is not None


MDSTAT = Path(__file__).parent.parent / "data" / "mdstat"
# What node_exporter's mdadm collector does not export, so the remote array differs from the local reading:
# a reshape (it shows the array active and idle: a whole array reshaping looks healthy, a degraded one stays
# degraded), and progress beyond two-member arrays (no level to scale the blocks by).
_RESHAPE_UNSEEN = {"state": "clean", "sync_action": SyncAction.IDLE, "sync_progress": None}
NOT_EXPORTED = {
    ("raid10_reshape.txt", "md127"): _RESHAPE_UNSEEN | {"health": ArrayHealth.OK, "problem": False},
    ("raid5_reshape_synology.txt", "md2"): _RESHAPE_UNSEEN | {"health": ArrayHealth.OK, "problem": False},
    ("raid5_reshape_degraded.txt", "md0"): {"sync_action": SyncAction.IDLE, "sync_progress": None},  # degraded
    ("raid5_recovery.txt", "md0"): {"sync_progress": None},
    ("raid6_two_missing_recovery.txt", "md2000"): {"sync_progress": None},
}


def _seen(array: MdArray) -> dict[str, object]:
    """What the Disks entities show of an array (the array_* sensors, and the problem)."""
    return {
        "state": array.state,
        "health": array.health,
        "sync_action": array.sync_action,
        "sync_progress": array.sync_progress,
        "raid_disks": array.raid_disks,
        "in_sync": array.in_sync,
        "failed_count": array.failed_count,
        "problem": bool(array.problems),
    }


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("with_md_info", [False, True], ids=["mdadm collector", "with md_info.sh"])
@pytest.mark.parametrize("name", sorted(p.name for p in MDSTAT.glob("*.txt")))
def test_md_arrays_read_as_the_local_mdstat_reader_reads_them(name: str, with_md_info: bool, tmp_path: Path) -> None:
    """The real node_exporter reads a recorded mdstat; the Remote server sees the arrays This server would.

    With Debian's md_info.sh beside it (its real output for the same arrays), the level is known, and with it
    every sync's progress, as mdstat prints it to 0.1 %.
    """
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    text = (MDSTAT / name).read_text()
    (tmp_path / "sys").mkdir()  # a machine whose md has no sysfs to add (node_exporter 1.5 reads none)
    textfiles = tmp_path / "textfiles"
    textfiles.mkdir()
    if with_md_info:
        (textfiles / "md_info.prom").write_text(md_info(md_machine(tmp_path / "md", text)))
    exporter = NodeExporter(
        tmp_path / "sys", procfs=proc_with(tmp_path / "proc", mdstat=text), textfiles=textfiles
    ).start()
    try:
        theirs = md_arrays(parse(scrape(exporter)))
    finally:
        exporter.stop()
    mine = parse_mdstat(text)
    assert set(theirs) == set(mine)
    for device, array in mine.items():
        unseen = dict(NOT_EXPORTED.get((name, device), {}))
        if with_md_info and "sync_action" not in unseen:  # the level, hence the progress, of all but a reshape
            unseen.pop("sync_progress", None)
            assert theirs[device].level == array.level, device
        expected = _seen(array) | unseen
        if expected["sync_progress"] is not None:
            progress = expected.pop("sync_progress")
            assert _seen(theirs[device])["sync_progress"] == pytest.approx(progress, abs=0.1 + 1e-9)
            expected["sync_progress"] = _seen(theirs[device])["sync_progress"]
        assert _seen(theirs[device]) == expected, device


def test_md_failed_members_are_counted_and_sysfs_counts_preferred() -> None:
    """node_exporter names no member: a faulty one is counted; 1.6+ adds md's own sysfs counts (recorded lines)."""
    exposition = (
        'node_exporter_build_info{version="1.9.1"} 1\n'
        'node_md_state{device="md0",state="active"} 1\n'
        'node_md_disks{device="md0",state="active"} 3\n'
        'node_md_disks{device="md0",state="failed"} 1\n'
        'node_md_disks_required{device="md0"} 3\n'
        'node_md_raid_disks{device="md0"} 3\n'
        'node_md_degraded{device="md0"} 1\n'
    )
    array = md_arrays(parse(exposition))["md0"]
    assert (array.raid_disks, array.in_sync, array.failed_count, array.state) == (3, 2, 1, "degraded")
    assert array.problems == ("degraded", "failed members: 1")


def test_raid10_progress_needs_md_info_detail_s_layout() -> None:
    """md_info_detail.sh (mdadm --detail, as root) adds the layout; a raid10 of 4 near=2 members syncs 2 members' worth.

    Its lines as the script prints them (labels from mdadm --detail's keys, spaces dropped); mdadm is not run here.
    """
    exposition = (
        'node_exporter_build_info{version="1.5.0"} 1\n'
        'node_md_state{device="md125",state="recovering"} 1\n'
        'node_md_disks_required{device="md125"} 4\n'
        'node_md_disks{device="md125",state="active"} 3\n'
        'node_md_blocks{device="md125"} 1953258496\n'
        'node_md_blocks_synced{device="md125"} 366235968\n'
        'node_md_info{md_device="md125", md_name="data", raid_level="10", md_metadata_version="1.2"} 1\n'
    )
    without_layout = md_arrays(parse(exposition))["md125"]
    assert (without_layout.level, without_layout.sync_progress, without_layout.progress_known) == (
        "raid10",
        None,
        False,
    )
    detail = exposition.replace('md_metadata_version="1.2"}', 'md_metadata_version="1.2", Layout="near=2"}')
    array = md_arrays(parse(detail))["md125"]
    assert (array.sync_progress, array.progress_known) == (37.5, True)  # 366235968 of 976629248 blocks a member
