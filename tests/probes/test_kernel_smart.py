"""The kernel reader's parts that need no drive: classification, sense data, errors, the eMMC rule.

Reads of real drives are tests/test_kernel_smart_guest.py's (a real kernel with
emulated controllers); these build sysfs trees and sense buffers as the kernel
returns them, and send the real ioctls to files that are no disk.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from custom_components.homesentry.probes.kernel_smart import (
    CHECK_POWER_MODE,
    IDENTIFY,
    KernelNotPermitted,
    KernelSmartReader,
    decode_identify,
)
from custom_components.homesentry.probes.passthrough import (
    AtaAnswer,
    KernelTransport,
    NotPermitted,
    Replay,
    Unsupported,
    _sense_key,
    sense_answer,
)
from custom_components.homesentry.probes.smart import (
    DiskReading,
    EmmcHealth,
    HealthData,
    ScanEntry,
    SmartctlError,
    SmartctlUnreadable,
)
from custom_components.homesentry.probes.smart_health import Verdict, predict


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _block(root: Path, block: str, *, device: str | None = None, **files: str) -> None:
    """``/sys/block/BLOCK``, a link to its device's directory (``device``: the path the kernel shows)."""
    target = root / "devices" / (device or f"pci0000:00/{block}")
    (target / "device").mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        _write(target / "device" / file, text + "\n")
    _write(target / "size", "2048\n")
    (root / "block").mkdir(parents=True, exist_ok=True)
    (root / "block" / block).symlink_to(target)


def test_scan_classifies_every_kind_of_disk(tmp_path: Path) -> None:
    root = tmp_path / "sys"
    (root / "class" / "nvme" / "nvme0").mkdir(parents=True)
    _block(root, "sda", vendor="ATA", model="Samsung SSD 870")
    _block(root, "sdb", device="pci0000:00/usb2/2-1/host6/target6:0:0/6:0:0:0/block/sdb", vendor="JMicron")
    _block(root, "sdc", device="pci0000:00/virtio3/host2/target2:0:0/2:0:0:0/block/sdc", vendor="QEMU")
    _block(root, "sdd", vendor="VMware", model="Virtual disk")
    _block(root, "sde", vendor="ATA", model="QEMU HARDDISK")
    _block(root, "sdf", vendor="SEAGATE", model="ST4000NM0023")
    _block(root, "vda")
    _block(root, "xvda")
    _block(root, "mmcblk0", type="MMC")
    _block(root, "mmcblk1", type="SD")
    for not_a_disk in ("loop0", "ram0", "zram0", "dm-0", "md0", "sr0", "nvme0n1", "mmcblk0boot0", "mmcblk0rpmb"):
        _block(root, not_a_disk)
    found = {Path(e.path).name: e.device_type for e in KernelSmartReader(root, "/dev").scan()}
    assert found == {
        "nvme0": "nvme", "sda": "sat", "sdb": "usb", "sdc": "virtual", "sdd": "virtual", "sde": "virtual",
        "sdf": "scsi", "vda": "virtual", "xvda": "virtual", "mmcblk0": "emmc", "mmcblk1": "none",
    }  # fmt: skip


def test_disks_without_smart_say_why(tmp_path: Path) -> None:
    root = tmp_path / "sys"
    _block(root, "mmcblk0", type="MMC", name="BJTD4R", serial="0x1234abcd", life_time="0x0b 0x02", pre_eol_info="0x01")
    _block(root, "mmcblk1", type="MMC", name="OLD")  # a kernel that shows no life_time
    _block(root, "sdf", vendor="SEAGATE", model="ST4000NM0023")
    reader = KernelSmartReader(root, "/dev", transport=Replay({}))
    emmc = reader.read(ScanEntry("/dev/mmcblk0", "emmc"))
    assert emmc is not None
    assert (emmc.health_data, emmc.model, emmc.capacity) == (HealthData.EMMC, "BJTD4R", 2048 * 512)
    assert emmc.emmc == EmmcHealth(11, 2, 1)
    assert predict(emmc).verdict is Verdict.FAILED  # past its rated life
    old = reader.read(ScanEntry("/dev/mmcblk1", "emmc"))
    assert old is not None
    assert (old.health_data, old.emmc) == (HealthData.NONE, None)
    scsi = reader.read(ScanEntry("/dev/sdf", "scsi"))
    assert scsi is not None
    assert (scsi.health_data, scsi.model) == (HealthData.SCSI, "ST4000NM0023")
    with pytest.raises(SmartctlError, match="has no self-test"):
        reader.start_short_test(ScanEntry("/dev/sdf", "scsi"))


