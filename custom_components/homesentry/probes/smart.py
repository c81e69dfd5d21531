"""SMART of physical disks: smartctl run and parsed by pySMART.

Disks come from ``smartctl --scan`` (which lists devices without opening them).
Each disk is read with ``-n standby`` on every command that touches it:
smartctl asks the drive's power mode first and exits without a word to the
platters when the drive sleeps, so a reading never spins a disk up. Once a
disk says it sleeps, the remaining commands of that read are not run at all.

pySMART's own subprocess path is used (its ``Smartctl`` class) with three
changes: a timeout per call, so a hung USB bridge costs one disk, not the
cycle; plain UTF-8 decoding instead of a character-set guess per call; and
digit groups printed with a locale's no-break spaces (``721 868 796``) read
as the number they are. Anything pySMART cannot parse costs that disk only
(:class:`SmartctlUnreadable`), never the other disks of the cycle.

Read here, not in pySMART: the temperature (attribute 194 before 190, as
smartctl and Scrutiny report it; values no drive can have are unknown), the
counts that vendors pack into a raw value (:func:`packed_count`), and
placeholder serial numbers (masked ``--``), which are no serial.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import hashlib
import re
import subprocess
from typing import Any, Final

from pySMART import Device
from pySMART.interface.ata import AtaAttributes
from pySMART.interface.nvme import NvmeAttributes
from pySMART.interface.scsi import SCSIAttributes
from pySMART.smartctl import Smartctl

from .sysfs import slug

SMARTCTL_TIMEOUT: Final = 60.0
STANDBY: Final = ("-n", "standby")
_ASLEEP = re.compile(r"Device is in (STANDBY|SLEEP|IDLE)\S* mode", re.IGNORECASE)
_DENIED = ("Permission denied", "Operation not permitted")
_HEALTH = re.compile(r"(?:self-assessment test result|SMART Health Status):\s*(?P<result>[A-Z]+)")
# A locale's digit grouping between digits: no-break, narrow no-break and thin spaces, apostrophes (de_CH).
_DIGIT_GROUP = re.compile(r"(?<=\d)[\u00a0\u202f\u2009'\u2019](?=\d{3}(?!\d))")
PLAUSIBLE_TEMPERATURE: Final = range(1, 101)  # °C; 0, -1, 128 and 255 are how drives say "no reading"
TEMPERATURE_ATTRIBUTES: Final = (194, 190)  # Temperature_Celsius first, as smartctl and Scrutiny report
_PACKED_FROM: Final = 1 << 32  # no drive counts four billion events: a raw value this large holds packed fields
# The drive's model line; pySMART also takes "Add. Product Id:" (a vendor's code, e.g. "DELL(tm)") for it.
_MODEL = re.compile(r"^(?:Device Model|Model Number|Product):\s*(?P<model>.*?)\s*$", re.MULTILINE)
_SCAN_LINE = re.compile(r"^(?P<path>\S+)\s+-d\s+(?P<type>\S+)")


class SmartctlError(Exception):
    """smartctl could not be run or did not answer."""


class SmartctlMissing(SmartctlError):
    """No smartctl at the configured path."""


class SmartctlNotPermitted(SmartctlError):
    """smartctl runs but may not open the disks (not root, no CAP_SYS_RAWIO, no device access)."""


class SmartctlUnreadable(SmartctlError):
    """smartctl answered for one disk, but the answer could not be parsed."""


class SelfTestOutcome(StrEnum):
    """The result of a self-test, in one word."""

    PASSED = "passed"
    FAILED = "failed"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"
    RUNNING = "running"
    UNKNOWN = "unknown"


class HealthData(StrEnum):
    """What health data a disk gives, and where none, why."""

    SMART = "smart"  # ATA, NVMe or SCSI SMART
    EMMC = "emmc"  # an eMMC's wear estimates and pre-EOL state
    VIRTUAL = "virtual"  # a hypervisor's disk: its health lives on the hypervisor
    NONE = "none"  # an SD card, or a USB bridge that passes no health command through
    SCSI = "scsi"  # a SCSI/SAS disk: smartctl reads it, the kernel reader does not


@dataclass(frozen=True, slots=True)
class EmmcHealth:
    """An eMMC's own health report (EXT_CSD, as the kernel shows it in sysfs).

    ``life_time_a``/``life_time_b``: the device's estimate of its wear for the
    two kinds of memory it has, in steps of 10 %: 1 means 0-10 % used, 10
    means 90-100 %, 11 means past its rated life; 0 means no estimate.
    ``pre_eol``: 1 normal, 2 warning (80 % of the reserved blocks used), 3
    urgent; 0 means none given.
    """

    life_time_a: int
    life_time_b: int
    pre_eol: int

    @property
    def percentage_used(self) -> int | None:
        """The wear as a percentage used: the upper end of the worse estimate's step (110 past rated life)."""
        worst = max(self.life_time_a, self.life_time_b)
        return None if not worst else worst * 10


