"""The SMART corpus (../shared/data/smart-corpus: 4,273 real smartctl outputs, bsdhw/SMART, CC BY 4.0).

It lies beside the repository, not in it (its README gives provenance and
licence). A smartctl shim answers ``--all`` with the file named as the disk's
path and everything else as an unsupported log, so each report goes through
pySMART's real subprocess path exactly as a live disk's answer would.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "smart-corpus"
SHIM = """#!/bin/sh
for last; do :; done
case " $* " in *" --all "*) exec cat -- "$last";; esac
exit 1
"""


def need_corpus() -> Path:
    """The corpus; skipped where it is missing, a failure where it must be (.ci/run: HOMESENTRY_REQUIRE_CORPUS=1)."""
    if not CORPUS.is_dir():
        message = f"the SMART corpus is not at {CORPUS} (it comes with ../shared)"
        if os.environ.get("HOMESENTRY_REQUIRE_CORPUS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return CORPUS


def corpus_smartctl(directory: Path) -> str:
    """A smartctl that prints the report named by the disk path it is given."""
    shim = directory / "smartctl-corpus"
    shim.write_text(SHIM)
    shim.chmod(0o755)
    return str(shim)


def reports() -> list[Path]:
    """Every report in the corpus, in a stable order."""
    return sorted(p for p in need_corpus().rglob("*") if p.is_file() and p.parent != CORPUS)


def device_type(report: Path) -> str:
    """How smartctl would open the drive: NVMe reports as nvme, the ATA ones through SAT."""
    return "nvme" if report.relative_to(CORPUS).parts[0] == "NVMe" else "sat"
