"""Write docs/entities.md: every entity of every monitor, from the code (descriptions and strings.json).

Run from the repository root:  .venv/bin/python scripts/entity_tables.py
A test renders it again and compares, so the file cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterable
import json
from pathlib import Path
import re
import sys
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.homesentry.backups import BACKUP_BINARY_SENSORS, BACKUP_SENSORS  # noqa: E402
from custom_components.homesentry.containers import (  # noqa: E402
    CONTAINER_BINARY_SENSORS,
    CONTAINER_SENSORS,
    ENGINE_BINARY_SENSORS,
    ENGINE_SENSORS,
    RESTART_BUTTON,
    USAGE_SENSORS,
)
from custom_components.homesentry.ddns import (  # noqa: E402
    RECORD_BINARY_SENSORS,
    RECORD_SENSORS,
    UPDATE_BUTTON,
    UPDATE_SENSORS,
)
from custom_components.homesentry.disks import (  # noqa: E402
    RAID_BINARY_SENSORS,
    RAID_SENSORS,
    SELF_TEST_BUTTON,
    SMART_BINARY_SENSORS,
    SMART_SENSORS,
)
from custom_components.homesentry.host import HOST_BINARY_SENSORS, HOST_SENSORS  # noqa: E402
from custom_components.homesentry.internet import (  # noqa: E402
    CONNECTION_BINARY_SENSORS,
    CONNECTION_SENSORS,
    PUBLIC_IP_SENSORS,
    SPEED_TEST_BUTTON,
    SPEED_TEST_SENSORS,
)
from custom_components.homesentry.power import POWER_SENSORS  # noqa: E402
from custom_components.homesentry.ups import ALL_UPS_BUTTONS, UPS_BINARY_SENSORS, UPS_SENSORS  # noqa: E402
from custom_components.homesentry.web_service import SERVICE_BINARY_SENSORS, SERVICE_SENSORS  # noqa: E402

OUTPUT = ROOT / "docs" / "entities.md"

MONITORS: dict[str, dict[str, Iterable[Any]]] = {
    "This server": {"sensor": (*HOST_SENSORS, *POWER_SENSORS), "binary_sensor": HOST_BINARY_SENSORS},
    "Disks": {
        "sensor": (*SMART_SENSORS, *RAID_SENSORS),
        "binary_sensor": (*SMART_BINARY_SENSORS, *RAID_BINARY_SENSORS),
        "button": (SELF_TEST_BUTTON,),
    },
    "Internet connection": {
        "sensor": (*CONNECTION_SENSORS, *PUBLIC_IP_SENSORS, *SPEED_TEST_SENSORS),
        "binary_sensor": CONNECTION_BINARY_SENSORS,
        "button": (SPEED_TEST_BUTTON,),
    },
    "Docker containers": {
        "sensor": (*ENGINE_SENSORS, *CONTAINER_SENSORS, *USAGE_SENSORS),
        "binary_sensor": (*ENGINE_BINARY_SENSORS, *CONTAINER_BINARY_SENSORS),
        "button": (RESTART_BUTTON,),
    },
    "Web service": {"sensor": SERVICE_SENSORS, "binary_sensor": SERVICE_BINARY_SENSORS},
    "Backup job": {"sensor": BACKUP_SENSORS, "binary_sensor": BACKUP_BINARY_SENSORS},
    "UPS (NUT)": {"sensor": UPS_SENSORS, "binary_sensor": UPS_BINARY_SENSORS, "button": ALL_UPS_BUTTONS},
    "Dynamic DNS hostname": {
        "sensor": (*RECORD_SENSORS, *UPDATE_SENSORS),
        "binary_sensor": RECORD_BINARY_SENSORS,
        "button": (UPDATE_BUTTON,),
    },
}


def _value(item: Any) -> str:
    return "" if item is None else str(getattr(item, "value", item))


def _row(platform: str, description: Any, names: dict[str, Any]) -> str:
    name = re.sub(r"{(\w+)}", r"*\1*", names[platform][description.translation_key]["name"])
    unit = _value(getattr(description, "suggested_unit_of_measurement", None)) or _value(
        getattr(description, "native_unit_of_measurement", None)
    )
    device_class = _value(getattr(description, "device_class", None))
    state_class = _value(getattr(description, "state_class", None))
    category = _value(getattr(description, "entity_category", None))
    enabled = "yes" if getattr(description, "entity_registry_enabled_default", True) else "no"
    return f"| {name} | {platform} | {unit} | {device_class} | {state_class} | {category} | {enabled} |"


def render() -> str:
    """The whole file."""
    names = json.loads((ROOT / "custom_components" / "homesentry" / "strings.json").read_text())["entity"]
    lines = [
        "# Entities",
        "",
        "Generated from the code by `scripts/entity_tables.py` (a test checks it is current). The README's",
        "tables say what each entity means; this one lists them all, with how Home Assistant treats them.",
        "Every device also has a *Health* sensor (enum: ok, warning, critical).",
    ]
    for monitor, platforms in MONITORS.items():
        lines += [
            "",
            f"## {monitor}",
            "",
            "| Entity | Platform | Unit | Device class | State class | Category | Enabled by default |",
            "|---|---|---|---|---|---|---|",
        ]
        for platform, descriptions in platforms.items():
            lines += [_row(platform, d, names) for d in descriptions]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
