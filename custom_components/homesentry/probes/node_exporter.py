"""Another machine, read through its Prometheus node_exporter: the same snapshot as this machine's host probe.

``parse`` turns node_exporter's text exposition (``/metrics``) into samples by
name and labels (prometheus-client's parser, the one Home Assistant's own
prometheus integration pins). ``NodeProbe.snapshot`` makes a ``HostSnapshot``
of them, so the Remote server monitor shows the same entities, units and
health as This server: rates (CPU %, throughput, disk busy, PSI) are counter
deltas between two scrapes, a counter that went back (node_exporter or an
interface restarted) gives no rate that cycle, and a metric family the machine
does not export leaves its readings out (never a 0 that was not measured).

From the same scrape, ``md_arrays`` makes the md arrays of the mdadm
collector into the local mdstat reader's ``MdArray``, and ``smartmon_disks``
the disks of the smartmon textfile collector into the local SMART reader's
``DiskReading`` (each says what the exporter does not export).

Keys follow the local probes: a temperature is ``<chip>_<label>`` with the
chip's name, and the chip's device where two chips share a name (hwmon.py);
a filesystem is its mount point's slug, with the same filesystems skipped as
locally (filesystems.py); interfaces and disks are their kernel names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
import math
import re
from typing import Any, Final

from prometheus_client.parser import text_string_to_metric_families

from .diskstats import SECTOR_BYTES, DiskCounters, rates as disk_rates
from .filesystems import FilesystemUsage, is_user_filesystem, mount_key
from .host import ALL_CATEGORIES, Category, HostSnapshot, LoadAverage, MemoryUsage, network_rates, plain_dmi
from .hwmon import FanReading, TemperatureReading, cpu_temperature, unique_key
from .mdraid import MdArray, SyncAction
from .network import hardware_macs
from .power import PowerReadings, PowerSample
from .power_supply import BatteryReading
from .pressure import PressureReading
from .smart import (
    PLAUSIBLE_TEMPERATURE,
    TEMPERATURE_ATTRIBUTES,
    AtaAttribute,
    DiskReading,
    NvmeHealth,
    plain_serial,
)
from .smart_health import STANDARD_NAMES
from .sysfs import slug
from .throttle import ThrottleCounts

# Categories a node_exporter can answer (no process list, no sockets: it does not export them).
REMOTE_CATEGORIES = ALL_CATEGORIES - {Category.TOP_PROCESSES, Category.LISTENING_PORTS}
# Interfaces that are not a wire or a radio of the machine (node_exporter lists them all).
VIRTUAL_INTERFACES = (
    "lo", "veth", "docker", "br-", "virbr", "vnet", "tap", "tun", "wg", "cni", "flannel", "kube", "ifb", "dummy",
)  # fmt: skip
# Block devices that are not a physical disk (node_exporter already leaves partitions, loop and ram out).
VIRTUAL_DISKS = ("dm-", "md", "loop", "ram", "zram", "sr", "nbd", "drbd")
PSI_RESOURCES = ("cpu", "io", "memory")


class NotNodeExporter(ValueError):
    """The answer is not the exporter's exposition expected there (another server on that port)."""


type Labels = tuple[tuple[str, str], ...]
type Samples = Mapping[str, Mapping[Labels, float]]


def exposition(text: str, proof: str) -> dict[str, dict[Labels, float]]:
    """Every sample of a Prometheus text exposition by metric name and labels.

    ``NotNodeExporter`` if it is none, or has no ``proof`` metric (the family
    that says which exporter answered).
    """
    samples: dict[str, dict[Labels, float]] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = tuple(sorted(sample.labels.items()))
                samples.setdefault(sample.name, {})[labels] = float(sample.value)
    except (ValueError, TypeError, IndexError) as err:
        raise NotNodeExporter(f"not a Prometheus exposition: {err}") from err
    if proof not in samples:
        raise NotNodeExporter(f"no {proof}: not the exporter expected")
    return samples


def parse(text: str) -> dict[str, dict[Labels, float]]:
    """Every sample by metric name and labels; ``NotNodeExporter`` if it is no node_exporter's output."""
    return exposition(text, "node_exporter_build_info")


def _one(samples: Samples, name: str) -> float | None:
    values = samples.get(name)
    return next(iter(values.values())) if values else None


