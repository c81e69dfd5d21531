"""Will this disk fail? A documented rule over a SMART reading.

A disk is **failed** when any of these holds, **warning** when only the
warning rules hold, else **ok**:

1. *The drive's own verdict.* Overall self-assessment FAILED → failed. An
   attribute whose normalised value is at or below its threshold now
   (``FAILING_NOW``) → failed; a pre-fail attribute that was there in the
   past (``In_the_past``) → warning. An old-age attribute's past (typically
   a once-too-warm airflow temperature) is not counted.
2. *Field data for the critical ATA attributes* 5, 10, 184, 187, 188, 196,
   197, 198: the raw value falls in a band whose annualised failure rate
   (AFR) in Backblaze's drive fleet is known; AFR ≥ 20 % → failed, ≥ 10 %
   → warning. The bands and rates are the ones Scrutiny derived from the
   Backblaze data set (``webapp/backend/pkg/thresholds``), rounded to 0.1 %;
   a value beyond the last band counts as the last band. Attribute 184
   (end-to-end parity errors) has no raw-value bands there: any error fails.
3. *NVMe health log*: critical warning bits other than temperature
   (spare low, reliability degraded, read-only, backup failed) → failed;
   the temperature bit alone → warning; available spare below its threshold
   → failed; percentage used ≥ 100 → failed, ≥ 90 → warning; media and data
   integrity errors > 0 → failed.
4. *SCSI/SAS*: uncorrected read/write/verify errors > 0 → warning; the
   drive's own health status covers the rest (rule 1).

Known false positives are not alarms: Seagate's raw read/seek error rates
(attributes 1 and 7) are packed counters, so only their normalised values
(rule 1) count; Seagate packs three 16-bit counters into attribute 188's raw
value, so its largest counter is used; the NVMe error-information-log count
records harmless aborted commands on many drives, so it is shown, never
judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .smart import DiskReading

FAILED_AFR: Final = 20.0
WARNING_AFR: Final = 10.0

# Attribute: (lowest raw value of the band, AFR % of the band), bands ascending.
AFR_BANDS: Final[Mapping[int, tuple[tuple[int, float], ...]]] = {
    5: ((0, 2.5), (1, 2.7), (4, 7.5), (16, 23.6), (70, 36.2), (260, 56.8), (1100, 150.3), (4500, 206.6)),
    10: ((0, 5.5), (1, 55.6)),
    187: ((0, 2.8), (1, 33.9), (2, 24.1), (3, 50.1), (6, 38.0), (11, 53.5), (20, 84.3), (35, 144.3), (65, 161.9)),
    188: ((0, 2.5), (100, 10.0), (13_000_000_000, 33.4)),
    196: ((0, 0.7), (1, 2.7), (2, 3.2), (4, 4.3), (7, 3.4), (11, 17.0), (17, 5.9), (27, 24.7)),
    197: ((0, 2.6), (1, 34.2), (2, 68.2), (6, 61.1), (16, 95.6), (40, 165.2), (100, 251.4), (250, 332.0)),
    198: ((0, 2.9), (1, 81.4), (2, 111.7), (4, 135.6), (6, 73.2), (8, 57.8), (10, 174.6), (12, 264.5)),
}
CRITICAL_ATTRIBUTES: Final = frozenset({5, 10, 184, 187, 188, 196, 197, 198})
_NVME_TEMPERATURE_BIT: Final = 0x02


class Verdict(StrEnum):
    """How a disk is doing."""

    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


_RANK: Final = {Verdict.OK: 0, Verdict.WARNING: 1, Verdict.FAILED: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason for a verdict."""

    source: str  # "self_assessment", an attribute ("5 Reallocated_Sector_Ct"), or an NVMe field
    verdict: Verdict
    detail: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """The verdict on a disk and what drove it."""

    verdict: Verdict
    findings: tuple[Finding, ...]
    failure_rate: float | None = None
    """The highest annualised failure rate (%) the field data give any of its attributes; None without them."""


def afr(attribute: int, raw: int) -> float | None:
    """The annualised failure rate (%) of drives whose ``attribute`` has this raw value."""
    bands = AFR_BANDS.get(attribute)
    if bands is None:
        return None
    rate = bands[0][1]
    for low, band_rate in bands:
        if raw >= low:
            rate = band_rate
    return rate


def command_timeouts(raw_text: str, raw: int | None) -> int | None:
    """Attribute 188's count: Seagate packs three 16-bit counters, printed split or as one number."""
    parts = raw_text.split()
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return max(int(p) for p in parts)
    if raw is not None and raw > 0xFFFF:
        return max((raw >> shift) & 0xFFFF for shift in (0, 16, 32))
    return raw


