"""SMART through the kernel, without smartctl: the reader for Home Assistant OS and Container.

It sends the commands smartctl sends (:mod:`.passthrough`) and decodes the
answers the way smartctl prints them, into the same :class:`~.smart.DiskReading`:

- **NVMe**, on the controller (``/dev/nvme0``): Identify Controller (and
  Namespace 1 where the controller has one namespace, as smartctl shows its
  size), the SMART / Health log (02h) and, where the controller has
  Device Self-test, the self-test log (06h). Temperatures are Kelvin minus 273,
  as smartctl has them.
- **ATA**, libata's disks and USB bridges that speak SAT: CHECK POWER MODE
  first, and a drive in standby or sleep is not read and never woken (the rule
  of ``smartctl -n standby``); then IDENTIFY DEVICE, SMART READ DATA and READ
  THRESHOLDS, SMART RETURN STATUS (the drive's own verdict) and the SMART
  self-test log. Attribute names and raw formats are smartctl's defaults (its
  drive database's ``DEFAULT`` entry): the vendor-specific formats of the
  database are what smartctl brings on top.
- **eMMC**, from sysfs: ``device/life_time`` (the two wear estimates) and
  ``device/pre_eol_info``.
- **No health data**: virtual disks (virtio, Xen, Hyper-V, VMware, QEMU's
  SCSI disks), SD cards, and USB bridges that refuse ATA PASS-THROUGH are
  listed with :class:`~.smart.HealthData` saying why; SCSI/SAS disks are
  smartctl's (they get ``scsi``).

Disks are found in ``/sys/block`` and ``/sys/class/nvme``: partitions, loop,
RAM, device-mapper, md, optical and zram devices are not disks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
import re
from typing import Final

from .passthrough import (
    NVME_BROADCAST,
    AtaCommand,
    KernelTransport,
    NotPermitted,
    Transport,
    Unsupported,
)
from .smart import (
    PLAUSIBLE_TEMPERATURE,
    TEMPERATURE_ATTRIBUTES,
    AtaAttribute,
    DiskReading,
    EmmcHealth,
    HealthData,
    NvmeHealth,
    ScanEntry,
    SelfTest,
    SmartctlError,
    SmartctlNotPermitted,
    SmartctlUnreadable,
    plain_serial,
    self_test_outcome,
)

# smartctl's drive database, entry "DEFAULT": attribute id -> (name, raw format, "HDD"/"SSD" only or "").
DEFAULT_ATTRIBUTES: Final[Mapping[int, tuple[str, str, str]]] = {
    1: ("Raw_Read_Error_Rate", "raw48", ""), 2: ("Throughput_Performance", "raw48", ""),
    3: ("Spin_Up_Time", "raw16(avg16)", ""), 4: ("Start_Stop_Count", "raw48", ""),
    5: ("Reallocated_Sector_Ct", "raw16(raw16)", ""), 6: ("Read_Channel_Margin", "raw48", "HDD"),
    7: ("Seek_Error_Rate", "raw48", "HDD"), 8: ("Seek_Time_Performance", "raw48", "HDD"),
    9: ("Power_On_Hours", "raw24(raw8)", ""), 10: ("Spin_Retry_Count", "raw48", "HDD"),
    11: ("Calibration_Retry_Count", "raw48", "HDD"), 12: ("Power_Cycle_Count", "raw48", ""),
    13: ("Read_Soft_Error_Rate", "raw48", ""), 22: ("Helium_Level", "raw16(raw16)", "HDD"),
    23: ("Helium_Condition_Lower", "raw48", "HDD"), 24: ("Helium_Condition_Upper", "raw48", "HDD"),
    175: ("Program_Fail_Count_Chip", "raw48", "SSD"), 176: ("Erase_Fail_Count_Chip", "raw48", "SSD"),
    177: ("Wear_Leveling_Count", "raw48", "SSD"), 178: ("Used_Rsvd_Blk_Cnt_Chip", "raw48", "SSD"),
    179: ("Used_Rsvd_Blk_Cnt_Tot", "raw48", "SSD"), 180: ("Unused_Rsvd_Blk_Cnt_Tot", "raw48", "SSD"),
    181: ("Program_Fail_Cnt_Total", "raw48", ""), 182: ("Erase_Fail_Count_Total", "raw48", "SSD"),
    183: ("Runtime_Bad_Block", "raw48", ""), 184: ("End-to-End_Error", "raw48", ""),
    187: ("Reported_Uncorrect", "raw48", ""), 188: ("Command_Timeout", "raw48", ""),
    189: ("High_Fly_Writes", "raw48", "HDD"), 190: ("Airflow_Temperature_Cel", "tempminmax", ""),
    191: ("G-Sense_Error_Rate", "raw48", "HDD"), 192: ("Power-Off_Retract_Count", "raw48", ""),
    193: ("Load_Cycle_Count", "raw48", "HDD"), 194: ("Temperature_Celsius", "tempminmax", ""),
    195: ("Hardware_ECC_Recovered", "raw48", ""), 196: ("Reallocated_Event_Count", "raw16(raw16)", ""),
    197: ("Current_Pending_Sector", "raw48", ""), 198: ("Offline_Uncorrectable", "raw48", ""),
    199: ("UDMA_CRC_Error_Count", "raw48", ""), 200: ("Multi_Zone_Error_Rate", "raw48", "HDD"),
    201: ("Soft_Read_Error_Rate", "raw48", "HDD"), 202: ("Data_Address_Mark_Errs", "raw48", "HDD"),
    203: ("Run_Out_Cancel", "raw48", ""), 204: ("Soft_ECC_Correction", "raw48", ""),
    205: ("Thermal_Asperity_Rate", "raw48", ""), 206: ("Flying_Height", "raw48", "HDD"),
    207: ("Spin_High_Current", "raw48", "HDD"), 208: ("Spin_Buzz", "raw48", "HDD"),
    209: ("Offline_Seek_Performnce", "raw48", "HDD"), 220: ("Disk_Shift", "raw48", "HDD"),
    221: ("G-Sense_Error_Rate", "raw48", "HDD"), 222: ("Loaded_Hours", "raw48", "HDD"),
    223: ("Load_Retry_Count", "raw48", "HDD"), 224: ("Load_Friction", "raw48", "HDD"),
    225: ("Load_Cycle_Count", "raw48", "HDD"), 226: ("Load-in_Time", "raw48", "HDD"),
    227: ("Torq-amp_Count", "raw48", "HDD"), 228: ("Power-off_Retract_Count", "raw48", ""),
    230: ("Head_Amplitude", "raw48", "HDD"), 231: ("Temperature_Celsius", "raw48", "HDD"),
    232: ("Available_Reservd_Space", "raw48", ""), 233: ("Media_Wearout_Indicator", "raw48", "SSD"),
    240: ("Head_Flying_Hours", "raw24(raw8)", "HDD"), 241: ("Total_LBAs_Written", "raw48", ""),
    242: ("Total_LBAs_Read", "raw48", ""), 250: ("Read_Error_Retry_Rate", "raw48", ""),
    254: ("Free_Fall_Sensor", "raw48", "HDD"),
}  # fmt: skip

# ATA commands (ACS-3) and SMART subcommands.
IDENTIFY: Final = AtaCommand(0xEC, count=1, blocks=1)
CHECK_POWER_MODE: Final = AtaCommand(0xE5)
_SMART: Final = 0xB0
_SMART_LBA: Final = 0xC24F00  # LBA mid 4Fh, high C2h: the SMART signature
SMART_READ_DATA: Final = AtaCommand(_SMART, 0xD0, 1, _SMART_LBA, 1)
SMART_READ_THRESHOLDS: Final = AtaCommand(_SMART, 0xD1, 1, _SMART_LBA, 1)
SMART_RETURN_STATUS: Final = AtaCommand(_SMART, 0xDA, 0, _SMART_LBA)
SMART_SELF_TEST_LOG: Final = AtaCommand(_SMART, 0xD5, 1, _SMART_LBA | 0x06, 1)
SMART_SHORT_SELF_TEST: Final = AtaCommand(_SMART, 0xD4, 0, _SMART_LBA | 0x01)
_FAILING_SIGNATURE: Final = 0x2CF400  # RETURN STATUS: threshold exceeded
# CHECK POWER MODE's count: standby (00h, 01h) and standby with the NV cache spun down (40h, 41h).
STANDBY_MODES: Final = frozenset({0x00, 0x01, 0x40, 0x41})
# NVMe admin commands.
_NVME_IDENTIFY: Final = 0x06
_NVME_GET_LOG: Final = 0x02
_NVME_SELF_TEST: Final = 0x14
_NVME_SELF_TEST_SUPPORTED: Final = 0x0010  # OACS bit 4
_KELVIN: Final = 273  # smartctl's kelvin_to_str: K - 273

# Names of the kernel's block devices that are not disks, and of the parts of an eMMC that are not it.
_NOT_DISKS: Final = re.compile(r"^(loop|ram|zram|dm-|md|sr|fd|nbd|mtdblock)|^mmcblk\d+(boot\d+|rpmb)$")
# Disks a hypervisor makes: model (or vendor + model) as sysfs shows them.
VIRTUAL_MODELS: Final = re.compile(
    r"^(QEMU HARDDISK|QEMU CD-ROM|VBOX HARDDISK|VMware Virtual|Virtual disk|Virtual Disk|Msft Virtual Disk)"
)
_VIRTUAL_DRIVERS: Final = ("virtio", "vmbus", "xen", "VMBUS")

ATA_TEST_KINDS: Final = {
    0x00: "Offline", 0x01: "Short offline", 0x02: "Extended offline", 0x03: "Conveyance offline",
    0x04: "Selective offline", 0x7F: "Abort offline test", 0x81: "Short captive", 0x82: "Extended captive",
    0x83: "Conveyance captive", 0x84: "Selective captive",
}  # fmt: skip
ATA_TEST_STATUS: Final = {
    0x0: "Completed without error", 0x1: "Aborted by host", 0x2: "Interrupted (host reset)",
    0x3: "Fatal or unknown error", 0x4: "Completed: unknown failure", 0x5: "Completed: electrical failure",
    0x6: "Completed: servo/seek failure", 0x7: "Completed: read failure", 0x8: "Completed: handling damage??",
    0xF: "Self-test routine in progress",
}  # fmt: skip
NVME_TEST_KINDS: Final = {0x1: "Short", 0x2: "Extended", 0xE: "Vendor specific"}
NVME_TEST_RESULTS: Final = {
    0x0: "Completed without error", 0x1: "Aborted: Self-test command", 0x2: "Aborted: Controller Reset",
    0x3: "Aborted: Namespace removed", 0x4: "Aborted: Format NVM command", 0x5: "Fatal or unknown test error",
    0x6: "Completed: unknown failed segment", 0x7: "Completed: failed segments", 0x8: "Aborted: unknown reason",
    0x9: "Aborted: sanitize operation",
}  # fmt: skip


class KernelNotPermitted(SmartctlNotPermitted):
    """The process may not read a disk through the kernel: what a container needs for it."""

    def __init__(self, device: str, need: str, kind: str) -> None:
        """``need``: ``device`` or ``capability``; ``kind``: ``nvme`` or ``sat``."""
        self.fix = fix_for(device, need, kind)
        super().__init__(f"{device}: {self.fix}")
        self.device = device
        self.need = need

    @classmethod
    def refused(cls, entry: ScanEntry, err: NotPermitted) -> KernelNotPermitted:
        """The refusal the transport met sending ``entry``'s commands."""
        return cls(err.device, err.need, "nvme" if entry.device_type == "nvme" else "sat")