def labelled(samples: Samples, name: str, *keys: str) -> dict[tuple[str, ...], float]:
    """A family's samples keyed by the values of ``keys``.

    A counter whose name lacks ``_total`` (smartctl_exporter's) is read by its
    sample name, to which prometheus-client's parser adds it.
    """
    found: dict[tuple[str, ...], float] = {}
    for labels, value in (samples.get(name) or samples.get(f"{name}_total", {})).items():
        table = dict(labels)
        found[tuple(table.get(key, "") for key in keys)] = value
    return found


@dataclass(frozen=True, slots=True)
class MachineInfo:
    """Who the machine is, from node_uname_info, node_os_info and node_dmi_info."""

    hostname: str | None
    operating_system: str | None
    kernel: str | None
    manufacturer: str | None
    model: str | None
    machine_id: str | None
    macs: tuple[str, ...] = ()  # its hardware MAC addresses, the primary interface's first (hardware_macs)


def _macs(samples: Samples) -> tuple[str, ...]:
    """The machine's hardware MACs, from the netclass collector (node_network_info, address_assign_type)."""
    assigned = {
        device: str(int(kind))
        for (device,), kind in labelled(samples, "node_network_address_assign_type", "device").items()
    }
    return hardware_macs(
        {
            device: (address, assigned.get(device))
            for (device, address) in labelled(samples, "node_network_info", "device", "address")
            if device and not device.startswith(VIRTUAL_INTERFACES)
        }
    )


def machine_info(samples: Samples) -> MachineInfo:
    """The machine's identity, as far as it exports it."""
    uname = dict(next(iter(samples.get("node_uname_info", {})), ()))
    os_info = dict(next(iter(samples.get("node_os_info", {})), ()))
    dmi = dict(next(iter(samples.get("node_dmi_info", {})), ()))
    machine = dict(next(iter(samples.get("node_machine_id", {})), ())) if "node_machine_id" in samples else {}
    return MachineInfo(
        hostname=uname.get("nodename") or None,
        operating_system=os_info.get("pretty_name") or os_info.get("name") or None,
        kernel=uname.get("release") or None,
        # The board's names where the system's are a placeholder ("To Be Filled By O.E.M."), as This server does.
        manufacturer=plain_dmi(dmi.get("system_vendor")) or plain_dmi(dmi.get("board_vendor")),
        model=plain_dmi(dmi.get("product_name")) or plain_dmi(dmi.get("board_name")),
        machine_id=machine.get("machine_id") or None,
        macs=_macs(samples),
    )


@dataclass(slots=True)
class _Previous:
    """The counters of the last scrape, for rates."""

    at: float
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # cpu -> (busy, total) seconds
    network: dict[str, tuple[float, float]] = field(default_factory=dict)
    disks: dict[str, DiskCounters] = field(default_factory=dict)
    pressure: dict[str, float] = field(default_factory=dict)
    rapl: dict[str, float] = field(default_factory=dict)  # zone key -> joules


def _cpu_seconds(samples: Samples) -> dict[str, tuple[float, float]]:
    """Busy and total seconds per CPU, busy without idle and iowait (as the local probe counts it)."""
    totals: dict[str, list[float]] = {}
    for (cpu, mode), seconds in labelled(samples, "node_cpu_seconds_total", "cpu", "mode").items():
        busy_total = totals.setdefault(cpu, [0.0, 0.0])
        busy_total[1] += seconds
        if mode not in ("idle", "iowait"):
            busy_total[0] += seconds
    return {cpu: (busy, total) for cpu, (busy, total) in totals.items()}


def _all_cpus(cpus: Mapping[str, tuple[float, float]]) -> tuple[float, float]:
    """Busy and total seconds of the whole machine."""
    return sum(busy for busy, _ in cpus.values()), sum(total for _, total in cpus.values())


def _percent(before: tuple[float, float], now: tuple[float, float]) -> float | None:
    elapsed = now[1] - before[1]
    if elapsed <= 0 or now[0] < before[0]:
        return None
    return round(min(100.0, max(0.0, 100.0 * (now[0] - before[0]) / elapsed)), 1)


