"""Commands to a disk through the kernel, the ones smartctl sends: NVMe admin passthrough and SG_IO.

Two ioctls, no subprocess:

- ``NVME_IOCTL_ADMIN_CMD`` on an NVMe controller's character device
  (``/dev/nvme0``): Identify, Get Log Page, Device Self-test. The kernel asks
  for CAP_SYS_ADMIN.
- ``SG_IO`` on a SCSI disk (``/dev/sda``: libata's disks and USB bridges),
  with an ATA command wrapped in ATA PASS-THROUGH(16), or (12) where a
  bridge knows only that (SAT, the SCSI/ATA Translation standard). The kernel
  asks for CAP_SYS_RAWIO.

:class:`KernelTransport` sends them; :class:`Recorder` keeps what a disk
answered and :class:`Replay` answers from that, so tests replay pages that a
real kernel returned. Every error is a :class:`PassthroughError` that says
which of the two an administrator must grant (:class:`NotPermitted`) or
that the device does not take the command (:class:`Unsupported`).
"""

from __future__ import annotations

from collections.abc import Mapping
import ctypes
from dataclasses import dataclass
import errno
import fcntl
import os
import struct
from typing import Any, Final, Protocol

NVME_IOCTL_ADMIN_CMD: Final = 0xC0484E41  # _IOWR('N', 0x41, struct nvme_passthru_cmd): 72 bytes
SG_IO: Final = 0x2285
_NVME_COMMAND: Final = struct.Struct("<BBHIIIQQII6III")  # struct nvme_passthru_cmd
_SG_IO_HDR: Final = struct.Struct("<iiBBHIQQQIIi4xQBBBBHHiII4x")  # struct sg_io_hdr, 64-bit
_SG_DXFER_NONE: Final = -1
_SG_DXFER_FROM_DEV: Final = -3
_SENSE_LENGTH: Final = 32
_TIMEOUT_MS: Final = 20_000
_ATA_16: Final = 0x85
_ATA_12: Final = 0xA1
_PIO_DATA_IN: Final = 4
_NON_DATA: Final = 3
_FLAGS_DATA_IN: Final = 0x0E  # T_DIR from the device, BYTE_BLOCK, T_LENGTH in the count field
_FLAGS_CHECK: Final = 0x20  # CK_COND: return the ATA registers in the sense data
_ILLEGAL_REQUEST: Final = 0x05
_ABORTED: Final = 0x0B
_ATA_ERROR_BIT: Final = 0x01
NVME_BROADCAST: Final = 0xFFFFFFFF


class PassthroughError(OSError):
    """A command the kernel or the device did not carry out."""


class NotPermitted(PassthroughError):
    """The process may not send the command: ``need`` is ``device`` (open it) or ``capability`` (the ioctl)."""

    def __init__(self, device: str, need: str, detail: str) -> None:
        """Say what is missing on ``device``."""
        super().__init__(errno.EPERM if need == "capability" else errno.EACCES, detail)
        self.device = device
        self.need = need


class Unsupported(PassthroughError):
    """The device, or the bridge in front of it, does not take the command."""


class OpcodeRefused(Unsupported):
    """A bridge that does not know the SCSI command (ATA PASS-THROUGH(16)): try the 12-byte one."""


@dataclass(frozen=True, slots=True)
class AtaCommand:
    """One ATA command: a 28-bit taskfile, and how many 512-byte blocks it returns."""

    command: int
    features: int = 0
    count: int = 0
    lba: int = 0
    blocks: int = 0  # blocks of data in; 0: a non-data command whose registers come back

    @property
    def key(self) -> str:
        """The command as one word, the key of a recording."""
        return f"ata {self.command:02x} {self.features:02x} {self.count:02x} {self.lba:06x} {self.blocks}"


@dataclass(frozen=True, slots=True)
class AtaAnswer:
    """A device's answer: data blocks, or the registers of a non-data command."""

    data: bytes = b""
    count: int = 0
    lba: int = 0
    status: int = 0


class Transport(Protocol):
    """Sends commands to a device node; blocking."""

    def nvme_admin(self, device: str, opcode: int, nsid: int, cdw10: int, length: int) -> bytes:
        """An NVMe admin command's data."""

    def ata(self, device: str, command: AtaCommand) -> AtaAnswer:
        """An ATA command's answer, through SAT."""