def fix_for(device: str, need: str, kind: str) -> str:
    """What a Container (docker run, compose) must be given to read ``device``."""
    capability = "SYS_ADMIN" if kind == "nvme" else "SYS_RAWIO"
    if need == "device":
        return f"--device {device} --cap-add {capability}"
    return f"--cap-add {capability}"


# ---------------------------------------------------------------- ATA decoding


@dataclass(frozen=True, slots=True)
class AtaIdentity:
    """What IDENTIFY DEVICE says of a drive, as smartctl prints it."""

    model: str | None
    serial: str | None
    firmware: str | None
    capacity: int | None
    rotation_rate: int | None  # 1: solid state; None where the drive does not say
    smart_available: bool
    smart_enabled: bool


def _ata_string(page: bytes, first_word: int, last_word: int) -> str | None:
    raw = page[first_word * 2 : (last_word + 1) * 2]
    swapped = bytes(b for pair in zip(raw[1::2], raw[0::2], strict=True) for b in pair)
    text = swapped.decode("ascii", "replace").strip(" \x00")
    return text or None


def _word(page: bytes, number: int) -> int:
    return int.from_bytes(page[number * 2 : number * 2 + 2], "little")


def _valid_command_set(word: int) -> bool:
    """Words 82-87 hold data only where bit 14 is set and bit 15 clear."""
    return word & 0xC000 == 0x4000


