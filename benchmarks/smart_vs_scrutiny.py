"""How HomeSentry's field-data verdicts compare with Scrutiny's rule, over the SMART corpus's ATA drives.

Scrutiny's rule, as its thresholds package states it: a critical attribute's
raw value (188: the largest of three printed counters, when they ascend) falls
in a bucket when ``Low < value <= High`` (or ``value == Low == High``); a
bucket's AFR of 10 % or more fails the drive; no bucket at all warns. The
buckets below are its own, rounded to 0.1 %. HomeSentry's side is its field-data
rule alone (rule 2 of probes/smart_health.py) at the default limits, so the
two are compared on the same evidence. Prints the counts of drives judged
differently, by kind, and why.

Run: .venv/bin/python -m benchmarks.smart_vs_scrutiny (needs ../shared/data/smart-corpus).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
import tempfile

from benchmarks.contained import contain
from custom_components.homesentry.probes.smart import DiskReading, ScanEntry, SmartReader
from custom_components.homesentry.probes.smart_health import FAILED_AFR, WARNING_AFR, Verdict, _field_data, _rates
from tests.smart_corpus import corpus_smartctl, device_type, reports

# Scrutiny's buckets of its critical attributes: (Low, High, AFR %).
SCRUTINY: dict[int, list[tuple[float, float, float]]] = {
    5: [(0, 0, 2.5), (1, 4, 2.7), (4, 16, 7.5), (16, 70, 23.6), (70, 260, 36.2), (260, 1100, 56.8),
        (1100, 4500, 150.3), (4500, 17000, 206.6), (17000, 70000, 177.6)],
    10: [(0, 0, 5.5), (1, 80, 55.6)],
    187: [(0, 0, 2.8), (1, 1, 33.9), (1, 3, 24.1), (3, 6, 50.1), (6, 11, 38.0), (11, 20, 53.5), (20, 35, 84.3),
          (35, 65, 144.3), (65, 120, 161.9)],
    188: [(0, 100, 2.5), (100, 13e9, 10.0), (13e9, 26e9, 33.4), (26e9, 39e9, 36.7), (39e9, 52e9, 29.8),
          (52e9, 65e9, 22.0), (65e9, 78e9, 30.2), (78e9, 91e9, 32.9), (91e9, 104e9, 28.5)],
    196: [(0, 0, 0.7), (1, 1, 2.7), (1, 2, 2.5), (2, 4, 3.2), (4, 7, 4.3), (7, 11, 3.4), (11, 17, 17.0),
          (17, 27, 5.9), (27, 45, 24.7)],
    197: [(0, 0, 2.6), (1, 2, 34.2), (2, 6, 68.2), (6, 16, 61.1), (16, 40, 95.6), (40, 100, 165.2),
          (100, 250, 251.4), (250, 650, 332.0), (650, 1600, 313.3)],
    198: [(0, 0, 2.9), (1, 2, 81.4), (2, 4, 111.7), (4, 6, 135.6), (6, 8, 73.2), (8, 10, 57.8), (10, 12, 174.6),
          (12, 14, 264.5), (14, 16, 79.7)],
}  # fmt: skip
ORDER = [Verdict.OK, Verdict.WARNING, Verdict.FAILED]


def scrutiny(reading: DiskReading) -> tuple[Verdict, list[str]]:
    verdict, why = Verdict.OK, []
    for number, buckets in SCRUTINY.items():
        attribute = reading.attributes.get(number)
        if attribute is None or attribute.raw_value is None:
            continue
        value = attribute.raw_value
        parts = attribute.raw.split()
        if number == 188 and len(parts) == 3 and all(p.isdigit() for p in parts):
            low, mid, high = (int(p) for p in parts)
            value = high if high >= mid >= low else value
        rate = next((r for lo, hi, r in buckets if (lo == hi and value == lo) or lo < value <= hi), None)
        if rate is None:
            verdict = max(verdict, Verdict.WARNING, key=ORDER.index)
            why.append(f"{number} = {value}: no bucket")
        elif rate >= 10:
            verdict = Verdict.FAILED
            why.append(f"{number} = {value}: {rate} %")
    return verdict, why


def ours(reading: DiskReading) -> Verdict:
    findings = _field_data(reading, _rates(reading), (WARNING_AFR, FAILED_AFR))
    return max((f.verdict for f in findings), key=ORDER.index, default=Verdict.OK)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        reader = SmartReader(corpus_smartctl(Path(tmp)))
        drives = [reader.read(ScanEntry(str(f), "sat")) for f in reports() if device_type(f) == "sat"]
    differ: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {}
    for reading in drives:
        assert reading is not None
        mine, (theirs, their_why) = ours(reading), scrutiny(reading)
        if mine is not theirs:
            kind = f"HomeSentry {mine.value}, Scrutiny {theirs.value}"
            differ[kind] += 1
            reasons.setdefault(kind, Counter()).update(
                w.split(" = ")[0] + (": no bucket" if "no bucket" in w else ": fails at 10 %") for w in their_why
            )
    print(f"ATA drives: {len(drives)}; judged differently by the field data: {sum(differ.values())}")
    for kind, count in differ.most_common():
        print(f"  {kind}: {count} (Scrutiny's reasons: {dict(reasons[kind].most_common())})")


if __name__ == "__main__":
    contain()
    main()