@dataclass(frozen=True, slots=True)
class ScanEntry:
    """A device smartctl's scan found, with the type to open it as."""

    path: str
    device_type: str


@dataclass(frozen=True, slots=True)
class AtaAttribute:
    """One row of an ATA SMART attribute table."""

    id: int
    name: str
    value: int | None
    worst: int | None
    threshold: int | None
    raw: str
    raw_value: int | None
    when_failed: str
    prefail: bool

    @property
    def count(self) -> int | None:
        """The count the raw value holds, unpacked where the vendor packs it (:func:`packed_count`)."""
        return packed_count(self.id, self.raw, self.raw_value)


@dataclass(frozen=True, slots=True)
class NvmeHealth:
    """The NVMe SMART/Health Information log."""

    critical_warning: int | None
    available_spare: int | None
    available_spare_threshold: int | None
    percentage_used: int | None
    media_errors: int | None
    error_log_entries: int | None
    unsafe_shutdowns: int | None


@dataclass(frozen=True, slots=True)
class SelfTest:
    """The most recent self-test in the drive's log."""

    kind: str
    status: str
    hours: int | None
    outcome: SelfTestOutcome


@dataclass(frozen=True, slots=True)
class DiskReading:
    """What one disk told smartctl."""

    path: str
    device_type: str
    model: str | None
    serial: str | None
    firmware: str | None
    family: str | None
    capacity: int | None
    is_ssd: bool
    rotation_rate: int | None
    interface: str | None
    smart_available: bool
    smart_enabled: bool
    passed: bool | None  # the drive's overall self-assessment; None when it gives none
    temperature: int | None
    power_on_hours: int | None
    power_cycles: int | None
    attributes: Mapping[int, AtaAttribute] = field(default_factory=dict)
    nvme: NvmeHealth | None = None
    scsi_grown_defects: int | None = None
    scsi_uncorrected_errors: int | None = None
    last_test: SelfTest | None = None
    test_running: bool = False
    test_progress: int | None = None
    can_self_test: bool = False
    health_data: HealthData = HealthData.SMART
    emmc: EmmcHealth | None = None

    @property
    def identified(self) -> bool:
        """Smartctl learnt something about the disk (a scan line that opens nothing has nothing)."""
        return bool(self.model or self.serial or self.capacity or self.attributes or self.power_on_hours is not None)

    @property
    def key(self) -> str:
        """A name for the disk that survives reboots and device renames, without spelling out its serial.

        The model and a digest of the serial; without a serial, the path.
        """
        if self.serial:
            digest = hashlib.sha256(self.serial.encode()).hexdigest()[:8]
            return slug(f"{self.model or 'disk'}_{digest}")
        return slug(self.path.removeprefix("/dev/"))

    def raw(self, attribute: int) -> int | None:
        """The raw value of an ATA attribute, if the disk has it."""
        return _raw_of(self.attributes, attribute)

    def count(self, attribute: int) -> int | None:
        """The count an ATA counter attribute holds, unpacked, if the disk has it."""
        found = self.attributes.get(attribute)
        return None if found is None else found.count


def packed_count(attribute: int, raw_text: str, raw: int | None) -> int | None:
    """The count a counter attribute's raw value holds.

    Some vendors pack several 16-bit fields into the 48-bit raw value, and the
    number smartctl prints is then no count:

    - Seagate's 188 (Command_Timeout) holds three counters: all timeouts, those
      over 5 s and those over 7.5 s (``4295032833`` = 1, 1, 1). The first is the
      count, in the low 16 bits; printed split (``0 0 3``) the largest is.
    - HGST/Hitachi Travelstar's 187 (Reported_Uncorrect) keeps its count in the
      low 16 bits and other fields above (``4294967296``: no error at all).
    - Seagate Momentus' 197 (Current_Pending_Sector), likewise.

    A counter whose raw value is 2^32 or more holds packed fields (no drive
    counts four billion events), and its count is the low 16 bits; so is
    attribute 188's above 0xFFFF (Seagate packs even small counts).
    """
    parts = raw_text.split()
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return max(int(part) for part in parts)
    if raw is not None and (raw >= _PACKED_FROM or (attribute == 188 and raw > 0xFFFF)):
        return raw & 0xFFFF
    return raw


def plain_serial(serial: str | None) -> str | None:
    """The serial number, or None where smartctl printed a placeholder (``--``: masked, or none at all)."""
    if serial is None or not any(character.isalnum() for character in serial):
        return None
    return serial.strip()


