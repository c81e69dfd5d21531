"""Every report of the SMART corpus (4,273 real drives) through the real pySMART subprocess path.

What smartctl printed is the ground truth: the model, firmware, temperature
and power-on hours are read from each report's text here, independently of
pySMART, and compared with what the reader made of it. The corpus has no
failure labels beyond the drives' own self-assessment, so the verdicts are
reported (ok / warning / failed counts) and each failed one must be explained
by a finding that fails.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import re

import pytest

from custom_components.homesentry.probes.smart import PLAUSIBLE_TEMPERATURE, DiskReading, ScanEntry, SmartReader
from custom_components.homesentry.probes.smart_health import Prediction, Verdict, predict

from ..smart_corpus import CORPUS, corpus_smartctl, device_type, reports

_FIELD = re.compile(r"^(?P<name>Device Model|Model Number|Firmware Version):\s+(?P<value>.*?)\s*$", re.MULTILINE)
_ATTRIBUTE = re.compile(r"^\s*(?P<id>\d+)\s+(?P<name>\S+)\s+0x[0-9a-f]{4}\s+(?:\S+\s+){6}(?P<raw>\S+)", re.MULTILINE)
_NVME = re.compile(r"^(?P<name>Temperature|Power On Hours):\s+(?P<value>-?[\d,\u00a0]+)", re.MULTILINE)


def printed(report: Path) -> dict[str, str | int | None]:
    """What smartctl printed for the drive, read from the text alone."""
    text = report.read_text(encoding="utf-8", errors="replace")
    fields = {m["name"]: m["value"] for m in _FIELD.finditer(text)}
    attributes = {int(m["id"]): m["raw"] for m in _ATTRIBUTE.finditer(text)}
    nvme = {m["name"]: int(re.sub(r"[,\u00a0]", "", m["value"])) for m in _NVME.finditer(text)}
    first_int = {number: int(m[0]) for number, raw in attributes.items() if (m := re.match(r"\d+", raw))}
    temperatures = [first_int.get(194), first_int.get(190), nvme.get("Temperature")]
    return {
        "model": fields.get("Device Model") or fields.get("Model Number"),
        "firmware": fields.get("Firmware Version"),
        "temperature": next((t for t in temperatures if t in PLAUSIBLE_TEMPERATURE), None),
        "any_temperature": any(t is not None for t in temperatures),
        "power_on_hours": first_int.get(9, nvme.get("Power On Hours")),
    }


def test_every_report_reads_and_matches_what_smartctl_printed(
    tmp_path: Path, record_property: pytest.RecordProperty, capsys: pytest.CaptureFixture[str]
) -> None:
    files = reports()
    assert len(files) == 4273
    reader = SmartReader(corpus_smartctl(tmp_path))

    def read(report: Path) -> tuple[Path, DiskReading | None]:
        return report, reader.read(ScanEntry(str(report), device_type(report)))

    with ThreadPoolExecutor(4) as pool:
        readings = list(pool.map(read, files))  # nothing may raise: one exception fails the test

    verdicts: Counter[str] = Counter()
    mismatches: list[str] = []
    unexplained: list[str] = []
    for report, reading in readings:
        name = str(report.relative_to(CORPUS))
        assert reading is not None, name
        assert reading.identified, name
        expected = printed(report)
        got = {"model": reading.model, "firmware": reading.firmware, "power_on_hours": reading.power_on_hours}
        got["temperature"] = reading.temperature
        for field in ("model", "firmware", "power_on_hours", "temperature"):
            if field == "temperature" and not expected["any_temperature"]:
                continue  # smartctl printed none: whatever pySMART found elsewhere is not checked here
            if got[field] != expected[field]:
                mismatches.append(f"{name}: {field} {got[field]!r} != printed {expected[field]!r}")
        assert reading.model, name
        assert reading.firmware, name
        assert reading.serial is None  # the corpus masks every serial ("--"): no serial, a key from the path
        prediction: Prediction = predict(reading)
        verdicts[prediction.verdict.value] += 1
        if prediction.verdict is Verdict.FAILED and not any(f.verdict is Verdict.FAILED for f in prediction.findings):
            unexplained.append(name)
    assert mismatches == [], "\n".join(mismatches)
    assert unexplained == []
    keys = Counter(reading.key for _, reading in readings if reading is not None)
    assert max(keys.values()) == 1  # masked serials: still one device key per drive

    counts = ", ".join(f"{verdicts[v.value]} {v.value}" for v in Verdict)
    line = f"SMART corpus: {len(files)} reports: {counts}"
    record_property("smart_corpus_verdicts", dict(verdicts))
    with capsys.disabled():
        print(f"\n{line}")
    assert sum(verdicts.values()) == len(files)
    # The corpus is mostly healthy drives in daily use; a rule that called many of them failing would be wrong.
    assert verdicts["failed"] < len(files) * 0.05