def nvme_key(opcode: int, nsid: int, cdw10: int, length: int) -> str:
    """An NVMe admin command as one word, the key of a recording."""
    return f"nvme {opcode:02x} {nsid:08x} {cdw10:08x} {length}"


def _open(device: str, flags: int) -> int:
    """Open a device node the scan found in sysfs.

    A node that is not there, where sysfs (the host's, in a container) shows the
    disk, was not passed into this container: as much a refusal as a denied one.
    """
    try:
        return os.open(device, flags)
    except (PermissionError, FileNotFoundError) as err:
        raise NotPermitted(device, "device", f"{device}: {err.strerror}") from err


def _ioctl_failed(device: str, err: OSError) -> PassthroughError:
    if err.errno in (errno.EPERM, errno.EACCES):
        return NotPermitted(device, "capability", f"{device}: {err.strerror}")
    if err.errno in (errno.EINVAL, errno.ENOTTY, errno.EOPNOTSUPP):
        return Unsupported(err.errno, f"{device}: {err.strerror}")
    return PassthroughError(err.errno, f"{device}: {err.strerror}")


class KernelTransport:
    """The real thing: ioctls on device nodes."""

    def nvme_admin(self, device: str, opcode: int, nsid: int, cdw10: int, length: int) -> bytes:
        """Send one admin command; its data, ``length`` bytes."""
        buffer = ctypes.create_string_buffer(length)
        command = bytearray(
            _NVME_COMMAND.pack(
                opcode, 0, 0, nsid, 0, 0, 0, ctypes.addressof(buffer) if length else 0, 0, length,
                cdw10, 0, 0, 0, 0, 0, _TIMEOUT_MS, 0,
            )
        )  # fmt: skip
        descriptor = _open(device, os.O_RDONLY)
        try:
            status = fcntl.ioctl(descriptor, NVME_IOCTL_ADMIN_CMD, command)
        except OSError as err:
            raise _ioctl_failed(device, err) from err
        finally:
            os.close(descriptor)
        if status:
            raise Unsupported(errno.EIO, f"{device}: NVMe status 0x{status:x} for opcode 0x{opcode:02x}")
        return buffer.raw

    def ata(self, device: str, command: AtaCommand) -> AtaAnswer:
        """Send one ATA command in ATA PASS-THROUGH(16), or (12) where a bridge refuses the 16-byte one."""
        descriptor = _open(device, os.O_RDONLY | os.O_NONBLOCK)
        try:
            try:
                return self._ata(descriptor, device, command, sixteen=True)
            except OpcodeRefused:
                return self._ata(descriptor, device, command, sixteen=False)
        finally:
            os.close(descriptor)

    def _ata(self, descriptor: int, device: str, command: AtaCommand, *, sixteen: bool) -> AtaAnswer:
        protocol, flags = (_PIO_DATA_IN, _FLAGS_DATA_IN) if command.blocks else (_NON_DATA, _FLAGS_CHECK)
        low, mid, high = command.lba & 0xFF, (command.lba >> 8) & 0xFF, (command.lba >> 16) & 0xFF
        if sixteen:
            cdb = bytes([_ATA_16, protocol << 1, flags, 0, command.features, 0, command.count,
                         0, low, 0, mid, 0, high, 0, command.command, 0])  # fmt: skip
        else:
            cdb = bytes([_ATA_12, protocol << 1, flags, command.features, command.count, low, mid, high,
                         0, command.command, 0, 0])  # fmt: skip
        length = 512 * command.blocks
        data = ctypes.create_string_buffer(max(length, 1))
        cdb_buffer = ctypes.create_string_buffer(cdb, len(cdb))
        sense = ctypes.create_string_buffer(_SENSE_LENGTH)
        header = bytearray(
            _SG_IO_HDR.pack(
                ord("S"), _SG_DXFER_FROM_DEV if length else _SG_DXFER_NONE, len(cdb), _SENSE_LENGTH, 0, length,
                ctypes.addressof(data) if length else 0, ctypes.addressof(cdb_buffer), ctypes.addressof(sense),
                _TIMEOUT_MS, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            )
        )  # fmt: skip
        try:
            fcntl.ioctl(descriptor, SG_IO, header)
        except OSError as err:
            raise _ioctl_failed(device, err) from err
        fields = _SG_IO_HDR.unpack(header)
        status, sense_written, host_status, driver_status = fields[13], fields[16], fields[17], fields[18]
        answer = sense_answer(sense.raw[:sense_written])
        if host_status or (driver_status & 0x0F and not sense_written):
            raise PassthroughError(errno.EIO, f"{device}: host status {host_status}, driver status {driver_status}")
        if status and answer is None:
            key, code = _sense_key(sense.raw[:sense_written])
            refused = OpcodeRefused if key == _ILLEGAL_REQUEST and code >> 8 == 0x20 else Unsupported
            raise refused(errno.EIO, f"{device}: SCSI sense key 0x{key:x}, additional sense 0x{code:04x}")
        if answer is not None and answer.status & _ATA_ERROR_BIT:
            raise Unsupported(errno.EIO, f"{device}: the drive aborted ATA command 0x{command.command:02x}")
        registers = answer or AtaAnswer()
        return AtaAnswer(data.raw[:length], registers.count, registers.lba, registers.status)


