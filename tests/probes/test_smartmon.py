"""SMART of another machine: the real smartmon textfile collectors, through a real node_exporter, judged here.

The same recorded drives are read by the local SMART reader (pySMART over the
replay smartctl) and by Debian's smartmon.sh and smartmon.py (over the shim
in tests/smartmon_smartctl.sh), whose textfile a real node_exporter serves:
the disks must get the same verdicts and the same readings, except where the
collectors export less (listed in each test).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import urllib.request

import pytest
import pytest_socket

from custom_components.homesentry.probes.node_exporter import parse, smartmon_disks
from custom_components.homesentry.probes.smart import DiskReading, ScanEntry, SmartReader
from custom_components.homesentry.probes.smart_health import Verdict, predict

from ..peers import NodeExporter
from ..smart_corpus import corpus_smartctl, device_type, reports
from ..smartmon import COLLECTORS, smartmon, smartmon_machine
from ..test_disks import DISKS, machine

SCRIPTS = ("smartmon.sh", "smartmon.py")


def served(tmp_path: Path, *textfiles: str) -> str:
    """The exposition of a real node_exporter whose textfile collector holds ``textfiles`` (one machine's parts)."""
    directory = tmp_path / "textfiles"
    directory.mkdir(exist_ok=True)
    for n, text in enumerate(textfiles):
        lines = text.splitlines()
        if n:  # each part names the smartctl version: the exporter takes one series of it
            lines = [line for line in lines if "smartctl_version" not in line]
        (directory / f"smartmon-{n}.prom").write_text("\n".join(lines) + "\n")
    exporter = NodeExporter(Path("/sys"), textfiles=directory).start()
    try:
        with urllib.request.urlopen(f"{exporter.url}/metrics", timeout=10) as answer:
            return str(answer.read().decode())
    finally:
        exporter.stop()


def local_readings(tmp_path: Path) -> dict[str, DiskReading]:
    reader = SmartReader(machine(tmp_path / "replay", DISKS))
    readings = {}
    for path, (_, kind) in DISKS.items():
        reading = reader.read(ScanEntry(path, kind))
        assert reading is not None
        readings[path] = reading
    return readings


def recordings() -> dict[str, tuple[Path, str]]:
    """The same drives, each path answered by its recorded ``--all`` report."""
    return {path: (next(source.glob("_*--all*")), device_type) for path, (source, device_type) in DISKS.items()}


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_collector_s_disks_get_the_local_verdicts(script: str, tmp_path: Path, socket_enabled: None) -> None:
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    textfile = smartmon(smartmon_machine(tmp_path / "machine", recordings()), script)
    remote = smartmon_disks(parse(served(tmp_path, textfile)))
    local = local_readings(tmp_path)

    # The two ATA drives: the same key, readings and verdict, with the same findings but the past ones.
    for path in ("/dev/sg2", "/dev/sda"):
        theirs, mine = remote[path].reading, local[path]
        assert theirs is not None
        assert theirs.key == mine.key
        assert (theirs.model, theirs.serial, theirs.firmware) == (mine.model, mine.serial, mine.firmware)
        assert (theirs.temperature, theirs.power_on_hours, theirs.power_cycles) == (
            mine.temperature,
            mine.power_on_hours,
            mine.power_cycles,
        )
        for number in (5, 187, 197, 198, 199):
            assert theirs.count(number) == mine.count(number), (path, number)
        their_prediction, my_prediction = predict(theirs), predict(mine)
        assert their_prediction.verdict == my_prediction.verdict
        assert their_prediction.failure_rate == my_prediction.failure_rate
        # smartmon.sh prints raw values with %e (seven digits): a packed one (this Seagate's 188 holds three
        # counters, 287767265476) loses the fields, so its count is not judged; smartmon.py prints it whole.
        unseen = {"188 Command_Timeout"} if (script, path) == ("smartmon.sh", "/dev/sda") else set()
        mine_found = {f.source for f in my_prediction.findings}
        assert {f.source for f in their_prediction.findings} == mine_found - unseen, path
        assert remote[path].read_at is not None
    assert predict(remote["/dev/sda"].reading).verdict is Verdict.FAILED  # type: ignore[arg-type]
    assert predict(remote["/dev/sg2"].reading).verdict is Verdict.OK  # type: ignore[arg-type]

    # NVMe: smartmon.sh exports its self-assessment alone (PASSED here: ok, as locally); smartmon.py nothing.
    if script == "smartmon.sh":
        nvme = remote["/dev/nvme0"].reading
        assert nvme is not None
        assert (nvme.passed, nvme.nvme, predict(nvme).verdict) == (True, None, predict(local["/dev/nvme0"]).verdict)
    else:
        assert "/dev/nvme0" not in remote


def _exported_names() -> list[str]:
    """The attribute names smartmon.sh keeps (its list, matched anywhere in the lowercased name)."""
    script = (COLLECTORS / "smartmon.sh").read_text()
    return script.split("<<'SMARTMONATTRS'")[1].split("SMARTMONATTRS")[0].split()


def _chosen(readings: dict[Path, DiskReading]) -> list[Path]:
    """The reports to run through smartmon.sh (it takes ~0.2 s a drive, so not all 4,273 in the suite).

    Of the ATA reports: every one the local reader finds a problem with,
    every one whose judged attribute holds packed or split raw values (where
    the collector reads them otherwise), and every 30th besides. Of the NVMe
    reports, whose health log smartmon.sh does not export (only their
    self-assessment): every 5th with a local problem, and every 100th.
    """
    chosen = []
    for n, (report, reading) in enumerate(readings.items()):
        judged = [reading.attributes[a] for a in (5, 10, 184, 187, 188, 196, 197, 198) if a in reading.attributes]
        risky = any(len(a.raw.split()) > 1 or (a.raw_value or 0) >= 1 << 32 for a in judged)
        problem = predict(reading).verdict is not Verdict.OK
        if reading.nvme is not None:
            if (problem and n % 5 == 0) or n % 100 == 0:
                chosen.append(report)
        elif problem or risky or n % 30 == 0:
            chosen.append(report)
    return chosen


def _why_unseen(source: str, reading: DiskReading, exported: list[str]) -> str | None:
    """Why a local finding has no counterpart through smartmon.sh; None if nothing explains it."""
    if reading.nvme is not None:
        return "NVMe health log (smartmon.sh exports the self-assessment alone)"
    number, _, name = source.partition(" ")
    attribute = reading.attributes.get(int(number)) if number.isdigit() else None
    if attribute is None:
        return None
    if not any(word in name.lower().replace("-", "_") for word in exported):
        return "attribute not in smartmon.sh's list"
    if attribute.when_failed.lower() == "in_the_past":
        return "past failure of a pre-fail attribute (the type column is not exported)"
    if len(attribute.raw.split()) > 1:
        return "split raw value (smartmon.sh reads its first number)"
    if (attribute.raw_value or 0) >= float(f"{1 << 32:e}"):  # what %e makes of 2^32 and up
        return "raw value of 2^32 or about it: packed fields, rounded by %e"
    return None


def test_the_corpus_s_drives_get_the_local_verdicts_through_smartmon(
    tmp_path: Path, socket_enabled: None, record_property: pytest.RecordProperty
) -> None:
    """The SMART corpus through the real smartmon.sh and node_exporter: never a worse verdict than the local
    one, and every milder one explained by what smartmon.sh does not export."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    reader = SmartReader(corpus_smartctl(tmp_path))

    def local(report: Path) -> DiskReading:
        reading = reader.read(ScanEntry(str(report), device_type(report)))
        assert reading is not None
        return reading

    files = reports()
    with ThreadPoolExecutor(4) as pool:
        readings = dict(zip(files, pool.map(local, files), strict=True))
    chosen = {f"/dev/disk{n}": report for n, report in enumerate(_chosen(readings))}
    machines = [
        smartmon_machine(
            tmp_path / f"machine{part}", {p: (r, device_type(r)) for p, r in list(chosen.items())[part::2]}
        )
        for part in (0, 1)
    ]  # the drives split in two, each half read by its own smartmon.sh at the same time
    with ThreadPoolExecutor(2) as pool:
        remote = smartmon_disks(parse(served(tmp_path, *pool.map(smartmon, machines))))
    exported = _exported_names()

    outcomes: Counter[str] = Counter()
    for path, report in chosen.items():
        mine, theirs = readings[report], remote[path].reading
        assert theirs is not None, report
        my_prediction, their_prediction = predict(mine), predict(theirs)
        rank = [Verdict.OK, Verdict.WARNING, Verdict.FAILED]
        assert rank.index(their_prediction.verdict) <= rank.index(my_prediction.verdict), report  # no false alarm
        # smartmon prints attribute names in lowercase (smartctl's own are kept for the judged ones).
        seen = {f.source.lower().replace("-", "_") for f in their_prediction.findings}
        missing = {f.source for f in my_prediction.findings if f.source.lower().replace("-", "_") not in seen}
        for source in missing:
            why = _why_unseen(source, mine, exported)
            assert why is not None, (report, source)
            outcomes[why] += 1
        outcomes["same verdict" if their_prediction.verdict == my_prediction.verdict else "milder verdict"] += 1
    assert outcomes["same verdict"] >= 0.9 * len(chosen)
    record_property("smartmon_corpus", {"drives": len(chosen), **outcomes})
    print(len(chosen), dict(sorted(outcomes.items())))