def _emmc(life_a: int, life_b: int, pre_eol: int) -> DiskReading:
    return DiskReading(
        "/dev/mmcblk0", "emmc", "BJTD4R", None, None, None, None, True, None, "emmc", False, False, None, None,
        None, None, health_data=HealthData.EMMC, emmc=EmmcHealth(life_a, life_b, pre_eol),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("life_a", "life_b", "pre_eol", "verdict"),
    [(1, 1, 1, Verdict.OK), (9, 3, 1, Verdict.OK), (3, 10, 1, Verdict.WARNING), (11, 1, 1, Verdict.FAILED),
     (1, 1, 2, Verdict.WARNING), (1, 1, 3, Verdict.FAILED), (0, 0, 0, Verdict.OK)],
)  # fmt: skip
def test_emmc_health_rule(life_a: int, life_b: int, pre_eol: int, verdict: Verdict) -> None:
    assert predict(_emmc(life_a, life_b, pre_eol)).verdict is verdict


def test_refusals_and_failures_cost_that_disk_alone(tmp_path: Path) -> None:
    denied = Replay({"/dev/sda": {CHECK_POWER_MODE.key: {"error": "capability"}}})
    with pytest.raises(KernelNotPermitted) as refused:
        KernelSmartReader(tmp_path, transport=denied).read(ScanEntry("/dev/sda", "sat"))
    assert (refused.value.need, str(refused.value)) == ("capability", "/dev/sda: --cap-add SYS_RAWIO")
    # A drive that aborts IDENTIFY (no recording of it here): unreadable, naming the disk.
    awake = {CHECK_POWER_MODE.key: {"data": "", "count": 0xFF, "lba": 0, "status": 0x50}}
    with pytest.raises(SmartctlUnreadable, match="/dev/sda"):
        KernelSmartReader(tmp_path, transport=Replay({"/dev/sda": awake})).read(ScanEntry("/dev/sda", "sat"))
    # A disk sysfs shows whose node is not in /dev: a container not given it (the real transport).
    missing = str(tmp_path / "nvme0")
    with pytest.raises(KernelNotPermitted) as not_passed:
        KernelSmartReader(tmp_path).read(ScanEntry(missing, "nvme"))
    assert str(not_passed.value) == f"{missing}: --device {missing} --cap-add SYS_ADMIN"
    with pytest.raises(KernelNotPermitted):
        KernelSmartReader(tmp_path).start_short_test(ScanEntry(missing, "nvme"))


def test_the_real_ioctls_on_a_file_that_is_no_disk(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"\0" * 512)
    transport = KernelTransport()
    with pytest.raises(Unsupported) as nvme:
        transport.nvme_admin(str(plain), 0x06, 0, 1, 4096)
    assert nvme.value.errno == errno.ENOTTY
    with pytest.raises(Unsupported) as ata:
        transport.ata(str(plain), IDENTIFY)
    assert ata.value.errno == errno.ENOTTY
    if os.geteuid() != 0:  # root opens any file: the refusal to open is for everyone else
        plain.chmod(0)
        with pytest.raises(NotPermitted) as closed:
            transport.ata(str(plain), IDENTIFY)
        assert closed.value.need == "device"


def test_sense_data_in_both_formats() -> None:
    # Descriptor format (libata's): RECOVERED ERROR, "ATA pass-through information available", descriptor 09h.
    descriptor = bytes([0x72, 0x01, 0x00, 0x1D, 0, 0, 0, 14, 0x09, 0x0C, 0, 0x00, 0, 0xFF, 0, 0x00, 0, 0x4F, 0,
                        0xC2, 0x00, 0x50])  # fmt: skip
    assert sense_answer(descriptor) == AtaAnswer(count=0xFF, lba=0xC24F00, status=0x50)
    # Fixed format (many USB bridges): error, status, device, count; then the LBA in bytes 9-11.
    fixed = bytes([0x70, 0, 0x01, 0x00, 0x50, 0x00, 0x80, 10, 0, 0x00, 0xF4, 0x2C, 0x00, 0x1D])
    assert sense_answer(fixed) == AtaAnswer(count=0x80, lba=0x2CF400, status=0x50)
    assert sense_answer(b"") is None
    assert sense_answer(bytes([0x72, 0x05, 0x20, 0x00, 0, 0, 0, 0])) is None  # no ATA registers in it
    assert _sense_key(bytes([0x72, 0x05, 0x20, 0x00])) == (0x05, 0x2000)
    assert _sense_key(bytes([0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0x00])) == (0x05, 0x2000)


def test_identify_with_28_bit_addresses_and_4k_sectors() -> None:
    page = bytearray(512)
    page[120:124] = (1000).to_bytes(4, "little")  # words 60-61
    page[83 * 2 : 83 * 2 + 2] = (0x4000).to_bytes(2, "little")  # no 48-bit feature set
    page[106 * 2 : 106 * 2 + 2] = (0x5000).to_bytes(2, "little")  # words 117-118 valid
    page[234:238] = (2048).to_bytes(4, "little")  # 2048 words: 4096 bytes a sector
    page[217 * 2 : 217 * 2 + 2] = (7200).to_bytes(2, "little")
    identity = decode_identify(bytes(page))
    assert (identity.capacity, identity.rotation_rate, identity.model) == (4096 * 1000, 7200, None)
    assert not identity.smart_available