def decode_identify(page: bytes) -> AtaIdentity:
    """IDENTIFY DEVICE's 512 bytes."""
    if _word(page, 83) & 0x0400 and _valid_command_set(_word(page, 83)):
        sectors = int.from_bytes(page[200:208], "little")  # words 100-103: 48-bit LBA
    else:
        sectors = int.from_bytes(page[120:124], "little")  # words 60-61
    sector_size = 512
    if _valid_command_set(_word(page, 106)) and _word(page, 106) & 0x1000:
        sector_size = int.from_bytes(page[234:238], "little") * 2  # words 117-118, in words
    rate = _word(page, 217)
    rotation = rate if rate == 1 or 0x0401 <= rate <= 0xFFFE else None
    command_sets, enabled = _word(page, 82), _word(page, 85)
    valid = _valid_command_set(_word(page, 83))
    return AtaIdentity(
        model=_ata_string(page, 27, 46),
        serial=_ata_string(page, 10, 19),
        firmware=_ata_string(page, 23, 26),
        capacity=sectors * sector_size or None,
        rotation_rate=rotation,
        smart_available=bool(valid and command_sets & 0x0001),
        smart_enabled=bool(valid and enabled & 0x0001),
    )


def attribute_name(number: int, rotation_rate: int | None) -> str:
    """Smartctl's name for an attribute without its drive database (``ata_get_smart_attr_name``)."""
    known = DEFAULT_ATTRIBUTES.get(number)
    if known is None:
        return "Unknown_Attribute"
    name, _, only = known
    if only == "HDD" and rotation_rate == 1:
        return "Unknown_SSD_Attribute"
    if only == "SSD" and rotation_rate is not None and rotation_rate > 1:
        return "Unknown_HDD_Attribute"
    return name