def _from_rate(rate: float, limits: tuple[float, float]) -> Verdict:
    warning, failed = limits
    if rate >= failed:
        return Verdict.FAILED
    if rate >= warning:
        return Verdict.WARNING
    return Verdict.OK


def _drive_verdict(reading: DiskReading) -> list[Finding]:
    findings: list[Finding] = []
    if reading.passed is False:
        findings.append(Finding("self_assessment", Verdict.FAILED, "the drive reports its health as FAILED"))
    for attribute in reading.attributes.values():
        label = f"{attribute.id} {attribute.name}"
        when = attribute.when_failed.lower()
        if when == "failing_now":
            detail = f"value {attribute.value} at or below threshold {attribute.threshold} now"
            findings.append(Finding(label, Verdict.FAILED, detail))
        elif when == "in_the_past" and attribute.prefail:
            detail = f"worst {attribute.worst} fell to threshold {attribute.threshold} in the past"
            findings.append(Finding(label, Verdict.WARNING, detail))
    return findings


def _rates(reading: DiskReading) -> dict[int, tuple[int, float | None]]:
    """Each critical attribute's raw count and, where the field data have bands for it, its AFR (%)."""
    rates: dict[int, tuple[int, float | None]] = {}
    for number in sorted(CRITICAL_ATTRIBUTES & set(reading.attributes)):
        attribute = reading.attributes[number]
        raw = command_timeouts(attribute.raw, attribute.raw_value) if number == 188 else attribute.raw_value
        if raw is not None:
            rates[number] = (raw, afr(number, raw))
    return rates


def _field_data(
    reading: DiskReading, rates: dict[int, tuple[int, float | None]], limits: tuple[float, float]
) -> list[Finding]:
    findings: list[Finding] = []
    for number, (raw, rate) in rates.items():
        label = f"{number} {reading.attributes[number].name}"
        if number == 184:
            if raw > 0:
                findings.append(Finding(label, Verdict.FAILED, f"{raw} end-to-end errors"))
            continue
        if rate is not None and (verdict := _from_rate(rate, limits)) is not Verdict.OK:
            findings.append(Finding(label, verdict, f"raw {raw}: {rate:.1f} % of such drives fail within a year"))
    return findings


def _nvme(reading: DiskReading) -> list[Finding]:
    health = reading.nvme
    if health is None:
        return []
    findings: list[Finding] = []
    warning_bits = health.critical_warning or 0
    if warning_bits & ~_NVME_TEMPERATURE_BIT:
        findings.append(Finding("critical_warning", Verdict.FAILED, f"critical warning 0x{warning_bits:02x}"))
    elif warning_bits:
        findings.append(Finding("critical_warning", Verdict.WARNING, "temperature above its threshold"))
    spare, spare_threshold = health.available_spare, health.available_spare_threshold
    if spare is not None and spare_threshold is not None and spare < spare_threshold:
        findings.append(Finding("available_spare", Verdict.FAILED, f"{spare} % left, below {spare_threshold} %"))
    used = health.percentage_used
    if used is not None and used >= 90:
        verdict = Verdict.FAILED if used >= 100 else Verdict.WARNING
        findings.append(Finding("percentage_used", verdict, f"{used} % of rated endurance used"))
    if health.media_errors:
        findings.append(Finding("media_errors", Verdict.FAILED, f"{health.media_errors} media and data errors"))
    return findings


def _scsi(reading: DiskReading) -> list[Finding]:
    if reading.scsi_uncorrected_errors:
        count = reading.scsi_uncorrected_errors
        return [Finding("uncorrected_errors", Verdict.WARNING, f"{count} uncorrected read/write/verify errors")]
    return []


def predict(reading: DiskReading, warning_afr: float = WARNING_AFR, failed_afr: float = FAILED_AFR) -> Prediction:
    """The verdict on one disk by the rule above, with every finding that drove it.

    ``warning_afr`` and ``failed_afr`` are the field-data limits (%/year): the
    user's own, from the Disks entry's health options, or the defaults above.
    """
    rates = _rates(reading)
    field_data = _field_data(reading, rates, (warning_afr, failed_afr))
    findings = (*_drive_verdict(reading), *field_data, *_nvme(reading), *_scsi(reading))
    verdict = max((f.verdict for f in findings), key=_RANK.__getitem__, default=Verdict.OK)
    worst = max((rate for _, rate in rates.values() if rate is not None), default=None)
    return Prediction(verdict, findings, worst)
