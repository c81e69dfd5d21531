"""A stand-in ``btrfs`` that answers ``btrfs scrub status -R MOUNTPOINT`` as the real one did in the guest.

``btrfs_replay.py FILE scrub status -R MOUNTPOINT``: FILE is tests/pool_record.py's
``btrfs-scrub.json`` (the real answers, by mount point).
"""

from __future__ import annotations

import json
from pathlib import Path
import sys


def main(recorded: Path, arguments: list[str]) -> int:
    """Print the recorded answer for the mount point; 1 where none was recorded."""
    answers = json.loads(recorded.read_text())
    if arguments[:3] != ["scrub", "status", "-R"] or len(arguments) != 4 or arguments[3] not in answers:
        print(f"ERROR: cannot access '{arguments[-1]}': No such file or directory", file=sys.stderr)
        return 1
    sys.stdout.write(answers[arguments[3]])
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