class _Smartctl(Smartctl):  # type: ignore[misc]  # pySMART ships no type hints
    """pySMART's smartctl wrapper with a timeout, plain decoding, digit groups read and the standby rule."""

    def __init__(self, smartctl_path: str, timeout: float) -> None:
        super().__init__(smartctl_path=smartctl_path, options=[])
        self.timeout = timeout
        self.asleep = False
        self.denied = False
        self.verdict: bool | None = None  # the drive's own overall health line, as printed
        self.model: str | None = None  # the model line, as printed

    def generic_call(self, params: list[str], pass_options: bool = False) -> tuple[list[str], int]:
        touches_disk = not ({"--scan", "--scan-open", "test", "-t", "-X"} & set(params))
        if touches_disk:
            if self.asleep:
                return [], 2  # already known asleep: do not ask again this read
            params = [*STANDBY, *params]
        lines, code = super().generic_call(params, pass_options)
        text = "\n".join(lines)
        if touches_disk and _ASLEEP.search(text):
            self.asleep = True
            return [], 2
        if any(marker in text for marker in _DENIED):
            self.denied = True
        if self.model is None and (model := _MODEL.search(text)) is not None:
            self.model = model["model"] or None
        if (health := _HEALTH.search(text)) is not None:
            # PASSED/OK and FAILED are verdicts; UNKNOWN (smartctl could not read the status) is none.
            self.verdict = {"PASSED": True, "OK": True, "FAILED": False}.get(health["result"])
        return lines, code

    def _exec(self, cmd: list[str]) -> tuple[list[str], int]:
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=self.timeout, check=False)
        except FileNotFoundError as err:
            raise SmartctlMissing(cmd[0]) from err
        except PermissionError as err:
            raise SmartctlNotPermitted(f"{cmd[0]}: {err.strerror}") from err
        except subprocess.TimeoutExpired as err:
            raise SmartctlError(f"smartctl did not answer within {self.timeout:.0f} s") from err
        return [_DIGIT_GROUP.sub("", line) for line in self._decode_output(done.stdout)], done.returncode

    def _decode_output(self, raw_output: bytes) -> list[str]:
        try:
            return raw_output.decode("utf-8").splitlines()
        except UnicodeDecodeError:  # a localised smartctl: let pySMART guess the character set
            lines: list[str] = super()._decode_output(raw_output)
            return lines


def _raw_of(attributes: Mapping[int, AtaAttribute], number: int) -> int | None:
    """The raw value of attribute ``number``, if ``attributes`` has it."""
    found = attributes.get(number)
    return None if found is None else found.raw_value


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except TypeError, ValueError:
        return None


def self_test_outcome(status: str) -> SelfTestOutcome:
    """A self-test's status line, as smartctl prints it, in one word."""
    text = status.lower()
    if "progress" in text or "running" in text:
        return SelfTestOutcome.RUNNING
    if "without error" in text or (text.startswith("completed") and "fail" not in text):
        return SelfTestOutcome.PASSED
    if "abort" in text:
        return SelfTestOutcome.ABORTED
    if "interrupt" in text:
        return SelfTestOutcome.INTERRUPTED
    if "fail" in text:
        return SelfTestOutcome.FAILED
    return SelfTestOutcome.UNKNOWN


class SmartReader:
    """Runs smartctl at ``smartctl_path``; every method blocks (run it in an executor)."""

    def __init__(self, smartctl_path: str, *, timeout: float = SMARTCTL_TIMEOUT) -> None:
        """Read through the smartctl at ``smartctl_path``."""
        self.smartctl_path = smartctl_path
        self.timeout = timeout

    def scan(self) -> list[ScanEntry]:
        """The devices smartctl knows how to open, without opening them."""
        lines, _ = _Smartctl(self.smartctl_path, self.timeout).generic_call(["--scan"])
        entries: list[ScanEntry] = []
        for line in lines:
            if (match := _SCAN_LINE.match(line)) is not None:
                entries.append(ScanEntry(match["path"], match["type"]))
        return entries

    def read(self, entry: ScanEntry) -> DiskReading | None:
        """The disk's SMART data; None while it sleeps (it is not woken).

        Raises a :class:`SmartctlError` for this disk alone: whatever goes wrong
        in parsing its answer is :class:`SmartctlUnreadable`, naming the disk.
        """
        smartctl = _Smartctl(self.smartctl_path, self.timeout)
        try:
            device = Device(entry.path, interface=entry.device_type, smartctl=smartctl)
            if smartctl.asleep:
                return None
            if smartctl.denied and device.model is None:
                raise SmartctlNotPermitted(f"smartctl may not open {entry.path}")
            return _reading(entry, device, smartctl)
        except SmartctlError:
            raise
        except Exception as err:  # pySMART is a parser of free text: any failure is this disk's
            raise SmartctlUnreadable(f"cannot parse smartctl's answer for {entry.path}: {err!r}") from err

    def start_short_test(self, entry: ScanEntry) -> str:
        """Start a short self-test (it runs in the drive, about two minutes); the drive's answer."""
        smartctl = _Smartctl(self.smartctl_path, self.timeout)
        lines, _ = smartctl.generic_call(["-d", entry.device_type, "-t", "short", entry.path])
        text = "\n".join(lines)
        if "has begun" in text or "Self-test has begun" in text or "Short self-test started" in text:
            return "started"
        if "in progress" in text or "aborting current test" in text:
            raise SmartctlError("a self-test is already running")
        raise SmartctlError(next((line for line in reversed(lines) if line.strip()), "no answer from smartctl"))


