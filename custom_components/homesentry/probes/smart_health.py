"""Will this disk fail? A documented rule over a SMART reading.

A disk is **failed** when any of these holds, **warning** when only the
warning rules hold, else **ok**:

1. *The drive's own verdict.* Overall self-assessment FAILED → failed. An
   attribute whose normalised value is at or below its threshold now
   (``FAILING_NOW``) → failed; a pre-fail attribute that was there in the
   past (``In_the_past``) → warning. An old-age attribute's past (typically
   a once-too-warm airflow temperature) is not counted.
2. *Field data for the critical ATA attributes* 5, 10, 184, 187, 188, 196,
   197, 198: the count falls in a band whose annualised failure rate (AFR)
   in Backblaze's drive fleet is known; AFR ≥ 20 % → failed, ≥ 10 % →
   warning (the user's limits, from the Disks entry's options). The bands
   and rates are the ones Scrutiny derived from the Backblaze data set
   (``webapp/backend/pkg/thresholds``), rounded to 0.1 %. A band includes
   its upper bound and starts above the one before it, as Scrutiny's buckets
   do (``Low < value <= High``); zero is a band of its own. Where Scrutiny
   leaves a gap (a count of 1 when its first band is ``1 < value <= 4``), the
   value belongs to the band above; beyond the last band it counts as the
   last band (Scrutiny warns there instead: every last band of these
   attributes is a failing one). Attribute 184 (end-to-end parity errors)
   has no raw-value bands there: any error fails. Only attributes that
   smartctl names by their standard meaning are judged (``5
   Reallocated_Sector_Ct``, ...): where the drive database names the number
   otherwise (``187 Uncorrectable_Error_Cnt`` on SandForce SSDs, ``196
   Not_In_Use``), it means something else on that drive and the fleet data
   say nothing about it.
3. *NVMe health log*: critical warning bits other than temperature
   (spare low, reliability degraded, read-only, backup failed) → failed;
   the temperature bit alone → warning; available spare below its threshold
   → failed; percentage used ≥ 100 → failed, ≥ 90 → warning; media and data
   integrity errors > 0 → failed. smartctl prints FAILED as an NVMe drive's
   self-assessment whenever any warning bit is set, so for NVMe the bits are
   judged, not that line.
4. *SCSI/SAS*: uncorrected read/write/verify errors > 0 → warning; the
   drive's own health status covers the rest (rule 1).
5. *eMMC's own report* (JEDEC EXT_CSD): pre-EOL "urgent" → failed,
   "warning" (80 % of the reserved blocks used) → warning; a wear estimate
   past the rated life (11: over 100 %) → failed, in its last step (10:
   90-100 %) → warning, as NVMe's percentage used.

Known false positives are not alarms: Seagate's raw read/seek error rates
(attributes 1 and 7) are packed counters, so only their normalised values
(rule 1) count; counts that vendors pack into 16-bit fields (Seagate's 188,
HGST's 187) are unpacked (:func:`~.smart.packed_count`); the NVMe
error-information-log count records harmless aborted commands on many
drives, so it is shown, never judged. A self-assessment smartctl could not
read (``UNKNOWN!``) is no verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .smart import DiskReading

FAILED_AFR: Final = 20.0
WARNING_AFR: Final = 10.0

# Attribute: (highest count of the band, AFR % of the band), bands ascending; each starts above the one before.
AFR_BANDS: Final[Mapping[int, tuple[tuple[int, float], ...]]] = {
    5: ((0, 2.5), (4, 2.7), (16, 7.5), (70, 23.6), (260, 36.2), (1100, 56.8), (4500, 150.3), (17000, 206.6),
        (70000, 177.6)),
    10: ((0, 5.5), (80, 55.6)),
    187: ((0, 2.8), (1, 33.9), (3, 24.1), (6, 50.1), (11, 38.0), (20, 53.5), (35, 84.3), (65, 144.3), (120, 161.9)),
    188: ((100, 2.5), (13_000_000_000, 10.0), (26_000_000_000, 33.4), (39_000_000_000, 36.7),
          (52_000_000_000, 29.8), (65_000_000_000, 22.0), (78_000_000_000, 30.2), (91_000_000_000, 32.9),
          (104_000_000_000, 28.5)),
    196: ((0, 0.7), (1, 2.7), (2, 2.5), (4, 3.2), (7, 4.3), (11, 3.4), (17, 17.0), (27, 5.9), (45, 24.7)),
    197: ((0, 2.6), (2, 34.2), (6, 68.2), (16, 61.1), (40, 95.6), (100, 165.2), (250, 251.4), (650, 332.0),
          (1600, 313.3)),
    198: ((0, 2.9), (2, 81.4), (4, 111.7), (6, 135.6), (8, 73.2), (10, 57.8), (12, 174.6), (14, 264.5), (16, 79.7)),
}  # fmt: skip
# The name smartctl gives each attribute when it means what the field data measured.
STANDARD_NAMES: Final[Mapping[int, str]] = {
    5: "Reallocated_Sector_Ct",
    10: "Spin_Retry_Count",
    184: "End-to-End_Error",
    187: "Reported_Uncorrect",
    188: "Command_Timeout",
    196: "Reallocated_Event_Count",
    197: "Current_Pending_Sector",
    198: "Offline_Uncorrectable",
}
_NVME_TEMPERATURE_BIT: Final = 0x02
# NVMe critical warning bits, as the specification names them.
NVME_WARNING_BITS: Final[Mapping[int, str]] = {
    0x01: "available spare below its threshold",
    0x02: "temperature above its threshold",
    0x04: "reliability degraded",
    0x08: "media read-only",
    0x10: "volatile memory backup failed",
    0x20: "persistent memory read-only",
}


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


def afr(attribute: int, count: int) -> float | None:
    """The annualised failure rate (%) of drives whose ``attribute`` has this count."""
    bands = AFR_BANDS.get(attribute)
    if bands is None:
        return None
    return next((rate for highest, rate in bands if count <= highest), bands[-1][1])


def _from_rate(rate: float, limits: tuple[float, float]) -> Verdict:
    warning, failed = limits
    if rate >= failed:
        return Verdict.FAILED
    if rate >= warning:
        return Verdict.WARNING
    return Verdict.OK


def _drive_verdict(reading: DiskReading) -> list[Finding]:
    findings: list[Finding] = []
    if reading.passed is False and reading.nvme is None:  # for NVMe, smartctl's line restates the warning bits
        findings.append(Finding("self_assessment", Verdict.FAILED, "the drive's self-assessment says FAILED"))
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
    """Each critical attribute's count and, where the field data have bands for it, its AFR (%)."""
    rates: dict[int, tuple[int, float | None]] = {}
    for number, name in STANDARD_NAMES.items():
        attribute = reading.attributes.get(number)
        if attribute is not None and attribute.name == name and (count := attribute.count) is not None:
            rates[number] = (count, afr(number, count))
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
            findings.append(Finding(label, verdict, f"count {raw}: {rate:.1f} % of such drives fail within a year"))
    return findings


