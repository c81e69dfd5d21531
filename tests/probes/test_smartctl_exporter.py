"""SMART of another machine from smartctl_exporter's answer: a recorded real one (tests/data/smartctl_exporter).

smartctl_exporter cannot run here (not packaged for Debian, no Go toolchain to build it), so its recorded
answer stands in for it (PROVENANCE.md beside it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.homesentry.probes.node_exporter import NotNodeExporter
from custom_components.homesentry.probes.smart_health import Verdict, predict
from custom_components.homesentry.probes.smartctl_exporter import exported_disks, parse_smartctl

EXAMPLE = Path(__file__).parent.parent / "data" / "smartctl_exporter" / "example.prom"


def test_the_recorded_machine_s_disks_and_their_verdicts() -> None:
    disks = exported_disks(parse_smartctl(EXAMPLE.read_text()))
    assert sorted(disks) == ["/dev/nvme0", "/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/sdd"]

    nvme = disks["/dev/nvme0"].reading
    assert nvme is not None
    assert (nvme.model, nvme.serial, nvme.firmware, nvme.interface) == (
        "PLEXTOR PX-256M9PY +",
        "P02050305257",
        "1.03",
        "nvme",
    )
    assert (nvme.temperature, nvme.power_on_hours, nvme.power_cycles) == (37, 14259, 11)  # 51,332,400 s
    assert nvme.nvme is not None
    assert (nvme.nvme.critical_warning, nvme.nvme.percentage_used, nvme.nvme.media_errors) == (4, 161, 0)
    prediction = predict(nvme)
    assert prediction.verdict is Verdict.FAILED  # the NVMe rules: reliability degraded, endurance used up
    assert [f.source for f in prediction.findings] == ["critical_warning", "percentage_used"]

    toshiba = disks["/dev/sda"].reading
    assert toshiba is not None
    assert (toshiba.model, toshiba.family, toshiba.rotation_rate, toshiba.capacity) == (
        "TOSHIBA MG07ACA12TE",
        "Toshiba MG07ACA... Enterprise Capacity HDD",
        7200,
        12_000_138_625_024,
    )
    assert (toshiba.temperature, toshiba.passed, toshiba.nvme) == (40, True, None)
    reallocated = toshiba.attributes[5]
    assert (reallocated.name, reallocated.value, reallocated.threshold, reallocated.count) == (
        "Reallocated_Sector_Ct",
        100,
        10,
        0,
    )
    assert reallocated.prefail  # its flags: PO--CK
    assert not toshiba.attributes[194].prefail
    assert predict(toshiba).verdict is Verdict.OK
    # Keyed as the local reader keys a disk: its model and a digest of its serial (never the serial itself).
    keys = {d.reading.key for d in disks.values() if d.reading is not None}
    assert len(keys) == 5
    assert nvme.key.startswith("plextor_px_256m9py_")
    assert not any("P02050305257".lower() in key for key in keys)


def test_an_attribute_at_its_threshold_is_failing_now_and_a_past_one_warns_if_pre_fail() -> None:
    """smartctl_exporter exports no WHEN_FAILED: it is made from the value, worst and threshold, as smartctl does."""
    text = EXAMPLE.read_text()
    failing = text.replace(
        'attribute_id="5",attribute_name="Reallocated_Sector_Ct",attribute_value_type="value",device="/dev/sda"} 100',
        'attribute_id="5",attribute_name="Reallocated_Sector_Ct",attribute_value_type="value",device="/dev/sda"} 9',
    ).replace(
        'attribute_id="10",attribute_name="Spin_Retry_Count",attribute_value_type="worst",device="/dev/sdb"} 100',
        'attribute_id="10",attribute_name="Spin_Retry_Count",attribute_value_type="worst",device="/dev/sdb"} 30',
    )
    assert failing.count("} 9\n") > text.count("} 9\n")
    disks = exported_disks(parse_smartctl(failing))
    sda, sdb = predict(disks["/dev/sda"].reading), predict(disks["/dev/sdb"].reading)  # type: ignore[arg-type]
    assert (sda.verdict, [f.source for f in sda.findings]) == (Verdict.FAILED, ["5 Reallocated_Sector_Ct"])
    assert (sdb.verdict, [f.source for f in sdb.findings]) == (Verdict.WARNING, ["10 Spin_Retry_Count"])


@pytest.mark.parametrize("text", ['node_exporter_build_info{version="1.5.0"} 1\n', "<html>not metrics</html>\n"])
def test_what_is_not_a_smartctl_exporter_is_said_so(text: str) -> None:
    with pytest.raises(NotNodeExporter):
        parse_smartctl(text)