def _hwmon(samples: Samples) -> tuple[dict[str, TemperatureReading], dict[str, FanReading]]:
    """Temperatures and fans, keyed as the local hwmon probe keys them."""
    names = {chip: name for chip, name in labelled(samples, "node_hwmon_chip_names", "chip", "chip_name")}  # noqa: C416
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1

    def ident(chip: str) -> tuple[str, str, str]:
        name = names.get(chip, chip)
        device = chip.split("_", 1)[1] if "_" in chip else chip
        if counts.get(name, 0) > 1:
            return name, slug(f"{name}_{device}"), f"{name} {device}"
        return name, slug(name), name

    labels = {
        (chip, sensor): label
        for chip, sensor, label in labelled(samples, "node_hwmon_sensor_label", "chip", "sensor", "label")  # the keys
    }
    high = labelled(samples, "node_hwmon_temp_max_celsius", "chip", "sensor")
    critical = labelled(samples, "node_hwmon_temp_crit_celsius", "chip", "sensor")
    temperatures: dict[str, TemperatureReading] = {}
    for (chip, sensor), celsius in sorted(labelled(samples, "node_hwmon_temp_celsius", "chip", "sensor").items()):
        name, chip_key, source = ident(chip)
        label = labels.get((chip, sensor)) or sensor
        key = unique_key(f"{chip_key}_{slug(label)}", temperatures)
        temperatures[key] = TemperatureReading(
            key=key,
            chip=name,
            source=source,
            label=label,
            celsius=celsius,
            high=high.get((chip, sensor)),
            critical=critical.get((chip, sensor)),
        )
    fans: dict[str, FanReading] = {}
    for (chip, sensor), rpm in sorted(labelled(samples, "node_hwmon_fan_rpm", "chip", "sensor").items()):
        name, chip_key, source = ident(chip)
        label = labels.get((chip, sensor)) or sensor
        key = unique_key(f"{chip_key}_{slug(label)}", fans)
        fans[key] = FanReading(key=key, chip=name, source=source, label=label, rpm=int(rpm))
    return temperatures, fans


def _filesystems(samples: Samples) -> tuple[dict[str, FilesystemUsage], dict[str, str], frozenset[str]]:
    """Usage of the filesystems a user stores files on, as the local probe chooses them."""
    sizes = labelled(samples, "node_filesystem_size_bytes", "mountpoint", "device", "fstype")
    free = {path: value for (path,), value in labelled(samples, "node_filesystem_free_bytes", "mountpoint").items()}
    avail = {path: value for (path,), value in labelled(samples, "node_filesystem_avail_bytes", "mountpoint").items()}
    errors = {
        path for (path,), value in labelled(samples, "node_filesystem_device_error", "mountpoint").items() if value
    }
    usage: dict[str, FilesystemUsage] = {}
    mounts: dict[str, str] = {}
    stale: set[str] = set()
    devices: set[str] = set()
    for (path, device, fstype), size in sorted(sizes.items(), key=lambda item: len(item[0][0])):
        if not is_user_filesystem(path, fstype) or device in devices:
            continue  # not a user's, or a second mount of the same filesystem (the shortest path is kept)
        devices.add(device)
        key = mount_key(path)
        mounts[key] = path
        if path in errors or path not in free or path not in avail:
            stale.add(key)
            continue
        usage[key] = FilesystemUsage(total=int(size), used=int(size - free[path]), free=int(avail[path]))
    return usage, dict(sorted(mounts.items(), key=lambda item: item[1])), frozenset(stale)


