"""Benchmarks, like the tests, never send a packet beyond this machine.

Each benchmark calls :func:`contain` first: outside a contained namespace it
runs itself again through ``scripts/contained`` (a network namespace with
loopback only, no route out), with the same command line.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys

CONTAINED = Path(__file__).resolve().parent.parent / "scripts" / "contained"


def contain() -> None:
    """Go on only inside a namespace with no route off the machine; else start again inside one."""
    if os.environ.get("HOMESENTRY_CONTAINED") == "1":
        return
    sys.stdout.flush()
    os.execv(CONTAINED, [str(CONTAINED), sys.executable, *sys.orig_argv[1:]])
