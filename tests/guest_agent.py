"""Runs in the QEMU guest (tests/guest.py): carries out the commands the host drops in a shared folder.

Plain Python, no dependencies. Each request ``N.json`` holds ``{"argv": [...],
"timeout": s}``; the answer ``N.out.json`` holds the exit code and both
outputs. ``stop`` ends the agent, and with it the guest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys
import time


def main(folder: Path) -> None:
    """Serve requests in ``folder`` until it has ``stop``."""
    (folder / "ready").write_text(str(os.getpid()))
    done: set[str] = set()
    while not (folder / "stop").exists():
        requests = sorted(p for p in folder.glob("*.json") if not p.name.endswith(".out.json"))
        pending = [p for p in requests if p.name not in done]
        if not pending:
            time.sleep(0.1)
            continue
        for request in pending:
            done.add(request.name)
            asked = json.loads(request.read_text())
            try:
                ran = subprocess.run(
                    asked["argv"], capture_output=True, text=True, timeout=asked["timeout"], check=False
                )
                answer = {"returncode": ran.returncode, "stdout": ran.stdout, "stderr": ran.stderr}
            except (OSError, subprocess.TimeoutExpired) as err:
                answer = {"returncode": -1, "stdout": "", "stderr": repr(err)}
            partial = folder / f"{request.stem}.part"
            partial.write_text(json.dumps(answer))
            partial.rename(folder / f"{request.stem}.out.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