def _check_temp_word(word: int) -> int:
    if word <= 0x7F:
        return 0x11
    if word <= 0xFF:
        return 0x01
    if word >= 0xFF80:
        return 0x10
    return 0x00


def _signed(byte: int) -> int:
    return byte - 256 if byte > 127 else byte


def _temp_range(t: int, first: int, second: int) -> tuple[int, int] | None:
    low, high = sorted((_signed(first), _signed(second)))
    if -60 <= low <= t <= high <= 120 and not (low == -1 and high <= 0):
        return low, high
    return None


def _tempminmax(raw: bytes) -> str:
    """Smartctl's ``tempminmax`` format: the temperature, with the lowest and highest where the drive keeps them."""
    word = [raw[0] | raw[1] << 8, raw[2] | raw[3] << 8, raw[4] | raw[5] << 8]
    t = _signed(raw[0])
    ctw0 = _check_temp_word(word[0])
    found: tuple[int, int] | None = None
    count: int | None = None
    if not word[2]:
        if not word[1] and ctw0:
            return str(t)
        found = (_temp_range(t, raw[2], raw[3]) if ctw0 else None) or (
            _temp_range(t, raw[1], raw[2]) if not raw[3] else None
        )
    elif ctw0:
        if ctw0 & _check_temp_word(word[1]) & _check_temp_word(word[2]):
            found = _temp_range(t, raw[2], raw[4])
        if found is None and word[2] < 0x7FFF and (hit := _temp_range(t, raw[2], raw[3])) and hit[1] >= 40:
            found, count = hit, word[2]
    if found is None:
        return f"{raw[0]} ({raw[5]} {raw[4]} {raw[3]} {raw[2]} {raw[1]})"
    if count is not None:
        return f"{t} (Min/Max {found[0]}/{found[1]} #{count})"
    return f"{t} (Min/Max {found[0]}/{found[1]})"