def _nvme(reading: DiskReading) -> list[Finding]:
    health = reading.nvme
    if health is None:
        return []
    findings: list[Finding] = []
    warning_bits = health.critical_warning or 0
    if warning_bits:
        named = [meaning for bit, meaning in NVME_WARNING_BITS.items() if warning_bits & bit] or ["unknown bits"]
        verdict = Verdict.FAILED if warning_bits & ~_NVME_TEMPERATURE_BIT else Verdict.WARNING
        detail = f"critical warning 0x{warning_bits:02x}: {', '.join(named)}"
        findings.append(Finding("critical_warning", verdict, detail))
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


_EMMC_PRE_EOL: Final = {2: (Verdict.WARNING, "warning"), 3: (Verdict.FAILED, "urgent")}


def _emmc(reading: DiskReading) -> list[Finding]:
    health = reading.emmc
    if health is None:
        return []
    findings: list[Finding] = []
    if (said := _EMMC_PRE_EOL.get(health.pre_eol)) is not None:
        findings.append(Finding("pre_eol", said[0], f"pre-EOL {said[1]}: the reserved blocks are running out"))
    used = health.percentage_used
    if used is not None and used >= 100:
        verdict = Verdict.FAILED if used > 100 else Verdict.WARNING
        findings.append(Finding("life_time", verdict, f"wear estimate {used - 10}-{used} % of rated life"))
    return findings


def predict(reading: DiskReading, warning_afr: float = WARNING_AFR, failed_afr: float = FAILED_AFR) -> Prediction:
    """The verdict on one disk by the rule above, with every finding that drove it.

    ``warning_afr`` and ``failed_afr`` are the field-data limits (%/year): the
    user's own, from the Disks entry's health options, or the defaults above.
    """
    rates = _rates(reading)
    field_data = _field_data(reading, rates, (warning_afr, failed_afr))
    findings = (*_drive_verdict(reading), *field_data, *_nvme(reading), *_scsi(reading), *_emmc(reading))
    verdict = max((f.verdict for f in findings), key=_RANK.__getitem__, default=Verdict.OK)
    worst = max((rate for _, rate in rates.values() if rate is not None), default=None)
    return Prediction(verdict, findings, worst)
