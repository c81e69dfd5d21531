"""A stand-in ``zpool`` that answers what the real one answered in the guest (tests/pool_record.py).

``zpool_replay.py DIR ARGS...``: the recorded answer of ``zpool ARGS`` in
``DIR`` (``status-json``, ``status-text``, ``list``), with its exit code.
Where ``DIR/json-refused`` exists it refuses ``-j`` as OpenZFS 2.1 and 2.2
do (their text is what 2.3 prints: tests/data/zpool/PROVENANCE.md); where
``DIR/hang`` exists it never answers (the time limit's test).
"""

from __future__ import annotations

from pathlib import Path
import sys
import time

ANSWERS = {
    ("status", "-jp", "--json-int"): "status-json",
    ("status", "-p"): "status-text",
    ("list", "-Hp", "-o", "name,size,allocated,free,fragmentation,health"): "list",
}


def main(folder: Path, arguments: tuple[str, ...]) -> int:
    """Print the recorded answer; its exit code."""
    if (folder / "hang").exists():
        time.sleep(3600)
    name = ANSWERS.get(arguments)
    if name is None:
        print(f"zpool_replay: nothing recorded for {' '.join(arguments)}", file=sys.stderr)
        return 2
    if name == "status-json" and (folder / "json-refused").exists():
        print("invalid option 'j'", file=sys.stderr)
        return 2
    sys.stdout.write((folder / f"{name}.out").read_text())
    return int((folder / f"{name}.rc").read_text())


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), tuple(sys.argv[2:])))