def format_raw(number: int, raw: bytes) -> str:
    """An attribute's six raw bytes as smartctl prints them with its default format for ``number``."""
    value = int.from_bytes(raw[:6], "little")
    word = [raw[0] | raw[1] << 8, raw[2] | raw[3] << 8, raw[4] | raw[5] << 8]
    kind = DEFAULT_ATTRIBUTES[number][1] if number in DEFAULT_ATTRIBUTES else "raw48"
    if kind == "raw16(raw16)":
        return f"{word[0]} ({word[2]} {word[1]})" if word[1] or word[2] else str(word[0])
    if kind == "raw16(avg16)":
        return f"{word[0]} (Average {word[1]})" if word[1] else str(word[0])
    if kind == "raw24(raw8)":
        text = str(value & 0xFFFFFF)
        return f"{text} ({raw[5]} {raw[4]} {raw[3]})" if raw[3] or raw[4] or raw[5] else text
    if kind == "tempminmax":
        return _tempminmax(raw)
    return str(value)


def _first_number(text: str) -> int | None:
    """The raw value as a number: the first digits of the printed raw value, as pySMART reads it."""
    found = re.search(r"\d+", text)
    return int(found.group()) if found else None


def decode_attributes(values: bytes, thresholds: bytes | None, rotation_rate: int | None) -> dict[int, AtaAttribute]:
    """SMART READ DATA's attribute table, with READ THRESHOLDS' thresholds (None where they could not be read)."""
    limits: dict[int, int] = {}
    if thresholds is not None:
        for at in range(2, 362, 12):
            if thresholds[at]:
                limits.setdefault(thresholds[at], thresholds[at + 1])
    attributes: dict[int, AtaAttribute] = {}
    for at in range(2, 362, 12):
        number = values[at]
        if not number:
            continue
        flags, value, worst, raw = (
            int.from_bytes(values[at + 1 : at + 3], "little"),
            values[at + 3],
            values[at + 4],
            values[at + 5 : at + 11],
        )
        threshold = limits.get(number)
        state = "-"
        if threshold:
            if value <= threshold:
                state = "FAILING_NOW"
            elif worst <= threshold:
                state = "In_the_past"
        text = format_raw(number, raw)
        attributes[number] = AtaAttribute(
            id=number,
            name=attribute_name(number, rotation_rate),
            value=value,
            worst=worst,
            threshold=threshold,
            raw=text,
            raw_value=_first_number(text),
            when_failed=state,
            prefail=bool(flags & 0x0001),
        )
    return attributes


@dataclass(frozen=True, slots=True)
class SelfTestState:
    """Whether a self-test runs, how far it is, the newest one logged, and whether the drive can run one."""

    running: bool
    progress: int | None
    last: SelfTest | None
    supported: bool


def ata_self_test_state(values: bytes) -> tuple[bool, int | None, bool]:
    """SMART READ DATA's self-test execution status (byte 363) and capability (byte 367, bit 4)."""
    status = values[363]
    running = status >> 4 == 0xF
    return running, (100 - (status & 0x0F) * 10) if running else None, bool(values[367] & 0x10)


def decode_ata_self_test_log(page: bytes) -> SelfTest | None:
    """The newest entry of the SMART self-test log (address 06h), as smartctl prints it."""
    newest = page[508]
    if not newest:
        return None
    at = 2 + ((newest + 20) % 21) * 24
    entry = page[at : at + 24]
    if not any(entry):
        return None
    kind = ATA_TEST_KINDS.get(entry[0], f"Vendor (0x{entry[0]:02x})")
    status = ATA_TEST_STATUS.get(entry[1] >> 4, f"Unknown status (0x{entry[1] >> 4:x})")
    hours = int.from_bytes(entry[2:4], "little")
    return SelfTest(kind=kind, status=status, hours=hours, outcome=self_test_outcome(status))


# ---------------------------------------------------------------- NVMe decoding


def _nvme_string(raw: bytes) -> str | None:
    return raw.decode("ascii", "replace").strip(" \x00") or None


def _u128(page: bytes, at: int) -> int:
    return int.from_bytes(page[at : at + 16], "little")


@dataclass(frozen=True, slots=True)
class NvmeIdentity:
    """What Identify Controller (and Namespace 1) say, as smartctl prints them."""

    model: str | None
    serial: str | None
    firmware: str | None
    capacity: int | None
    namespaces: int
    can_self_test: bool


