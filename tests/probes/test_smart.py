"""SMART through pySMART's real subprocess path, replaying recorded smartctl outputs of real devices.

tests/data/pysmart is pySMART 1.4.3's tests/dataset (LGPL-2.1, LICENSE beside
it): 34 devices recorded with smartctl. tests/data/smart_failing holds three
published reports of failing drives (PROVENANCE.md there). The smartctl the
reader runs is tests/smartctl_replay.py behind a shell wrapper, so pySMART
spawns a process, reads its stdout and parses it exactly as on a real host.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
import shutil
import sys

import pytest

from custom_components.homesentry.probes.smart import (
    DiskReading,
    NvmeHealth,
    ScanEntry,
    SelfTestOutcome,
    SmartctlError,
    SmartctlMissing,
    SmartctlUnreadable,
    SmartReader,
    packed_count,
)
from custom_components.homesentry.probes.smart_health import Verdict, afr, predict

from ..smart_corpus import CORPUS, corpus_smartctl, device_type, need_corpus

DATA = Path(__file__).parent.parent / "data"
DATASET = DATA / "pysmart" / "singletests"
FAILING = DATA / "smart_failing"
REPLAY = Path(__file__).parent.parent / "smartctl_replay.py"


def replay(tmp_path: Path, source: Path) -> str:
    """A smartctl answering from ``source``'s recordings (copied, so calls can be logged)."""
    directory = tmp_path / source.name
    shutil.copytree(source, directory)
    wrapper = directory / "smartctl"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -S -E {REPLAY} {directory} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def read_all(smartctl: str) -> list[DiskReading]:
    reader = SmartReader(smartctl)
    return [reading for entry in reader.scan() if (reading := reader.read(entry)) is not None and reading.identified]


def test_every_recorded_device_reads_and_predicts(tmp_path: Path) -> None:
    devices = sorted(d for d in DATASET.iterdir() if d.is_dir())
    assert len(devices) == 34
    with ThreadPoolExecutor(8) as pool:
        readings = dict(zip(devices, pool.map(lambda d: read_all(replay(tmp_path, d)), devices), strict=True))
    assert all(len(found) >= 1 for found in readings.values()), [d.name for d, r in readings.items() if not r]
    disks = [reading for found in readings.values() for reading in found]
    assert len(disks) == 34  # nvme_10's scan lists four more paths that open nothing; they are left out
    # The dataset's drives are healthy: nothing may raise an alarm, whatever the vendor's raw-value quirks.
    assert {d.path: predict(d).verdict for d in disks if predict(d).verdict is not Verdict.OK} == {}
    assert sum(d.nvme is not None for d in disks) == 17  # the 16 nvme_* recordings and the USB bridge one
    assert all(d.key for d in disks)


