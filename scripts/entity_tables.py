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

from custom_components.homesentry.monitors import MONITORS as SPECS  # noqa: E402

OUTPUT = ROOT / "docs" / "entities.md"

# Every registered monitor, in the config flow's order, with the descriptions of each platform it has.
MONITORS: dict[str, dict[str, Iterable[Any]]] = {
    spec.name: {
        platform: descriptions
        for platform, descriptions in (
            ("sensor", spec.sensors),
            ("binary_sensor", spec.binary_sensors),
            ("button", spec.buttons),
            ("update", spec.updates),
        )
        if descriptions
    }
    for spec in SPECS
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