def decode_nvme_identify(controller: bytes, namespace: bytes | None) -> NvmeIdentity:
    """Identify Controller's 4096 bytes and, for a one-namespace controller, Namespace 1's."""
    capacity: int | None = None
    total, unallocated = _u128(controller, 280), _u128(controller, 296)
    if total or unallocated:
        capacity = total  # "Total NVM Capacity"
    if namespace is not None:
        size, allocated, features = (int.from_bytes(namespace[at : at + 8], "little") for at in (0, 8, 24))
        features &= 0xFF
        lba_format = namespace[26] & 0x0F
        lba_bits = namespace[128 + 4 * lba_format + 2]
        if size and size == allocated and not features & 0x01:
            capacity = size << lba_bits  # "Namespace 1 Size/Capacity", printed after the total
    return NvmeIdentity(
        model=_nvme_string(controller[24:64]),
        serial=_nvme_string(controller[4:24]),
        firmware=_nvme_string(controller[64:72]),
        capacity=capacity,
        namespaces=int.from_bytes(controller[516:520], "little"),
        can_self_test=bool(int.from_bytes(controller[256:258], "little") & _NVME_SELF_TEST_SUPPORTED),
    )


@dataclass(frozen=True, slots=True)
class NvmeLog:
    """The SMART / Health Information log (02h), decoded."""

    health: NvmeHealth
    temperature: int | None
    power_on_hours: int
    power_cycles: int


def decode_nvme_health(page: bytes) -> NvmeLog:
    """Log page 02h's 512 bytes."""
    kelvin = int.from_bytes(page[1:3], "little")
    health = NvmeHealth(
        critical_warning=page[0],
        available_spare=page[3],
        available_spare_threshold=page[4],
        percentage_used=page[5],
        media_errors=_u128(page, 160),
        error_log_entries=_u128(page, 176),
        unsafe_shutdowns=_u128(page, 144),
    )
    temperature = kelvin - _KELVIN if kelvin else None
    return NvmeLog(health, temperature, _u128(page, 128), _u128(page, 112))


def decode_nvme_self_test_log(page: bytes) -> tuple[bool, int | None, SelfTest | None]:
    """Log page 06h: whether a test runs, its completion (%), and the newest result."""
    running = bool(page[0] & 0x0F)
    progress = page[1] & 0x7F if running else None
    for at in range(4, 564, 28):
        code, result = page[at] >> 4, page[at] & 0x0F
        if not code or result == 0x0F:
            continue
        kind = NVME_TEST_KINDS.get(code, f"Unknown (0x{code:x})")
        status = NVME_TEST_RESULTS.get(result, f"Unknown result (0x{result:x})")
        hours = int.from_bytes(page[at + 4 : at + 12], "little")
        return running, progress, SelfTest(kind, status, hours, self_test_outcome(status))
    return running, progress, None


# ---------------------------------------------------------------- eMMC


def read_emmc(device_dir: Path) -> EmmcHealth | None:
    """An eMMC's ``life_time`` ("0x01 0x02") and ``pre_eol_info`` ("0x01"); None where the kernel shows neither."""
    try:
        life = (device_dir / "life_time").read_text().split()
        pre_eol = (device_dir / "pre_eol_info").read_text().strip()
        return EmmcHealth(int(life[0], 16), int(life[1], 16), int(pre_eol, 16))
    except OSError, ValueError, IndexError:
        return None


# ---------------------------------------------------------------- the reader


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def classify(block: Path) -> str:
    """How a disk in ``/sys/block`` is read: ``sat``, ``usb``, ``emmc``, ``none``, ``virtual`` or ``scsi``."""
    name = block.name
    resolved = str(block.resolve())
    device = block / "device"
    model = _text(device / "model")
    if name.startswith("mmcblk"):
        return "emmc" if _text(device / "type") == "MMC" else "none"
    if name.startswith(("vd", "xvd")) or any(driver in resolved for driver in _VIRTUAL_DRIVERS):
        return "virtual"
    if "/usb" in resolved:
        return "usb"
    if VIRTUAL_MODELS.match(model) or VIRTUAL_MODELS.match(f"{_text(device / 'vendor')} {model}".strip()):
        return "virtual"
    if _text(device / "vendor") == "ATA":
        return "sat"
    return "scsi"