def _sense_key(sense: bytes) -> tuple[int, int]:
    """The sense key and additional sense code (ASC << 8 | ASCQ) of fixed or descriptor sense data."""
    if len(sense) < 4:
        return 0, 0
    if sense[0] & 0x7F in (0x72, 0x73):
        return sense[1] & 0x0F, sense[2] << 8 | sense[3]
    if len(sense) >= 14:
        return sense[2] & 0x0F, sense[12] << 8 | sense[13]
    return sense[2] & 0x0F, 0


def sense_answer(sense: bytes) -> AtaAnswer | None:
    """The ATA registers SAT returns in sense data (its ATA Status Return descriptor, or fixed format)."""
    if len(sense) < 8:
        return None
    if sense[0] & 0x7F in (0x72, 0x73):
        at = 8
        while at + 1 < len(sense):
            code, length = sense[at], sense[at + 1]
            if code == 0x09 and length >= 12 and at + 14 <= len(sense):
                d = sense[at : at + 14]
                return AtaAnswer(count=d[5], lba=d[7] | d[9] << 8 | d[11] << 16, status=d[13])
            at += 2 + length
        return None
    key, code = _sense_key(sense)
    if key in (0x01, _ABORTED) and code == 0x001D and len(sense) >= 12:  # ATA PASS THROUGH INFORMATION AVAILABLE
        return AtaAnswer(count=sense[6], lba=sense[9] | sense[10] << 8 | sense[11] << 16, status=sense[4])
    return None


class Recorder:
    """Passes commands to ``transport`` and keeps every answer, to write as a recording."""

    def __init__(self, transport: Transport) -> None:
        """Record what ``transport`` answers."""
        self.transport = transport
        self.answers: dict[str, dict[str, dict[str, Any]]] = {}

    def nvme_admin(self, device: str, opcode: int, nsid: int, cdw10: int, length: int) -> bytes:
        """Send and keep."""
        data = self.transport.nvme_admin(device, opcode, nsid, cdw10, length)
        self.answers.setdefault(device, {})[nvme_key(opcode, nsid, cdw10, length)] = {"data": data.hex()}
        return data

    def ata(self, device: str, command: AtaCommand) -> AtaAnswer:
        """Send and keep."""
        answer = self.transport.ata(device, command)
        self.answers.setdefault(device, {})[command.key] = {
            "data": answer.data.hex(), "count": answer.count, "lba": answer.lba, "status": answer.status,
        }  # fmt: skip
        return answer


class Replay:
    """Answers from a recording: ``{device: {command key: answer}}``; a command not recorded is unsupported."""

    def __init__(self, answers: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        """Replay ``answers`` (a :class:`Recorder`'s, or edited ones)."""
        self.answers = answers
        self.sent: list[str] = []

    def _answer(self, device: str, key: str) -> Mapping[str, Any]:
        self.sent.append(f"{device} {key}")
        found = self.answers.get(device, {}).get(key)
        if found is None:
            raise Unsupported(errno.EIO, f"{device}: {key}: not in the recording")
        if "error" in found:
            need = str(found["error"])
            raise NotPermitted(device, need, f"{device}: recorded {need} refusal")
        return found

    def nvme_admin(self, device: str, opcode: int, nsid: int, cdw10: int, length: int) -> bytes:
        """The recorded data."""
        return bytes.fromhex(str(self._answer(device, nvme_key(opcode, nsid, cdw10, length))["data"]))

    def ata(self, device: str, command: AtaCommand) -> AtaAnswer:
        """The recorded answer."""
        found = self._answer(device, command.key)
        return AtaAnswer(
            bytes.fromhex(str(found["data"])), int(found["count"]), int(found["lba"]), int(found["status"])
        )
