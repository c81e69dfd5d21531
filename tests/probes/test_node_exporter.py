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

from custom_components.homesentry.probes.host import Category, HostProbe
from custom_components.homesentry.probes.node_exporter import (
    REMOTE_CATEGORIES,
    NodeProbe,
    NotNodeExporter,
    machine_info,
    parse,
)

from ..peers import NodeExporter
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