def _reading(entry: ScanEntry, device: Any, smartctl: _Smartctl) -> DiskReading:
    attributes: dict[int, AtaAttribute] = {}
    nvme: NvmeHealth | None = None
    power_on_hours = power_cycles = None
    temperatures: list[int | None] = []
    grown = uncorrected = None
    details = device.if_attributes
    if isinstance(details, AtaAttributes):
        for attribute in details.legacyAttributes:
            if attribute is not None:
                attributes[attribute.num] = AtaAttribute(
                    id=attribute.num,
                    name=attribute.name,
                    value=_int(attribute.value_str),
                    worst=_int(attribute._worst),  # pySMART keeps the text only there
                    threshold=_int(attribute._thresh),
                    raw=str(attribute.raw).strip(),
                    raw_value=attribute.raw_int,
                    when_failed=str(attribute.when_failed),
                    prefail=str(attribute.type).lower().startswith("pre"),
                )
        power_on_hours = attributes[9].raw_value if 9 in attributes else None
        power_cycles = attributes[12].raw_value if 12 in attributes else None
        temperatures = [_raw_of(attributes, number) for number in TEMPERATURE_ATTRIBUTES]
    elif isinstance(details, NvmeAttributes):
        nvme = NvmeHealth(
            critical_warning=details.criticalWarning,
            available_spare=details.availableSpare,
            available_spare_threshold=details.availableSpareThreshold,
            percentage_used=details.percentageUsed,
            media_errors=details.integrityErrors,
            error_log_entries=details.errorEntries,
            unsafe_shutdowns=details.unsafeShutdowns,
        )
        power_on_hours, power_cycles = details.powerOnHours, details.powerCycles
    elif isinstance(details, SCSIAttributes):
        diagnostics = details.diagnostics
        power_on_hours = _int(diagnostics.Power_On_Hours)
        power_cycles = _int(diagnostics.Start_Stop_Cycles)
        grown = _int(diagnostics.Reallocated_Sector_Ct)  # "Elements in grown defect list"
        counts = [diagnostics.Uncorrected_Reads, diagnostics.Uncorrected_Writes, diagnostics.Uncorrected_Verifies]
        known = [int(count) for count in counts if _int(count) is not None]
        uncorrected = sum(known) if known else None
    last_test = None
    if device.tests:
        newest = device.tests[0]
        status = str(newest.status).strip()
        last_test = SelfTest(
            kind=str(newest.type).strip(), status=status, hours=_int(newest.hours), outcome=self_test_outcome(status)
        )
    return DiskReading(
        path=entry.path,
        device_type=entry.device_type,
        model=smartctl.model or device.model or None,
        serial=plain_serial(device.serial),
        firmware=device.firmware or None,
        family=device.family or None,
        capacity=_int(device._capacity),  # bytes as smartctl printed them
        is_ssd=bool(device.is_ssd),
        rotation_rate=device.rotation_rate,
        interface="nvme" if nvme is not None else entry.device_type,
        smart_available=bool(device.smart_capable) or nvme is not None,
        smart_enabled=bool(device.smart_enabled) or nvme is not None,
        passed=smartctl.verdict,
        temperature=next((t for t in (*temperatures, device.temperature) if t in PLAUSIBLE_TEMPERATURE), None),
        power_on_hours=power_on_hours,
        power_cycles=power_cycles,
        attributes=attributes,
        nvme=nvme,
        scsi_grown_defects=grown,
        scsi_uncorrected_errors=uncorrected,
        last_test=last_test,
        test_running=bool(device._test_running),
        test_progress=device._test_progress,
        can_self_test=bool(device.test_capabilities.get("short")),
    )
