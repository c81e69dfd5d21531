"""SMART of another machine from prometheus-community's smartctl_exporter (``smartctl_device_*``).

smartctl_exporter runs ``smartctl --json`` on each disk and exports what it
read: the device's identity, its self-assessment, its temperature and
power-on time, every ATA attribute (value, worst, threshold and the whole
raw value, with smartctl's flags: ``P`` first for a pre-fail attribute) and
the NVMe SMART/Health log. ``exported_disks`` makes each disk the
``DiskReading`` the local reader makes, so the same prediction judges it. It
does not export: when an attribute failed (an attribute at or below its
threshold now is failing now; a pre-fail one whose worst reached it failed in
the past), the self-test log, and the NVMe unsafe shutdowns.
"""

from __future__ import annotations

from typing import Final

from .node_exporter import ExportedDisk, Labels, Samples, exposition, labelled
from .smart import PLAUSIBLE_TEMPERATURE, AtaAttribute, DiskReading, NvmeHealth, plain_serial

PROOF: Final = "smartctl_version"  # the family every smartctl_exporter answer has
_COLUMNS: Final = {"raw": "raw", "value": "value", "worst": "worst", "thresh": "threshold"}


def parse_smartctl(text: str) -> dict[str, dict[Labels, float]]:
    """Every sample of a smartctl_exporter's answer; ``NotNodeExporter`` when it is not one."""
    return exposition(text, PROOF)


def _per_device(samples: Samples, name: str) -> dict[str, float]:
    return {device: value for (device,), value in labelled(samples, name, "device").items()}


def _attributes(samples: Samples) -> dict[str, dict[int, AtaAttribute]]:
    """Each device's ATA attributes, as smartctl's table has them."""
    columns: dict[tuple[str, int], dict[str, object]] = {}
    for labels, value in samples.get("smartctl_device_attribute", {}).items():
        found = dict(labels)
        column = _COLUMNS.get(found.get("attribute_value_type", ""))
        if column is None or not found.get("attribute_id", "").isdigit():
            continue
        entry = columns.setdefault((found.get("device", ""), int(found["attribute_id"])), {})
        entry |= {
            column: int(value),
            "name": found.get("attribute_name", ""),
            "flags": found.get("attribute_flags_short", ""),
        }
    attributes: dict[str, dict[int, AtaAttribute]] = {}
    for (device, number), entry in columns.items():
        current, worst, threshold, raw = (entry.get(c) for c in ("value", "worst", "threshold", "raw"))
        prefail = str(entry["flags"]).startswith("P")  # smartctl's short flags: P first for a pre-fail attribute
        when = "-"
        if isinstance(threshold, int) and threshold > 0:
            if isinstance(current, int) and current <= threshold:
                when = "FAILING_NOW"
            elif isinstance(worst, int) and worst <= threshold:
                when = "In_the_past"
        raw_value = raw if isinstance(raw, int) else None
        attributes.setdefault(device, {})[number] = AtaAttribute(
            id=number,
            name=str(entry["name"]),
            value=current if isinstance(current, int) else None,
            worst=worst if isinstance(worst, int) else None,
            threshold=threshold if isinstance(threshold, int) else None,
            raw="" if raw_value is None else str(raw_value),
            raw_value=raw_value,
            when_failed=when,
            prefail=prefail,
        )
    return attributes


def _nvme(samples: Samples, device: str) -> NvmeHealth:
    def field(name: str) -> int | None:
        value = _per_device(samples, f"smartctl_device_{name}").get(device)
        return None if value is None else int(value)

    return NvmeHealth(
        critical_warning=field("critical_warning"),
        available_spare=field("available_spare"),
        available_spare_threshold=field("available_spare_threshold"),
        percentage_used=field("percentage_used"),
        media_errors=field("media_errors"),
        error_log_entries=field("num_err_log_entries"),
        unsafe_shutdowns=None,
    )


def exported_disks(samples: Samples) -> dict[str, ExportedDisk]:
    """The disks a smartctl_exporter read, by device path (its read time is not exported)."""
    status = _per_device(samples, "smartctl_device_smart_status")
    hours = _per_device(samples, "smartctl_device_power_on_seconds")
    cycles = _per_device(samples, "smartctl_device_power_cycle_count")
    capacity = _per_device(samples, "smartctl_device_capacity_bytes")
    rotation = _per_device(samples, "smartctl_device_rotation_rate")
    temperatures = {
        device: value
        for (device, kind), value in labelled(
            samples, "smartctl_device_temperature", "device", "temperature_type"
        ).items()
        if kind == "current"
    }
    attributes = _attributes(samples)
    disks: dict[str, ExportedDisk] = {}
    for labels in samples.get("smartctl_device", {}):
        info = dict(labels)
        path = info.get("device", "")
        is_nvme = info.get("protocol", "").lower() == "nvme"
        if path not in status and path not in attributes and not is_nvme:
            continue  # nothing to judge it by
        temperature = int(temperatures[path]) if path in temperatures else None
        disks[path] = ExportedDisk(
            DiskReading(
                path=path,
                device_type=info.get("interface", ""),
                model=info.get("model_name") or None,
                serial=plain_serial(info.get("serial_number")),
                firmware=info.get("firmware_version") or None,
                family=info.get("model_family") or None,
                capacity=int(capacity[path]) if path in capacity else None,
                is_ssd=is_nvme or rotation.get(path) == 0,
                rotation_rate=int(rotation[path]) if rotation.get(path) else None,
                interface="nvme" if is_nvme else info.get("interface") or None,
                smart_available=True,
                smart_enabled=True,
                passed=None if path not in status else bool(status[path]),
                temperature=temperature if temperature in PLAUSIBLE_TEMPERATURE else None,
                power_on_hours=int(hours[path] // 3600) if path in hours else None,
                power_cycles=int(cycles[path]) if path in cycles else None,
                attributes=attributes.get(path, {}),
                nvme=_nvme(samples, path) if is_nvme else None,
            ),
            None,
        )
    return disks