# Values as smartctl printed them in each recording:
# (model, serial, firmware, temperature °C, power-on hours, power cycles, overall health passed)
LITEON = "LITEONIT LCT-512L9S-11 2.5 7mm 512GB"
PRINTED = {
    "sat_hdd_0_issue70": ("ST2000NM000A-2J2100", "WS10SM2A", "TN03", 31, 1380, 39, True),
    "nvme_1_issue_37": ("Samsung SSD 970 EVO Plus 500GB", "S4EVNX0NA32843N", "2B2QEXM7", 41, 15, 9, True),
    "nvme_0": ("KBG30ZMV256G TOSHIBA", "XXXXXXXXXXXX", "ADHA0101", 42, 5809, 997, True),
    "sas_hdd_0_issue_51": ("HUH721212AL4204", "8DG3J2ZD", "C3D0", 32, 3687, 1051, True),
    "megaraid_ph_sata_hdd_0": ("HGST HUS724040ALE640", "PKXXXXXXXXXXGB", "MJAOA580", 33, 47396, 85, True),
    "sata_hdd_1_issue46": ("WDC  WUH721816ALE6L4", "3WJMHZ6L", "PCGNW232", 26, 592, 6, True),
    "nvme_win10_0_issue_64": ("Samsung SSD 980 PRO 1TB", "S5P2NG0NB05964V", "5B2QGXA7", 62, 3441, 662, True),
    "sata_ssd_0_issue_49": (LITEON, "TW0HN71H5508549A1220", "HC9110D", None, 2376, 1000, True),
    "usb_ssd_0_issue_50": (LITEON, "TW0HN71H5508549A1220", "HC9110D", 33, 20379, 5, True),
    "nvme_usb_asmedia_issue_97": ("Samsung Portable SSD T7", "S7MNNS0Y828393V", "FXG44P2Q", 29, 9, 11, True),
    "sas_ssd_0_issue_57": ("MZILT7T6HALA/007", "S5DDNE0R801692", "GXA0", 25, 146, 892, True),
    "sat_ssd_0_issue_65": ("HS-SSD-C100 120G", "30087840294", "SN11913", 32, 133, 9, True),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_parsed_values_match_what_smartctl_printed(tmp_path: Path, name: str) -> None:
    (disk,) = read_all(replay(tmp_path, DATASET / name))
    got = (
        disk.model,
        disk.serial,
        disk.firmware,
        disk.temperature,
        disk.power_on_hours,
        disk.power_cycles,
        disk.passed,
    )
    assert got == PRINTED[name]


def test_nvme_health_log_as_printed(tmp_path: Path) -> None:
    (samsung,) = read_all(replay(tmp_path, DATASET / "nvme_1_issue_37"))
    assert samsung.nvme == NvmeHealth(
        critical_warning=0,
        available_spare=100,
        available_spare_threshold=10,
        percentage_used=0,
        media_errors=0,
        error_log_entries=5,  # not judged: many drives log harmless aborted commands
        unsafe_shutdowns=samsung.nvme.unsafe_shutdowns if samsung.nvme else None,
    )
    (toshiba,) = read_all(replay(tmp_path, DATASET / "nvme_0"))
    assert toshiba.nvme is not None
    assert (toshiba.nvme.percentage_used, toshiba.nvme.error_log_entries) == (28, 1356)
    assert predict(toshiba).verdict is Verdict.OK


def test_seagate_packed_raw_values_raise_no_alarm(tmp_path: Path) -> None:
    (seagate,) = read_all(replay(tmp_path, DATASET / "sat_hdd_0_issue70"))
    assert seagate.raw(1) == 148350832  # raw read error rate: a packed counter, not errors
    assert seagate.raw(7) == 16886160
    assert predict(seagate).verdict is Verdict.OK
    assert seagate.last_test is not None
    assert (seagate.last_test.kind, seagate.last_test.outcome, seagate.last_test.hours) == (
        "Extended offline",
        SelfTestOutcome.PASSED,
        1284,
    )


FAILING_EXPECTED = {
    # drive's own FAILED verdict, 4049 reallocated, 208 uncorrectable, 196 command timeouts (packed 67/196/196)
    "st3250318as_failing": (
        False,
        {"self_assessment", "5 Reallocated_Sector_Ct", "187 Reported_Uncorrect", "188 Command_Timeout"},
    ),
    "st31000528as_failing": (False, {"self_assessment", "5 Reallocated_Sector_Ct", "188 Command_Timeout"}),
    # no health line at all (smartctl -A): only the field data can tell, and does
    "seagate_pending_160": (
        None,
        {"187 Reported_Uncorrect", "197 Current_Pending_Sector", "198 Offline_Uncorrectable"},
    ),
}


@pytest.mark.parametrize("name", sorted(FAILING_EXPECTED))
def test_real_failing_drives_are_predicted_failed(tmp_path: Path, name: str) -> None:
    (disk,) = read_all(replay(tmp_path, FAILING / name))
    prediction = predict(disk)
    passed, sources = FAILING_EXPECTED[name]
    assert disk.passed is passed
    assert prediction.verdict is Verdict.FAILED
    assert {f.source for f in prediction.findings} == sources
    # Airflow temperature once too warm (an old-age attribute's past) is not an alarm.
    assert all("190" not in f.source for f in prediction.findings)


def test_failing_drive_self_test_log(tmp_path: Path) -> None:
    (disk,) = read_all(replay(tmp_path, FAILING / "st3250318as_failing"))
    assert disk.last_test is not None
    assert (disk.last_test.status, disk.last_test.outcome) == ("Completed: unknown failure", SelfTestOutcome.FAILED)


# Band edges: each band includes its upper bound (Scrutiny's Low < value <= High); zero is a band of its own;
# a count Scrutiny's bands leave out (5 = 1, 197 = 1) belongs to the band above; beyond the last, the last.
BAND_EDGES = [
    (5, 0, 2.5), (5, 1, 2.7), (5, 4, 2.7), (5, 5, 7.5), (5, 16, 7.5), (5, 17, 23.6), (5, 70, 23.6),
    (5, 71, 36.2), (5, 70_000, 177.6), (5, 10**6, 177.6),
    (10, 0, 5.5), (10, 1, 55.6), (10, 500, 55.6),
    (187, 0, 2.8), (187, 1, 33.9), (187, 2, 24.1), (187, 3, 24.1), (187, 4, 50.1), (187, 120, 161.9),
    (188, 0, 2.5), (188, 100, 2.5), (188, 101, 10.0), (188, 13_000_000_000, 10.0), (188, 13_000_000_001, 33.4),
    (196, 0, 0.7), (196, 1, 2.7), (196, 2, 2.5), (196, 17, 17.0), (196, 18, 5.9), (196, 28, 24.7),
    (197, 0, 2.6), (197, 1, 34.2), (197, 2, 34.2), (197, 3, 68.2), (197, 2000, 313.3),
    (198, 0, 2.9), (198, 1, 81.4), (198, 16, 79.7),
]  # fmt: skip


@pytest.mark.parametrize(("attribute", "count", "rate"), BAND_EDGES)
def test_band_edges(attribute: int, count: int, rate: float) -> None:
    assert afr(attribute, count) == rate


# Counts that vendors pack into 16-bit fields of the 48-bit raw value, one case per vendor pattern.
PACKED = [
    (188, "4295032833", 4295032833, 1),  # Seagate: all timeouts / over 5 s / over 7.5 s = 1, 1, 1
    (188, "287767265476", 287767265476, 196),  # Seagate 7200.12: 196 timeouts (68 over 5 s, 67 over 7.5 s)
    (188, "655375", 655375, 15),  # Seagate, small counts: still packed (15, 10, 0)
    (188, "0 0 3", 3, 3),  # printed split (smartctl -v 188,raw16): the largest
    (187, "4294967296", 4294967296, 0),  # HGST Travelstar 5K1000: no error, a field above the count
    (187, "17180000256", 17180000256, 0),  # HGST Travelstar 5K1000 (0, 2, 4)
    (187, "11441796546653", 11441796546653, 93),  # HGST Travelstar 5K500: 93 errors in the low field
    (197, "178842438213219", 178842438213219, 7779),  # Seagate Momentus 7200.4
    (187, "92182", 92182, 92182),  # below 2^32: a count as printed (Samsung HD161HJ, normalised 1)
    (5, "24 (0 3)", 24, 24),  # smartctl already split it: the first number is the count
    (197, "5", 5, 5),
]  # fmt: skip


@pytest.mark.parametrize(("attribute", "text", "raw", "count"), PACKED)
def test_packed_counts_are_unpacked(attribute: int, text: str, raw: int, count: int) -> None:
    assert packed_count(attribute, text, raw) == count


def test_rule_bands_and_nvme_rules() -> None:
    assert afr(5, 10) == 7.5  # a few reallocations: as likely to fail as none, per the fleet
    assert afr(9, 1) is None

    base = DiskReading(
        path="/dev/nvme0", device_type="nvme", model="m", serial="s", firmware=None, family=None, capacity=1,
        is_ssd=True, rotation_rate=None, interface="nvme", smart_available=True, smart_enabled=True, passed=True,
        temperature=40, power_on_hours=1, power_cycles=1,
    )  # fmt: skip

    def verdict(**health: int) -> tuple[Verdict, list[str]]:
        fields = {
            "critical_warning": 0, "available_spare": 100, "available_spare_threshold": 10, "percentage_used": 3,
            "media_errors": 0, "error_log_entries": 9000, "unsafe_shutdowns": 4,
        } | health  # fmt: skip
        prediction = predict(replace(base, nvme=NvmeHealth(**fields)))
        return prediction.verdict, [f.source for f in prediction.findings]

    assert verdict() == (Verdict.OK, [])
    assert verdict(critical_warning=0x02) == (Verdict.WARNING, ["critical_warning"])
    assert verdict(critical_warning=0x04) == (Verdict.FAILED, ["critical_warning"])
    assert verdict(critical_warning=0x40) == (Verdict.FAILED, ["critical_warning"])  # a bit no specification names
    # smartctl prints FAILED for any warning bit; with only the temperature bit that is a warning, named as such.
    hot = predict(replace(base, passed=False, nvme=NvmeHealth(2, 100, 10, 3, 0, 0, 0)))
    assert hot.verdict is Verdict.WARNING
    assert [f.detail for f in hot.findings] == ["critical warning 0x02: temperature above its threshold"]
    worn = predict(replace(base, passed=False, nvme=NvmeHealth(0x06, 100, 10, 3, 0, 0, 0)))
    assert [f.detail for f in worn.findings] == [
        "critical warning 0x06: temperature above its threshold, reliability degraded"
    ]
    assert verdict(available_spare=5) == (Verdict.FAILED, ["available_spare"])
    assert verdict(percentage_used=92) == (Verdict.WARNING, ["percentage_used"])
    assert verdict(percentage_used=100) == (Verdict.FAILED, ["percentage_used"])
    assert verdict(media_errors=2) == (Verdict.FAILED, ["media_errors"])
    scsi = replace(base, device_type="scsi", scsi_uncorrected_errors=3)
    assert predict(scsi).verdict is Verdict.WARNING


def test_sleeping_disk_is_not_woken(tmp_path: Path) -> None:
    smartctl = replay(tmp_path, DATASET / "sat_hdd_0_issue70")
    directory = Path(smartctl).parent
    (directory / "asleep").touch()
    reader = SmartReader(smartctl)
    (entry,) = reader.scan()
    assert reader.read(entry) is None
    calls = (directory / "calls.log").read_text().splitlines()
    # one power-mode check, nothing after it learnt the disk sleeps
    assert calls == ["--scan", "-n standby -d sat --all /dev/sg2"]


def test_short_self_test_is_started(tmp_path: Path) -> None:
    smartctl = replay(tmp_path, DATASET / "sat_hdd_0_issue70")
    reader = SmartReader(smartctl)
    (entry,) = reader.scan()
    assert reader.start_short_test(entry) == "started"
    assert (Path(smartctl).parent / "self-test-started").exists()
    assert "-d sat -t short /dev/sg2" in (Path(smartctl).parent / "calls.log").read_text()


def test_missing_smartctl_and_a_hung_one(tmp_path: Path) -> None:
    with pytest.raises(SmartctlMissing):
        SmartReader(str(tmp_path / "no-smartctl")).scan()
    hung = tmp_path / "hung"
    hung.write_text("#!/bin/sh\nsleep 5\n")
    hung.chmod(0o755)
    with pytest.raises(SmartctlError, match="did not answer"):
        SmartReader(str(hung), timeout=0.3).scan()


def test_the_prediction_limits_are_the_users(tmp_path: Path) -> None:
    """seagate_pending_160 is failed by field data alone: its limits decide, and its worst rate is shown."""
    (disk,) = read_all(replay(tmp_path, FAILING / "seagate_pending_160"))
    default = predict(disk)
    assert default.verdict is Verdict.FAILED
    assert default.failure_rate is not None
    assert default.failure_rate >= 20  # 160 pending sectors: the worst band of attribute 197 or 198
    assert predict(disk, warning_afr=default.failure_rate, failed_afr=1000).verdict is Verdict.WARNING
    lenient = predict(disk, warning_afr=1000, failed_afr=1000)
    assert lenient.verdict is Verdict.OK
    assert lenient.findings == ()
    assert lenient.failure_rate == default.failure_rate  # the number does not depend on the limits
    # The drive's own FAILED verdict is not a limit's to lift.
    (own,) = read_all(replay(tmp_path / "own", FAILING / "st3250318as_failing"))
    assert predict(own, warning_afr=1000, failed_afr=1000).verdict is Verdict.FAILED


# Single reports of the SMART corpus (tests/smart_corpus.py), each showing one way real drives answer.
def corpus_read(tmp_path: Path, relative: str, *, edit: tuple[str, str] | None = None) -> DiskReading:
    report = need_corpus() / relative
    kind = device_type(report)
    if edit is not None:  # the recorded report with one line changed, as the test says
        edited = tmp_path / "edited"
        edited.write_bytes(report.read_bytes().replace(edit[0].encode(), edit[1].encode()))
        report = edited
    reading = SmartReader(corpus_smartctl(tmp_path)).read(ScanEntry(str(report), kind))
    assert reading is not None
    return reading


def test_digit_groups_of_a_locale_are_read(tmp_path: Path) -> None:
    # "Data Units Read: 721 868 796", "Power On Hours: 14 925": no-break spaces between digit groups.
    toshiba = corpus_read(tmp_path, "NVMe/Toshiba/THNSF5256/THNSF5256GPUK/682A9EA7C154")
    assert (toshiba.model, toshiba.firmware, toshiba.power_on_hours, toshiba.power_cycles) == (
        "THNSF5256GPUK TOSHIBA", "51055KLA", 14925, 1916,
    )  # fmt: skip
    assert toshiba.capacity == 256_060_514_304
    swiss = corpus_read(tmp_path, "NVMe/Toshiba/THNSF5256/THNSF5256GPUK/682A9EA7C154", edit=("\u00a0", "'"))
    assert swiss.power_on_hours == 14925  # de_CH groups with apostrophes


def test_an_answer_pysmart_cannot_parse_costs_that_disk_a_clear_error(tmp_path: Path) -> None:
    relative = "NVMe/Toshiba/THNSF5256/THNSF5256GPUK/682A9EA7C154"
    with pytest.raises(SmartctlUnreadable, match=r"cannot parse smartctl's answer for .*edited: ValueError"):
        corpus_read(
            tmp_path, relative, edit=("Power On Hours:                     14\u00a0925", "Power On Hours: lots")
        )


def test_temperature_194_before_190_and_impossible_values_are_unknown(tmp_path: Path) -> None:
    samsung = corpus_read(tmp_path, "HDD/Samsung/HD161/HD161HJ/94B18DFF19DC")  # 190 says 23, 194 says 25
    assert (samsung.raw(190), samsung.raw(194), samsung.temperature) == (23, 25, 25)
    plextor = corpus_read(tmp_path, "NVMe/Plextor/PX-256/PX-256M8PeG/41D055BB7C62")  # "Temperature: -1 Celsius"
    assert plextor.temperature is None
    agility = corpus_read(tmp_path, "SSD/OCZ/AGILITY/AGILITY3/531A2B671C06")  # "128 (Min/Max 127/129)"
    assert agility.temperature is None


def test_self_assessment_unknown_is_no_verdict(tmp_path: Path) -> None:
    healthy = "HDD/HGST/HTS5410/HTS541010A7E630/19DFD1DCA5F5"
    unknown = corpus_read(tmp_path, healthy, edit=("test result: PASSED", "test result: UNKNOWN!"))
    assert unknown.passed is None
    assert "self_assessment" not in {f.source for f in predict(unknown).findings}
    failed = corpus_read(tmp_path, healthy, edit=("test result: PASSED", "test result: FAILED!"))
    assert [(f.source, f.detail) for f in predict(failed).findings] == [
        ("self_assessment", "the drive's self-assessment says FAILED")
    ]


def test_hgst_packed_reported_uncorrect_is_healthy(tmp_path: Path) -> None:
    hgst = corpus_read(tmp_path, "HDD/HGST/HTS5410/HTS541010A7E630/19DFD1DCA5F5")
    assert (hgst.raw(187), hgst.count(187)) == (4294967296, 0)
    assert predict(hgst).verdict is Verdict.OK


def test_an_attribute_the_drive_database_names_otherwise_is_not_judged_by_field_data(tmp_path: Path) -> None:
    intel = corpus_read(tmp_path, "SSD/Intel/SSDSC2/SSDSC2CW120A3/9DB303E94AFE")  # SandForce: 187 is another count
    assert (intel.attributes[187].name, intel.count(187)) == ("Uncorrectable_Error_Cnt", 127730183)
    assert predict(intel).verdict is Verdict.OK


def test_a_masked_serial_is_no_serial_and_the_key_stays_stable(tmp_path: Path) -> None:
    relative = "NVMe/Toshiba/THNSF5256/THNSF5256GPUK/682A9EA7C154"  # "Serial Number: --"
    first, again = corpus_read(tmp_path, relative), corpus_read(tmp_path, relative)
    assert first.serial is None
    assert first.key == again.key  # the same disk, the same key, cycle after cycle
    other = corpus_read(tmp_path, "NVMe/Toshiba/THNSF5256/THNSF5256GPUK/" + next(
        p.name for p in (CORPUS / "NVMe/Toshiba/THNSF5256/THNSF5256GPUK").iterdir() if p.name != "682A9EA7C154"
    ))  # fmt: skip
    assert other.key != first.key  # two masked drives of one model are two devices
