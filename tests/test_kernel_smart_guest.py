"""The kernel SMART reader against smartctl, on the same drives, in a real kernel (tests/guest.py).

One guest boots for the module: an emulated NVMe controller and AHCI SATA
disk (the drives), a virtio disk, a USB stick without SAT and an SD card. In
it, tests/guest_read.py reads every disk with the kernel reader and with the
smartctl reader (pySMART), and prints smartctl's own ``--json -x``.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import sys
from typing import Any

import pytest
import pytest_socket

from custom_components.homesentry.probes.kernel_smart import KernelSmartReader
from custom_components.homesentry.probes.passthrough import Replay
from custom_components.homesentry.probes.smart import ScanEntry

from .guest import Guest, booted

DRIVES = ("/dev/nvme0", "/dev/sda")


@pytest.fixture(scope="module")
def guest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    """The guest, booted once for the module."""
    with booted(tmp_path_factory.mktemp("guest")) as running:
        yield running


def read(guest: Guest, *arguments: str, prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    """tests/guest_read.py's answer, run in the guest (as ``prefix`` says: setpriv, for one)."""
    script = str(Path(__file__).parent / "guest_read.py")
    ran = guest.run(*prefix, sys.executable, script, *arguments, timeout=180)
    assert ran.returncode == 0, ran.stderr
    answer: dict[str, Any] = json.loads(ran.stdout)
    return answer


@pytest.fixture(scope="module")
def first(guest: Guest) -> dict[str, Any]:
    """Both readers on every disk, once."""
    return read(guest)


def test_the_kernel_reader_reads_what_smartctl_reads(first: dict[str, Any]) -> None:
    kernel, smartctl = first["kernel"], first["smartctl"]
    for drive in DRIVES:
        # Every field the entities are made of: identity, attributes, verdict, temperature, hours, self-tests.
        assert kernel[drive] == smartctl[drive], drive
    sata, nvme = kernel["/dev/sda"], kernel["/dev/nvme0"]
    assert (sata["model"], sata["serial"], sata["health_data"], sata["verdict"]) == ("HSDISK", "HSS0001", "smart", "ok")
    assert (nvme["model"], nvme["serial"], nvme["temperature"]) == ("QEMU NVMe Ctrl", "HS0001", 50)

    # Field by field against smartctl's own JSON.
    table = first["json"]["/dev/sda"]["ata_smart_attributes"]["table"]
    assert len(table) == len(sata["attributes"]) > 5
    for row in table:
        ours = sata["attributes"][str(row["id"])]
        assert (ours["name"], ours["value"], ours["worst"], ours["threshold"], ours["raw"]) == (
            row["name"], row["value"], row["worst"], row["thresh"], row["raw"]["string"],
        )  # fmt: skip
        assert ours["prefail"] == row["flags"]["prefailure"]
    ata_json, nvme_json = first["json"]["/dev/sda"], first["json"]["/dev/nvme0"]
    assert sata["passed"] is ata_json["smart_status"]["passed"] is True
    assert sata["temperature"] == ata_json["temperature"]["current"]
    assert sata["power_on_hours"] == ata_json["power_on_time"]["hours"]
    assert sata["capacity"] == ata_json["user_capacity"]["bytes"]
    log = nvme_json["nvme_smart_health_information_log"]
    assert nvme["nvme"]["critical_warning"] == log["critical_warning"]
    assert nvme["nvme"]["available_spare"] == log["available_spare"]
    assert nvme["temperature"] == log["temperature"] == nvme_json["temperature"]["current"]
    assert nvme["power_on_hours"] == log["power_on_hours"]
    assert nvme["passed"] is nvme_json["smart_status"]["passed"] is True


def test_disks_without_health_data_say_why(first: dict[str, Any]) -> None:
    kinds = dict(first["scan"])
    assert kinds == {"/dev/nvme0": "nvme", "/dev/sda": "sat", "/dev/vda": "virtual", "/dev/sdb": "usb",
                     "/dev/mmcblk0": "none"}  # fmt: skip
    kernel = first["kernel"]
    assert kernel["/dev/vda"]["health_data"] == "virtual"
    assert kernel["/dev/sdb"]["health_data"] == "none"  # usb-storage passes no ATA PASS-THROUGH
    assert kernel["/dev/mmcblk0"]["health_data"] == "none"  # an SD card
    for path in ("/dev/vda", "/dev/sdb", "/dev/mmcblk0"):
        assert kernel[path]["capacity"] == 16 << 20
        assert kernel[path]["smart_available"] is False