def _disk_counters(samples: Samples) -> dict[str, DiskCounters]:
    read = labelled(samples, "node_disk_read_bytes_total", "device")
    written = labelled(samples, "node_disk_written_bytes_total", "device")
    busy = labelled(samples, "node_disk_io_time_seconds_total", "device")
    return {
        device: DiskCounters(
            int(read[(device,)] // SECTOR_BYTES), int(written[(device,)] // SECTOR_BYTES), int(busy[(device,)] * 1000)
        )
        for (device,) in read
        if (device,) in written and (device,) in busy and not device.startswith(VIRTUAL_DISKS)
    }


def _gauges(samples: Samples, wanted: frozenset[Category]) -> dict[str, Any]:
    """What one scrape says by itself: load, memory, boot, sensors, filesystems."""
    values: dict[str, object] = {}
    if Category.CPU_FREQUENCY in wanted and (freqs := labelled(samples, "node_cpu_scaling_frequency_hertz", "cpu")):
        values["cpu_frequency_mhz"] = round(sum(freqs.values()) / len(freqs) / 1_000_000, 1)
    loads = [_one(samples, f"node_load{n}") for n in (1, 5, 15)]
    if Category.LOAD in wanted and all(load is not None for load in loads):
        one, five, fifteen = (round(load or 0.0, 2) for load in loads)
        values["load"] = LoadAverage(one, five, fifteen)
    total, available = _one(samples, "node_memory_MemTotal_bytes"), _one(samples, "node_memory_MemAvailable_bytes")
    if Category.MEMORY in wanted and total is not None and available is not None:
        values["memory"] = MemoryUsage.of(int(total), int(available))
    swap_total, swap_free = _one(samples, "node_memory_SwapTotal_bytes"), _one(samples, "node_memory_SwapFree_bytes")
    if Category.SWAP in wanted and swap_total is not None and swap_free is not None:
        values["swap"] = MemoryUsage.of(int(swap_total), int(swap_free))
    if Category.BOOT in wanted and (boot := _one(samples, "node_boot_time_seconds")) is not None:
        values["boot_time"] = datetime.fromtimestamp(int(boot), UTC)
    if Category.PROCESS_COUNT in wanted and (pids := _one(samples, "node_processes_pids")) is not None:
        values["process_count"] = int(pids)
    if wanted & {Category.TEMPERATURES, Category.FANS}:
        temperatures, fans = _hwmon(samples)
        if Category.TEMPERATURES in wanted:
            values |= {"temperatures": temperatures, "cpu_temperature": cpu_temperature(temperatures)}
        if Category.FANS in wanted:
            values["fans"] = fans
    if Category.BATTERY in wanted:
        values["batteries"] = _batteries(samples)
    if Category.THROTTLE in wanted and "node_cpu_core_throttles_total" in samples:
        values["throttle"] = ThrottleCounts(
            core_events=int(sum(samples["node_cpu_core_throttles_total"].values())),
            package_events=int(sum(samples.get("node_cpu_package_throttles_total", {}).values())),
        )
    if Category.FILESYSTEMS in wanted and "node_filesystem_size_bytes" in samples:
        usage, mounts, stale = _filesystems(samples)
        values |= {"filesystems": usage, "mounts": mounts, "stale_mounts": stale}
    return values


def _batteries(samples: Samples) -> dict[str, BatteryReading]:
    """Batteries (not mains supplies, not a UPS the kernel lists as Mains), with their charging status."""
    info = {
        supply: (kind, status)
        for (supply, kind, status) in labelled(samples, "node_power_supply_info", "power_supply", "type", "status")
    }
    return {
        slug(supply): BatteryReading(
            key=slug(supply), name=supply, percent=capacity, status=info.get(supply, ("", ""))[1] or None
        )
        for (supply,), capacity in labelled(samples, "node_power_supply_capacity", "power_supply").items()
        if info.get(supply, ("Battery", ""))[0] == "Battery"
    }


def _interfaces(samples: Samples, counters: Mapping[str, tuple[float, float]]) -> list[str]:
    """The machine's own network interfaces: not loopback, bridges, veths, tunnels (those have no link speed)."""
    with_speed = {device for (device,) in labelled(samples, "node_network_speed_bytes", "device")}
    return sorted(d for d in counters if not d.startswith(VIRTUAL_INTERFACES) and (not with_speed or d in with_speed))


def _rapl_joules(samples: Samples) -> dict[str, float]:
    """RAPL counters keyed as the local power probe keys them (``package_0``, ``dram_0``, ``psys``)."""
    joules: dict[str, float] = {}
    for name, values in samples.items():
        if not (name.startswith("node_rapl_") and name.endswith("_joules_total")):
            continue
        kind = name.removeprefix("node_rapl_").removesuffix("_joules_total")
        for labels, value in values.items():
            table = dict(labels)
            if "mmio" in table.get("path", ""):
                continue  # the MMIO interface's twin of a package counter
            joules[kind if kind == "psys" else f"{kind}_{table.get('index', '0')}"] = value
    return joules


def _power_sample(previous: _Previous | None, now: _Previous) -> PowerSample:
    """What the power model and measurement need, as the local power probe gives it (no per-process shares)."""
    if previous is None or (elapsed := now.at - previous.at) <= 0:
        return PowerSample(None, (), PowerReadings())
    percent = _percent(_all_cpus(previous.cpu), _all_cpus(now.cpu))
    watts = {
        key: round((joules - previous.rapl[key]) / elapsed, 2)
        for key, joules in now.rapl.items()
        if key in previous.rapl and joules >= previous.rapl[key]  # a counter that wrapped gives nothing this time
    }
    return PowerSample(None if percent is None else percent / 100, (), PowerReadings(rapl=watts))


# node_md_state's states, as the actions the local mdstat reader names.
_MD_ACTIONS: Final = {"recovering": SyncAction.RECOVER, "resync": SyncAction.RESYNC, "check": SyncAction.CHECK}


def _level(info: Mapping[str, str]) -> str | None:
    """The array's level as md names it ("raid5"), from md_info.sh's ``raid_level`` ("5")."""
    level = info.get("raid_level", "")
    return f"raid{level}" if level.isdigit() else (level or None)


def _data_members(level: str | None, members: int | None, info: Mapping[str, str]) -> float | None:
    """How many members' worth of blocks the array's size is: its size over one member's, which a sync counts.

    A mirror holds one member's blocks, raid4/5 all but one, raid6 all but
    two, raid10 its members over its copies (md_info_detail.sh's ``Layout``,
    e.g. ``near=2``). Without the level, only a two-member array is known
    (whatever can sync over two members holds one member's blocks).
    """
    if members is None:
        return None
    if level is None:
        return 1.0 if members == 2 else None
    if level == "raid1":
        return 1.0
    if level in ("raid4", "raid5") and members > 1:
        return float(members - 1)
    if level == "raid6" and members > 2:
        return float(members - 2)
    copies = 1
    for part in info.get("Layout", "").split(","):  # "near=2", "offset=2", "near=2, far=2"
        _, _, count = part.strip().partition("=")
        copies *= int(count) if count.isdigit() else 1
    return members / copies if level == "raid10" and copies > 1 else None


def md_arrays(samples: Samples) -> dict[str, MdArray]:
    """The md arrays of node_exporter's mdadm collector, as the local reader makes them from mdstat.

    It exports less than mdstat holds: no level, no member names (failed
    members are counted), no mismatch count, no reshape (a reshaping array is
    active and idle). A resync with nothing synced yet is one waiting to start
    (``resync=PENDING``). Debian's ``md_info.sh`` / ``md_info_detail.sh``
    textfile collectors add the level (``node_md_info{raid_level}``), with
    which an array missing more members than it can lose is failed, not
    degraded, and a sync's progress is known: synced blocks over one member's
    blocks (the array's over its data members), cut to 0.1 % as mdstat prints
    it. Without them progress is known only for two-member arrays
    (``progress_known``). Where the exporter reads md's sysfs too (1.6 and
    later: ``node_md_raid_disks``, ``node_md_degraded``), those counts are
    preferred, as they are locally.
    """
    states: dict[str, set[str]] = {}
    for (device, state), value in labelled(samples, "node_md_state", "device", "state").items():
        states.setdefault(device, set()).update({state} if value else set())
    required = labelled(samples, "node_md_disks_required", "device")
    disks = labelled(samples, "node_md_disks", "device", "state")
    blocks, synced = labelled(samples, "node_md_blocks", "device"), labelled(samples, "node_md_blocks_synced", "device")
    sysfs_disks, degraded = (
        labelled(samples, "node_md_raid_disks", "device"),
        labelled(samples, "node_md_degraded", "device"),
    )
    infos = {dict(labels).get("md_device", ""): dict(labels) for labels in samples.get("node_md_info", {})}
    arrays: dict[str, MdArray] = {}
    for device, on in sorted(states.items()):
        active = "inactive" not in on
        action = next((_MD_ACTIONS[state] for state in sorted(on) if state in _MD_ACTIONS), SyncAction.IDLE)
        done, total = synced.get((device,), 0.0), blocks.get((device,), 0.0)
        if action is SyncAction.RESYNC and done == 0:
            action = SyncAction.PENDING
        wanted = int(sysfs_disks.get((device,), required.get((device,), 0))) or None
        in_sync = int(disks.get((device, "active"), 0)) if active and wanted else None
        if wanted is not None and (device,) in degraded:
            in_sync = wanted - int(degraded[(device,)])
        info = infos.get(device, {})
        level = _level(info)
        members = int(info["md_num_raid_disks"]) if info.get("md_num_raid_disks", "").isdigit() else wanted
        data_members = _data_members(level, members, info)
        progress = None
        if action in (SyncAction.RESYNC, SyncAction.RECOVER, SyncAction.CHECK) and total > 0 and data_members:
            progress = min(100.0, math.floor(1000.0 * done * data_members / total) / 10)
        arrays[device] = MdArray(
            name=device,
            active=active,
            level=level,
            read_only=False,
            members=(),
            raid_disks=wanted if active else None,
            in_sync=in_sync,
            sync_action=action,
            sync_progress=progress,
            mismatch_count=None,
            array_state=None,
            unnamed_failed=int(disks.get((device, "failed"), 0)),
            progress_known=data_members is not None,
        )
    return arrays


# smartmon.py names attributes without their number: the numbers of those a reading uses.
SMARTMON_IDS: Final = {
    "reallocated_sector_ct": 5, "power_on_hours": 9, "spin_retry_count": 10, "power_cycle_count": 12,
    "end_to_end_error": 184, "reported_uncorrect": 187, "command_timeout": 188, "airflow_temperature_cel": 190,
    "temperature_celsius": 194, "reallocated_event_count": 196, "current_pending_sector": 197,
    "offline_uncorrectable": 198, "udma_crc_error_count": 199,
}  # fmt: skip
_SMARTMON_COLUMNS: Final = ("raw_value", "value", "worst", "threshold")
# A raw value this large holds packed fields (smart.packed_count: 2^32 and up), rounded as smartmon.sh prints it.
_PACKED_ROUNDED: Final = float(f"{1 << 32:e}")


@dataclass(frozen=True, slots=True)
class ExportedDisk:
    """One disk as its exporter last read it; no reading while it slept (it was not woken)."""

    reading: DiskReading | None
    read_at: datetime | None  # when smartctl ran on it, where the exporter says (smartmon_smartctl_run)


def _disk_path(labels: Labels) -> str:
    """The device path: smartmon.py's ``device`` label, smartmon.sh's ``disk``."""
    table = dict(labels)
    return table.get("device") or table.get("disk", "")


def _by_disk(samples: Samples, name: str) -> dict[str, tuple[dict[str, str], float]]:
    return {_disk_path(labels): (dict(labels), value) for labels, value in samples.get(name, {}).items()}


def _smartmon_attributes(samples: Samples) -> dict[str, dict[int, dict[str, float | str]]]:
    """Each disk's attribute columns by attribute number, with the name smartmon printed (lowercase)."""
    table: dict[str, dict[int, dict[str, float | str]]] = {}
    for name, values in samples.items():
        column = next((c for c in _SMARTMON_COLUMNS if name.startswith("smartmon_") and name.endswith(f"_{c}")), None)
        if column is None:
            continue
        attribute = name.removeprefix("smartmon_").removesuffix(f"_{column}")
        for labels, value in values.items():
            found, kept = dict(labels), value
            if attribute == "attr":  # smartmon.py: smartmon_attr_<column>{name=...}
                named, number = found.get("name", ""), SMARTMON_IDS.get(found.get("name", ""))
            else:  # smartmon.sh: smartmon_<name>_<column>{smart_id=...}, its raw value printed with %e
                smart_id = found.get("smart_id", "")
                named, number = attribute, int(smart_id) if smart_id.isdigit() else None
                if column == "raw_value" and value >= _PACKED_ROUNDED:
                    kept = math.nan  # packed fields, rounded to seven digits: their count cannot be known
            if number:
                table.setdefault(_disk_path(labels), {}).setdefault(number, {"name": named})[column] = kept
    return table


def _attribute(number: int, columns: Mapping[str, float | str]) -> AtaAttribute:
    """One attribute as smartctl's table has it, from what smartmon exported of it.

    The table's type and WHEN_FAILED columns are not exported: an attribute
    at or below its threshold now is failing now (as smartctl marks it); one
    whose worst once reached it is not judged (whether it is a pre-fail
    attribute, which that would need, is not known).
    """
    name = str(columns["name"])
    standard = STANDARD_NAMES.get(number)
    if standard is not None and standard.lower().replace("-", "_") == name:
        name = standard  # smartctl's own name, which the judgement checks
    value, worst, threshold, raw = (_whole(columns.get(c)) for c in ("value", "worst", "threshold", "raw_value"))
    failing = bool(threshold) and value is not None and threshold is not None and value <= threshold
    when = "FAILING_NOW" if failing else "-"
    return AtaAttribute(number, name, value, worst, threshold, "" if raw is None else str(raw), raw, when, False)


def _whole(value: float | str | None) -> int | None:
    return int(value) if isinstance(value, float) and math.isfinite(value) else None


def smartmon_disks(samples: Samples) -> dict[str, ExportedDisk]:
    """The disks of the smartmon textfile collector (Debian's smartmon.sh, or smartmon.py), by device path.

    A disk is given when the collector exported something to judge it by:
    its self-assessment or its attribute table (smartmon.py reads neither for
    NVMe, smartmon.sh the self-assessment alone). Its key is the local one
    (model and a digest of the serial), its temperature attribute 194 before
    190 in the plausible range, as the local reader takes them.
    """
    info, healthy = _by_disk(samples, "smartmon_device_info"), _by_disk(samples, "smartmon_device_smart_healthy")
    active, runs = _by_disk(samples, "smartmon_device_active"), _by_disk(samples, "smartmon_smartctl_run")
    available = _by_disk(samples, "smartmon_device_smart_available")
    enabled = _by_disk(samples, "smartmon_device_smart_enabled")
    tables = _smartmon_attributes(samples)
    disks: dict[str, ExportedDisk] = {}
    for path in sorted(set(active) | set(info)):
        run = runs.get(path)
        read_at = datetime.fromtimestamp(run[1], UTC) if run is not None else None
        if path in active and not active[path][1]:
            disks[path] = ExportedDisk(None, read_at)  # asleep when the collector ran
            continue
        labels = info.get(path, ({}, 0.0))[0]
        attributes = {number: _attribute(number, columns) for number, columns in tables.get(path, {}).items()}
        verdict = healthy.get(path)
        if verdict is None and not attributes:
            continue
        temperatures = [attributes[n].raw_value for n in TEMPERATURE_ATTRIBUTES if n in attributes]
        device_type = labels.get("type", "")
        disks[path] = ExportedDisk(
            DiskReading(
                path=path,
                device_type=device_type,
                model=labels.get("device_model") or labels.get("product") or None,
                serial=plain_serial(labels.get("serial_number")),
                firmware=labels.get("firmware_version") or None,
                family=labels.get("model_family") or None,
                capacity=None,
                is_ssd=False,
                rotation_rate=None,
                interface=device_type or None,
                smart_available=bool(available.get(path, ({}, 0.0))[1]),
                smart_enabled=bool(enabled.get(path, ({}, 0.0))[1]),
                passed=None if verdict is None else bool(verdict[1]),
                temperature=next((t for t in temperatures if t in PLAUSIBLE_TEMPERATURE), None),
                power_on_hours=attributes[9].raw_value if 9 in attributes else None,
                power_cycles=attributes[12].raw_value if 12 in attributes else None,
                attributes=attributes,
            ),
            read_at,
        )
    return disks


def _nvme_field(samples: Samples, name: str, scale: float = 1.0) -> dict[str, int]:
    """One nvme_metrics.sh family by namespace (``nvme0n1``), as whole numbers (ratios: times ``scale``)."""
    return {device: round(value * scale) for (device,), value in labelled(samples, f"nvme_{name}", "device").items()}


def nvme_metrics_disks(samples: Samples) -> dict[str, ExportedDisk]:
    """The NVMe drives of Debian's nvme_metrics.sh textfile collector (nvme-cli's smart-log), by controller path.

    smartmon.py leaves NVMe drives to it. It exports each namespace's
    SMART/Health log: critical warning, spare and its threshold, percentage
    used, media errors, error-log entries, temperature, power-on hours and
    power cycles; not the drive's model or serial (so a drive is known by its
    path, ``/dev/nvme0``), its unsafe shutdowns, or a self-assessment (the
    critical warning bits are what the drive says of itself).
    """
    warnings = _nvme_field(samples, "critical_warning_total")
    spare, threshold = (
        _nvme_field(samples, "available_spare_ratio", 100),
        _nvme_field(samples, "available_spare_threshold_ratio", 100),
    )
    used = _nvme_field(samples, "percentage_used_ratio", 100)
    media, log_entries = _nvme_field(samples, "media_errors_total"), _nvme_field(samples, "num_err_log_entries_total")
    temperatures, hours = _nvme_field(samples, "temperature_celsius"), _nvme_field(samples, "power_on_hours_total")
    cycles = _nvme_field(samples, "power_cycles_total")
    disks: dict[str, ExportedDisk] = {}
    for namespace in sorted(warnings.keys() | used.keys() | hours.keys()):
        path = "/dev/" + re.sub(r"n\d+$", "", namespace)  # the controller, as smartctl names it
        if path in disks:
            continue  # a second namespace of the same drive
        temperature = temperatures.get(namespace)
        disks[path] = ExportedDisk(
            DiskReading(
                path=path,
                device_type="nvme",
                model=None,
                serial=None,
                firmware=None,
                family=None,
                capacity=None,
                is_ssd=True,
                rotation_rate=None,
                interface="nvme",
                smart_available=True,
                smart_enabled=True,
                passed=None,
                temperature=temperature if temperature in PLAUSIBLE_TEMPERATURE else None,
                power_on_hours=hours.get(namespace),
                power_cycles=cycles.get(namespace),
                nvme=NvmeHealth(
                    critical_warning=warnings.get(namespace),
                    available_spare=spare.get(namespace),
                    available_spare_threshold=threshold.get(namespace),
                    percentage_used=used.get(namespace),
                    media_errors=media.get(namespace),
                    error_log_entries=log_entries.get(namespace),
                    unsafe_shutdowns=None,
                ),
            ),
            None,
        )
    return disks


def textfile_disks(samples: Samples) -> dict[str, ExportedDisk]:
    """The disks of the textfile collectors, each once: smartmon's, with nvme_metrics.sh's log where both list it.

    smartmon.sh lists an NVMe drive by its serial and self-assessment alone;
    nvme_metrics.sh has its SMART/Health log but not its name: one drive, at
    the same controller path.
    """
    disks = smartmon_disks(samples)
    for path, disk in nvme_metrics_disks(samples).items():
        named = disks.get(path)
        if named is None or named.reading is None:
            disks[path] = disk
        elif named.reading.nvme is None and disk.reading is not None:
            mine, log = named.reading, disk.reading
            disks[path] = replace(
                named,
                reading=replace(
                    mine,
                    nvme=log.nvme,
                    is_ssd=True,
                    temperature=_first(mine.temperature, log.temperature),
                    power_on_hours=_first(mine.power_on_hours, log.power_on_hours),
                    power_cycles=_first(mine.power_cycles, log.power_cycles),
                ),
            )
    return disks


def _first[T](value: T | None, otherwise: T | None) -> T | None:
    return value if value is not None else otherwise


class NodeProbe:
    """Turns one node_exporter's scrapes into snapshots; keeps the last scrape's counters for rates."""

    def __init__(self) -> None:
        """Nothing scraped yet: the first snapshot has no rates."""
        self._previous: _Previous | None = None
        self.power = PowerSample(None, (), PowerReadings())  # the last scrape's, for the power coordinator

    def snapshot(self, samples: Samples, at: float, wanted: Iterable[Category] = REMOTE_CATEGORIES) -> HostSnapshot:
        """The snapshot of one scrape taken at ``at`` (monotonic seconds), with what the machine exports."""
        chosen = frozenset(wanted) & REMOTE_CATEGORIES
        transmitted = labelled(samples, "node_network_transmit_bytes_total", "device")
        now = _Previous(
            at,
            cpu=_cpu_seconds(samples),
            network={
                device: (received, transmitted.get((device,), 0.0))
                for (device,), received in labelled(samples, "node_network_receive_bytes_total", "device").items()
            },
            disks=_disk_counters(samples),
            pressure={
                resource: seconds
                for resource in PSI_RESOURCES
                if (seconds := _one(samples, f"node_pressure_{resource}_waiting_seconds_total")) is not None
            },
            rapl=_rapl_joules(samples),
        )
        previous, self._previous = self._previous, now
        self.power = _power_sample(previous, now)
        values = _gauges(samples, chosen)
        if Category.NETWORK in chosen:
            values["interfaces"] = tuple(_interfaces(samples, now.network))
        if Category.DISK_IO in chosen:
            values["disks"] = tuple(sorted(now.disks))
        values |= _rates(previous, now, chosen, values.get("interfaces", ()))
        return HostSnapshot(**values, collected=chosen)


def _rates(
    previous: _Previous | None, now: _Previous, wanted: frozenset[Category], interfaces: Iterable[str]
) -> dict[str, object]:
    """What two scrapes say together: CPU %, PSI, throughput, disk I/O (nothing from the first scrape)."""
    values: dict[str, object] = {"network": {}, "disk_io": {}} if previous is None else {}
    if Category.CPU in wanted and now.cpu:
        values["cpu_percent"] = None
    if previous is None or (elapsed := now.at - previous.at) <= 0:
        return values
    if Category.CPU in wanted and now.cpu and previous.cpu:
        values["cpu_percent"] = _percent(_all_cpus(previous.cpu), _all_cpus(now.cpu))
    if Category.CPU_PER_CORE in wanted and set(previous.cpu) == set(now.cpu):
        order = sorted(now.cpu, key=lambda cpu: int(cpu) if cpu.isdigit() else 0)
        per_core = [_percent(previous.cpu[cpu], now.cpu[cpu]) for cpu in order]
        values["cpu_per_core"] = None if None in per_core else tuple(p for p in per_core if p is not None)
    if Category.PRESSURE in wanted:
        values["pressure"] = {
            resource: PressureReading(resource, round(min(100.0, 100.0 * (seconds - before) / elapsed), 2))
            for resource, seconds in now.pressure.items()
            if (before := previous.pressure.get(resource)) is not None and seconds >= before
        }
    if Category.NETWORK in wanted:
        values["network"] = network_rates(previous.network, {name: now.network[name] for name in interfaces}, elapsed)
    if Category.DISK_IO in wanted:
        values["disk_io"] = disk_rates(previous.disks, now.disks, elapsed)
    return values