class KernelSmartReader:
    """Reads SMART through the kernel; every method blocks (run it in an executor).

    ``sys_root`` and ``dev_root`` are where sysfs and the device nodes are;
    ``transport`` sends the commands (the kernel's ioctls, or a replay).
    """

    def __init__(
        self, sys_root: str | Path = "/sys", dev_root: str | Path = "/dev", transport: Transport | None = None
    ) -> None:
        """Read the disks under ``sys_root``, opening them under ``dev_root``."""
        self.sys_root = Path(sys_root)
        self.dev_root = Path(dev_root)
        self.transport: Transport = transport or KernelTransport()

    def scan(self) -> list[ScanEntry]:
        """Every disk the kernel has, with how it is read; NVMe by controller, as smartctl scans them."""
        entries = [
            ScanEntry(str(self.dev_root / controller.name), "nvme")
            for controller in sorted((self.sys_root / "class" / "nvme").glob("nvme*"))
        ]
        for block in sorted((self.sys_root / "block").glob("*")):
            if _NOT_DISKS.match(block.name) or block.name.startswith("nvme"):
                continue
            entries.append(ScanEntry(str(self.dev_root / block.name), classify(block)))
        return entries

    def read(self, entry: ScanEntry) -> DiskReading | None:
        """The disk's health data; None while an ATA disk is in standby (it is not woken).

        Raises :class:`KernelNotPermitted` where this process may not send the
        commands, and :class:`~.smart.SmartctlUnreadable` for any other failure
        of this disk alone.
        """
        try:
            if entry.device_type == "nvme":
                return self._nvme(entry)
            if entry.device_type in ("sat", "usb"):
                return self._ata(entry)
            return self._without_smart(entry)
        except NotPermitted as err:
            raise KernelNotPermitted.refused(entry, err) from err
        except OSError as err:  # the command failed, or the disk went between the scan and the read
            raise SmartctlUnreadable(f"cannot read {entry.path}: {err.strerror or err}") from err

    def _block(self, entry: ScanEntry) -> Path:
        return self.sys_root / "block" / Path(entry.path).name

    def _size(self, entry: ScanEntry) -> int | None:
        sectors = _text(self._block(entry) / "size")
        return int(sectors) * 512 if sectors.isdigit() and int(sectors) else None

    def _without_smart(self, entry: ScanEntry, kind: HealthData | None = None) -> DiskReading:
        """A disk that gives no SMART: what sysfs says of it, and why there is no more."""
        device = self._block(entry) / "device"
        health = kind or {
            "emmc": HealthData.EMMC, "virtual": HealthData.VIRTUAL, "scsi": HealthData.SCSI,
        }.get(entry.device_type, HealthData.NONE)  # fmt: skip
        emmc = read_emmc(device) if health is HealthData.EMMC else None
        if health is HealthData.EMMC and emmc is None:
            health = HealthData.NONE
        model = _text(device / "name") if entry.device_type in ("emmc", "none") else _text(device / "model")
        return DiskReading(
            path=entry.path,
            device_type=entry.device_type,
            model=model or None,
            serial=plain_serial(_text(device / "serial") or None),
            firmware=_text(device / "fwrev") or _text(device / "rev") or None,
            family=None,
            capacity=self._size(entry),
            is_ssd=_text(self._block(entry) / "queue" / "rotational") == "0",
            rotation_rate=None,
            interface=entry.device_type,
            smart_available=False,
            smart_enabled=False,
            passed=None,
            temperature=None,
            power_on_hours=None,
            power_cycles=None,
            health_data=health,
            emmc=emmc,
        )

    def _nvme(self, entry: ScanEntry) -> DiskReading:
        send = self.transport.nvme_admin
        controller = send(entry.path, _NVME_IDENTIFY, 0, 1, 4096)
        namespaces = int.from_bytes(controller[516:520], "little")
        namespace = send(entry.path, _NVME_IDENTIFY, 1, 0, 4096) if namespaces == 1 else None
        identity = decode_nvme_identify(controller, namespace)
        log = decode_nvme_health(send(entry.path, _NVME_GET_LOG, NVME_BROADCAST, (127 << 16) | 0x02, 512))
        running, progress, last = False, None, None
        if identity.can_self_test:
            page = send(entry.path, _NVME_GET_LOG, NVME_BROADCAST, (140 << 16) | 0x06, 564)
            running, progress, last = decode_nvme_self_test_log(page)
        return DiskReading(
            path=entry.path,
            device_type="nvme",
            model=identity.model,
            serial=plain_serial(identity.serial),
            firmware=identity.firmware,
            family=None,
            capacity=identity.capacity,
            is_ssd=True,
            rotation_rate=None,
            interface="nvme",
            smart_available=True,
            smart_enabled=True,
            passed=not log.health.critical_warning,
            temperature=log.temperature if log.temperature in PLAUSIBLE_TEMPERATURE else None,
            power_on_hours=log.power_on_hours,
            power_cycles=log.power_cycles,
            nvme=log.health,
            last_test=last,
            test_running=running,
            test_progress=progress,
            can_self_test=identity.can_self_test,
        )

    def asleep(self, entry: ScanEntry) -> bool:
        """Whether the ATA disk is in standby or sleep, by CHECK POWER MODE (which wakes nothing)."""
        try:
            mode = self.transport.ata(entry.path, CHECK_POWER_MODE)
        except Unsupported:  # a bridge that does not pass the command: read on, as smartctl does
            return False
        return mode.count in STANDBY_MODES

    def _ata(self, entry: ScanEntry) -> DiskReading | None:
        send = self.transport.ata
        if self.asleep(entry):
            return None
        try:
            identity = decode_identify(send(entry.path, IDENTIFY).data)
        except Unsupported:
            if entry.device_type == "usb":  # a bridge that passes no ATA command: no health data through it
                return self._without_smart(entry, HealthData.NONE)
            raise
        attributes: dict[int, AtaAttribute] = {}
        passed: bool | None = None
        running, progress, supported, last = False, None, False, None
        if identity.smart_available and identity.smart_enabled:
            values = send(entry.path, SMART_READ_DATA).data
            try:
                thresholds: bytes | None = send(entry.path, SMART_READ_THRESHOLDS).data
            except Unsupported:
                thresholds = None
            attributes = decode_attributes(values, thresholds, identity.rotation_rate)
            running, progress, supported = ata_self_test_state(values)
            signature = send(entry.path, SMART_RETURN_STATUS).lba
            passed = {_SMART_LBA: True, _FAILING_SIGNATURE: False}.get(signature)
            if supported:
                try:
                    last = decode_ata_self_test_log(send(entry.path, SMART_SELF_TEST_LOG).data)
                except Unsupported:
                    last = None
        temperatures = [attributes[n].raw_value for n in TEMPERATURE_ATTRIBUTES if n in attributes]
        return DiskReading(
            path=entry.path,
            device_type=entry.device_type,
            model=identity.model,
            serial=plain_serial(identity.serial),
            firmware=identity.firmware,
            family=None,
            capacity=identity.capacity,
            is_ssd=identity.rotation_rate == 1,
            rotation_rate=identity.rotation_rate if identity.rotation_rate != 1 else None,
            interface=entry.device_type,
            smart_available=identity.smart_available,
            smart_enabled=identity.smart_enabled,
            passed=passed,
            temperature=next((t for t in temperatures if t in PLAUSIBLE_TEMPERATURE), None),
            power_on_hours=attributes[9].raw_value if 9 in attributes else None,
            power_cycles=attributes[12].raw_value if 12 in attributes else None,
            attributes=attributes,
            last_test=last,
            test_running=running,
            test_progress=progress,
            can_self_test=supported,
        )

    def start_short_test(self, entry: ScanEntry) -> str:
        """Start a short self-test, as ``smartctl -t short`` does."""
        try:
            if entry.device_type == "nvme":
                self.transport.nvme_admin(entry.path, _NVME_SELF_TEST, NVME_BROADCAST, 0x1, 0)
            elif entry.device_type in ("sat", "usb"):
                self.transport.ata(entry.path, SMART_SHORT_SELF_TEST)
            else:
                raise SmartctlError(f"{entry.path} has no self-test")
        except NotPermitted as err:
            raise KernelNotPermitted.refused(entry, err) from err
        except OSError as err:
            raise SmartctlError(f"{entry.path} did not start a self-test: {err.strerror or err}") from err
        return "started"
