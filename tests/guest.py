"""A real kernel with real drives' controllers, emulated: the guest-kernel test rig.

QEMU under TCG (no KVM here) boots Debian's kernel from /boot with this
machine's own root over 9p (virtme-ng's ``vng``), in about 20 s, with no
network. The guest has:

- an NVMe controller (``hsnvme``, serial HS0001), whose SMART/Health log a
  test changes live over QMP (``smart_critical_warning``);
- an AHCI controller with a SATA disk (model HSDISK, serial HSS0001): libata
  answers SG_IO with ATA PASS-THROUGH, the SAT path a USB-SATA bridge takes;
- a virtio disk (``vda``): a virtual disk;
- a USB mass-storage disk (``usb-storage``: no SAT, it passes no ATA command);
- an SD card on an SDHCI controller (``mmcblk0``, type SD).

Commands run in the guest as root through :mod:`tests.guest_agent` and a
shared folder; :meth:`Guest.run` returns their exit code and output.
``../shared/PEERS.md``'s recipe, packed as a fixture: qemu-system-x86 and
linux-image-amd64 from Debian, virtme-ng from requirements_test.txt.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import itertools
import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
BOOT_TIMEOUT = 240.0
DISKS = {"nvme": 64, "sata": 64, "virtio": 16, "usb": 16, "sd": 16}  # MiB each


def kernel() -> Path | None:
    """The newest Debian kernel in /boot that a guest can boot."""
    found = sorted(
        Path("/boot").glob("vmlinuz-*"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.name.replace("-", ".").split(".")],
    )
    return found[-1] if found else None


def need_guest() -> tuple[str, Path]:
    """vng and a kernel; skipped without them, a failure where CI requires peers."""
    vng = shutil.which("vng") or str(Path(sys.executable).parent / "vng")
    image = kernel()
    missing = [what for what, there in (("qemu-system-x86_64", shutil.which("qemu-system-x86_64")),
                                        ("vng (virtme-ng)", os.access(vng, os.X_OK)),
                                        ("a kernel in /boot (linux-image-amd64)", image)) if not there]  # fmt: skip
    if missing or image is None:
        message = f"the guest-kernel rig needs {', '.join(missing)}"
        if os.environ.get("HOMESENTRY_REQUIRE_PEERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return vng, image


@dataclass
class Ran:
    """What a command in the guest did."""

    returncode: int
    stdout: str
    stderr: str


class Guest:
    """A booted guest; :meth:`run` runs a command in it, :meth:`qmp` talks to its QEMU."""

    def __init__(self, folder: Path, pool_disks: tuple[int, ...] = ()) -> None:
        """Boot the guest with its disk images in ``folder``, and more SATA disks (``pool0``...) of these MiB."""
        vng, image = need_guest()
        self.folder = folder
        self.shared = folder / "shared"
        self.shared.mkdir()
        self.qmp_socket = Path(tempfile.mkdtemp(prefix="hs-qmp-")) / "qmp.sock"  # a socket's path: 108 bytes at most
        self._numbers = itertools.count(1)
        disks = DISKS | {f"pool{n}": mib for n, mib in enumerate(pool_disks)}
        for name, mib in disks.items():
            with (folder / f"{name}.img").open("wb") as disk:
                disk.truncate(mib << 20)
        qemu = " ".join([
            f"-qmp unix:{self.qmp_socket},server=on,wait=off",
            f"-drive file={folder}/nvme.img,if=none,id=hsnvm,format=raw",
            "-device nvme,id=hsnvme,serial=HS0001,drive=hsnvm",
            "-device ahci,id=hsahci",
            f"-drive file={folder}/sata.img,if=none,id=hssata,format=raw",
            "-device ide-hd,drive=hssata,bus=hsahci.0,model=HSDISK,serial=HSS0001",
            f"-drive file={folder}/virtio.img,if=virtio,format=raw",
            "-device qemu-xhci,id=hsxhci",
            f"-drive file={folder}/usb.img,if=none,id=hsusb,format=raw",
            "-device usb-storage,drive=hsusb,bus=hsxhci.0",
            "-device sdhci-pci,id=hssdhci",
            f"-drive file={folder}/sd.img,if=none,id=hssd,format=raw",
            "-device sd-card,drive=hssd",
            *(f"-drive file={folder}/pool{n}.img,if=none,id=hspool{n},format=raw "
              f"-device ide-hd,drive=hspool{n},bus=hsahci.{n + 1},model=HSPOOL,serial=HSP000{n}"
              for n in range(len(pool_disks))),
        ])  # fmt: skip
        environment = {**os.environ, "PATH": f"{Path(vng).parent}:{os.environ['PATH']}"}
        self.log = (folder / "vng.log").open("w")
        self.process = subprocess.Popen(
            [vng, "--run", str(image), "--disable-kvm", "--force-9p", "--memory", "1G", "--cpus", "2",
             "--rwdir", str(self.shared), f"--qemu-opts={qemu}",
             "--exec", f"{sys.executable} {HERE / 'guest_agent.py'} {self.shared}"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=environment,
        )  # fmt: skip
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not (self.shared / "ready").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the guest did not boot: {(folder / 'vng.log').read_text()[-3000:]}")
            time.sleep(0.2)

    def run(self, *argv: str, timeout: float = 120.0) -> Ran:
        """Run ``argv`` in the guest, as root."""
        number = f"{next(self._numbers):04d}"
        request = self.shared / f"{number}.req"
        request.write_text(json.dumps({"argv": list(argv), "timeout": timeout}))
        request.rename(self.shared / f"{number}.json")
        answer = self.shared / f"{number}.out.json"
        deadline = time.monotonic() + timeout + 30
        while not answer.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the guest did not answer {argv}")
            time.sleep(0.05)
        return Ran(**json.loads(answer.read_text()))

    def python(self, *argv: str, timeout: float = 180.0) -> Ran:
        """Run this interpreter in the guest (the project's venv, over 9p), from the repository root."""
        return self.run(sys.executable, *argv, timeout=timeout)

    def qmp(self, command: str, **arguments: Any) -> Any:
        """One QMP command to the guest's QEMU; its ``return``."""
        with socket.socket(socket.AF_UNIX) as qmp:
            qmp.settimeout(30)
            qmp.connect(str(self.qmp_socket))
            stream = qmp.makefile("rw")
            stream.readline()  # the greeting
            for execute, args in (("qmp_capabilities", {}), (command, arguments)):
                stream.write(json.dumps({"execute": execute, "arguments": args}) + "\n")
                stream.flush()
                while True:
                    reply = json.loads(stream.readline())
                    if "return" in reply or "error" in reply:
                        break
            if "error" in reply:
                raise RuntimeError(f"QMP {command}: {reply['error']}")
            return reply["return"]

    def stop(self) -> None:
        """Shut the guest down."""
        (self.shared / "stop").write_text("")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=60)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.qmp_socket.parent, ignore_errors=True)


@contextlib.contextmanager
def booted(folder: Path, pool_disks: tuple[int, ...] = ()) -> Iterator[Guest]:
    """A guest for the length of the block."""
    guest = Guest(folder, pool_disks)
    try:
        yield guest
    finally:
        guest.stop()
