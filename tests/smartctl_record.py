"""A smartctl that runs the real one and keeps each answer as tests/smartctl_replay.py reads it.

Run as: python smartctl_record.py DIR REAL_SMARTCTL ARGS... (the guest uses it to record what smartctl said of
its drives, beside what the kernel reader was answered: tests/guest_read.py ``--record-smartctl``).
"""

from __future__ import annotations

from pathlib import Path
import re
import subprocess
import sys


def main(directory: Path, real: str, args: list[str]) -> int:
    """Run, keep, pass the answer on."""
    done = subprocess.run([real, *args], capture_output=True, check=False)
    key = args[2:] if args[:2] == ["-n", "standby"] else args
    if "-t" not in key and key not in (["--scan"], ["--scan-open"]):
        (directory / re.sub(r"[/\\:]", "_", "_" + "_".join(key))).write_bytes(done.stdout)
    sys.stdout.buffer.write(done.stdout)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:]))