def test_a_recording_replays_as_the_live_reading(first: dict[str, Any]) -> None:
    reader = KernelSmartReader(transport=Replay(first["recording"]))
    for path, kind in (("/dev/sda", "sat"), ("/dev/nvme0", "nvme")):
        replayed = reader.read(ScanEntry(path, kind))
        assert replayed is not None
        assert replayed.model == first["kernel"][path]["model"]
        assert replayed.temperature == first["kernel"][path]["temperature"]
        assert {str(k): v.raw for k, v in replayed.attributes.items()} == {
            k: v["raw"] for k, v in first["kernel"][path]["attributes"].items()
        }


def test_a_short_self_test_shows_in_the_log(guest: Guest, first: dict[str, Any]) -> None:
    assert first["kernel"]["/dev/sda"]["can_self_test"] is True
    # QEMU 7.2's NVMe controller has no Device Self-test: both readers say so (no button).
    assert first["kernel"]["/dev/nvme0"]["can_self_test"] is first["smartctl"]["/dev/nvme0"]["can_self_test"] is False
    after = read(guest, "--self-test", "/dev/sda")
    assert after["self_test"] == "started"
    test = after["kernel"]["/dev/sda"]["last_test"]
    assert (test["kind"], test["status"], test["outcome"]) == ("Short offline", "Completed without error", "passed")
    assert after["kernel"]["/dev/sda"]["last_test"] == after["smartctl"]["/dev/sda"]["last_test"]
    newest = after["json"]["/dev/sda"]["ata_smart_self_test_log"]["standard"]["table"][0]
    assert (newest["type"]["string"], newest["status"]["string"], newest["lifetime_hours"]) == (
        test["kind"], test["status"], test["hours"],
    )  # fmt: skip


def test_a_critical_warning_fails_that_disk_alone(guest: Guest, socket_enabled: None) -> None:
    """QMP is a unix socket: pytest-socket lets it through here."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    guest.qmp("qom-set", path="/machine/peripheral/hsnvme", property="smart_critical_warning", value=4)
    try:
        faulted = read(guest)
    finally:
        guest.qmp("qom-set", path="/machine/peripheral/hsnvme", property="smart_critical_warning", value=0)
    nvme = faulted["kernel"]["/dev/nvme0"]
    assert nvme["nvme"]["critical_warning"] == 4
    assert (nvme["verdict"], nvme["passed"]) == ("failed", False)
    assert faulted["smartctl"]["/dev/nvme0"]["verdict"] == "failed"
    assert faulted["json"]["/dev/nvme0"]["smart_status"]["passed"] is False
    assert faulted["kernel"]["/dev/sda"]["verdict"] == "ok"


def test_unprivileged_the_permission_fix_and_nothing_else_lost(guest: Guest) -> None:
    user = read(guest, "--kernel-only", prefix=("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"))
    kernel = user["kernel"]
    assert (kernel["/dev/nvme0"]["error"], kernel["/dev/nvme0"]["need"]) == ("KernelNotPermitted", "device")
    assert kernel["/dev/nvme0"]["message"] == "/dev/nvme0: --device /dev/nvme0 --cap-add SYS_ADMIN"
    assert kernel["/dev/sda"]["message"] == "/dev/sda: --device /dev/sda --cap-add SYS_RAWIO"
    assert (kernel["/dev/vda"]["health_data"], kernel["/dev/mmcblk0"]["health_data"]) == ("virtual", "none")

    # root without capabilities: the device opens, the ioctl is refused.
    bare = read(guest, "--kernel-only", prefix=("setpriv", "--inh-caps=-all", "--bounding-set=-all"))
    assert bare["kernel"]["/dev/nvme0"]["message"] == "/dev/nvme0: --cap-add SYS_ADMIN"
    assert bare["kernel"]["/dev/sda"]["message"] == "/dev/sda: --cap-add SYS_RAWIO"
