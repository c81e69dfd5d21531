"""A stand-in for nvme-cli's ``nvme`` under Debian's real nvme_metrics.sh: answers from recorded smartctl reports.

nvme_metrics.sh runs ``nvme version``, ``nvme list -o json`` and, for each
device listed, ``nvme smart-log -o json <device>``. The machine is a directory
(``NVME_MACHINE``) with a file ``devices`` of lines ``<namespace path> <report>``;
each smart-log answer is the SMART/Health Information log of that real
report, in nvme-cli's JSON field names (temperature in kelvin). Run with
``python -S``: standard library only.
"""

import json
import os
from pathlib import Path
import re
import sys

# smartctl's lines of the NVMe log -> nvme-cli's smart-log JSON fields.
FIELDS = {
    "Critical Warning": "critical_warning",
    "Temperature": "temperature",
    "Available Spare": "avail_spare",
    "Available Spare Threshold": "spare_thresh",
    "Percentage Used": "percent_used",
    "Data Units Read": "data_units_read",
    "Data Units Written": "data_units_written",
    "Host Read Commands": "host_read_commands",
    "Host Write Commands": "host_write_commands",
    "Controller Busy Time": "controller_busy_time",
    "Power Cycles": "power_cycles",
    "Power On Hours": "power_on_hours",
    "Unsafe Shutdowns": "unsafe_shutdowns",
    "Media and Data Integrity Errors": "media_errors",
    "Error Information Log Entries": "num_err_log_entries",
}


def smart_log(report: str) -> dict[str, int]:
    """The report's NVMe SMART/Health log as nvme-cli prints it in JSON."""
    log = report.split("SMART/Health Information (NVMe Log 0x02)", 1)[1].split("\n\n", 1)[0]
    answer = {}
    for line in log.splitlines():
        name, _, value = line.partition(":")
        field = FIELDS.get(name.strip())
        if field is None:
            continue
        text = value.split("[")[0].strip()
        number = int(text, 16) if text.startswith("0x") else int(re.sub(r"\D", "", text))
        answer[field] = number + 273 if field == "temperature" else number  # nvme-cli: kelvin
    return answer


def main(argv: list[str]) -> int:
    machine = Path(os.environ["NVME_MACHINE"])
    devices = dict(line.split(" ", 1) for line in (machine / "devices").read_text().splitlines() if line)
    if argv[:1] == ["version"]:
        print("nvme version 2.4 (git 2.4)")
    elif argv[:1] == ["list"]:
        print(json.dumps({"Devices": [{"DevicePath": path} for path in devices]}))
    elif argv[:1] == ["smart-log"] and argv[-1] in devices:
        print(json.dumps(smart_log(Path(devices[argv[-1]]).read_text(errors="replace"))))
    else:
        print(f"nvme shim: not recorded: {argv}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
