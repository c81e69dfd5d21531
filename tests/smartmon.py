"""The smartmon textfile collectors of Debian's prometheus-node-exporter-collectors, run for real.

``smartmon.sh`` (what Debian's prometheus-node-exporter-smartmon timer runs)
calls ``/usr/sbin/smartctl`` by its path, so it runs in a mount namespace of
its own where ``tests/smartmon_smartctl.sh`` is bound over that path;
``smartmon.py`` calls ``smartctl`` from PATH. The shim answers from recorded
``smartctl -a`` reports (see its header); what the scripts print is the
textfile node_exporter serves.
"""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import subprocess
import sys

from .peers import need, need_root

COLLECTORS = Path("/usr/share/prometheus-node-exporter-collectors")
SHIM = Path(__file__).parent / "smartmon_smartctl.sh"


def smartmon_machine(directory: Path, disks: dict[str, tuple[Path, str]]) -> Path:
    """A machine for the shim: each ``/dev/<name>`` path answered by a recorded report, of the type given."""
    (directory / "dev").mkdir(parents=True, exist_ok=True)
    scan = []
    for path, (report, device_type) in disks.items():
        (directory / path.lstrip("/")).symlink_to(report)
        scan.append(f"{path} -d {device_type} # {path}, {device_type} device")
    (directory / "scan").write_text("\n".join(scan) + "\n")
    return directory


def smartmon(machine: Path, script: str = "smartmon.sh") -> str:
    """What the real ``script`` prints for ``machine``'s disks (a textfile for node_exporter)."""
    program = COLLECTORS / script
    if not program.is_file():
        need(script)  # skipped, or a failure where the peers are required
    environment = {**os.environ, "SMARTCTL_MACHINE": str(machine)}
    if script == "smartmon.sh":
        need_root()
        need("smartctl")  # the path the shim is bound over
        bound = f"mount --bind {SHIM} /usr/sbin/smartctl && exec bash {program}"
        command = [need("unshare"), "--mount", "--propagation", "private", "sh", "-c", bound]
    else:
        bin_directory = machine / "bin"
        bin_directory.mkdir(exist_ok=True)
        shutil.copy(SHIM, bin_directory / "smartctl")
        environment["PATH"] = f"{bin_directory}:{environment['PATH']}"
        command = [sys.executable, "-S", str(program)]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900, check=True)
    return done.stdout


NVME_SHIM = Path(__file__).parent / "nvme_cli.py"


def nvme_metrics(directory: Path, drives: dict[str, Path]) -> str:
    """What the real ``nvme_metrics.sh`` prints for NVMe ``drives`` (namespace path -> recorded smartctl report).

    Its ``nvme`` is tests/nvme_cli.py, found first on PATH (the script needs root and jq, as it does on a NAS).
    """
    program = COLLECTORS / "nvme_metrics.sh"
    if not program.is_file():
        need("nvme_metrics.sh")
    need_root()
    need("jq")
    bin_directory = directory / "bin"
    bin_directory.mkdir(parents=True, exist_ok=True)
    shim = bin_directory / "nvme"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -S {NVME_SHIM} "$@"\n')
    shim.chmod(0o755)
    (directory / "devices").write_text("".join(f"{path} {report}\n" for path, report in drives.items()))
    environment = {**os.environ, "NVME_MACHINE": str(directory), "PATH": f"{bin_directory}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", str(program)], env=environment, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout
