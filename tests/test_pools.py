"""ZFS pools and btrfs filesystems: real ones in the guest kernel, their entities in a real Home Assistant.

tests/pools_guest.py boots one guest with OpenZFS 2.3 and btrfs, drives a
ZFS mirror and a btrfs raid1 through their faults (a scrub running, a member
offline, checksum errors mended by a scrub, a pool filled past 90 %, btrfs
corruption mended by a scrub, a btrfs member gone and the filesystem mounted
degraded, the pool exported), and records at each state what the readers
read: the kernel's files and zpool's and btrfs's own answers. Here:

- the readers' pools equal what ``zpool`` printed in the guest, JSON and
  text alike (text is what OpenZFS 2.1/2.2 print);
- This server's Disks entry shows each state through a stand-in ``zpool``
  that answers what the real one did (tests/zpool_replay.py) and the real
  kernel files, copied out of the guest;
- a Remote server shows the same pool entities through the real
  node_exporter over the same files, with HomeSentry's textfile collector and
  Debian's btrfs_stats.py run in the guest with the machine's own Python.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import sys
import time
from typing import Any

from homeassistant import config_entries
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.homesentry import world
from custom_components.homesentry.const import CONF_KIND, DOMAIN, MonitorKind
from custom_components.homesentry.monitors.disks.const import CONF_SMART_READER, CONF_SMARTCTL
from custom_components.homesentry.monitors.disks.options import DEFAULT_DISKS_OPTIONS
from custom_components.homesentry.probes.btrfs import read_filesystems
from custom_components.homesentry.probes.zfs import (
    ZfsPool,
    ZpoolReader,
    parse_list,
    parse_status_json,
    parse_status_text,
    read_states,
    run,
)

from .conftest import entity_state, setup_entry
from .peers import NodeExporter, proc_with
from .pools_guest import STATES, record_states
from .test_dashboard import _render, _row

HERE = Path(__file__).resolve().parent
TANK = "zfs_tank"


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each state's recording, from one guest run (about 4 minutes under TCG).

    ``HOMESENTRY_POOL_STATES=DIR`` reuses an earlier run's ``states`` folder,
    for working on these tests by hand; CI (HOMESENTRY_REQUIRE_PEERS) always records anew.
    """
    earlier = os.environ.get("HOMESENTRY_POOL_STATES")
    if earlier and os.environ.get("HOMESENTRY_REQUIRE_PEERS") != "1":
        return {name: Path(earlier) / name for name in STATES}
    pytest_socket.enable_socket()  # QMP (the guest's QEMU) is a unix socket; each test disables sockets again
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    return record_states(tmp_path_factory.mktemp("pools"))


def _json(state: Path) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads((state / "zpool" / "status-json.out").read_text())
    return answer


def _tank_json(state: Path) -> dict[str, Any]:
    pool: dict[str, Any] = _json(state)["pools"]["tank"]
    return pool


def _leaves(vdev: dict[str, Any]) -> Iterator[dict[str, Any]]:
    children = vdev.get("vdevs") or {}
    if not children:
        yield vdev
    for child in children.values():
        yield from _leaves(child)


def test_the_readers_say_what_zpool_printed_in_every_state(states: dict[str, Path]) -> None:
    """JSON (2.3+) and text (2.1/2.2) give the same pool; each fault is what zpool printed for it."""
    assert list(states) == list(STATES)
    for name, state in states.items():
        kernel = read_states(state / "proc")
        from_json = parse_status_json((state / "zpool" / "status-json.out").read_text())
        from_text = parse_status_text((state / "zpool" / "status-text.out").read_text())
        if name == "exported":
            assert kernel == {}
            assert from_json == {}
            assert from_text == {}
            continue
        assert kernel == {"tank": from_json["tank"].state}
        pool, text = from_json["tank"], from_text["tank"]
        assert (text.state, text.vdevs) == (pool.state, pool.vdevs), name
        printed = _tank_json(state)
        root = printed["vdevs"]["tank"]
        assert [(v.name, v.state, v.checksum) for v in pool.vdevs if v.leaf] == [
            (leaf["name"], leaf["state"], leaf["checksum_errors"]) for leaf in _leaves(root)
        ]
        assert pool.scan is not None
        assert text.scan is not None
        assert (text.scan.function, text.scan.state) == (pool.scan.function, pool.scan.state), name
        scan = printed["scan_stats"]
        assert pool.scan.function == scan["function"].lower()
        if pool.scan.state == "finished":
            assert text.scan.end == pool.scan.end == scan["end_time"]  # the text's local time, read back
            assert text.scan.errors == pool.scan.errors == scan["errors"]
        else:  # running: the text rounds what JSON counts
            assert text.scan.start == pool.scan.start == scan["start_time"]
            assert text.scan.progress == pytest.approx(pool.scan.progress, abs=0.5)
        size = parse_list((state / "zpool" / "list.out").read_text())["tank"]
        assert size["size"] == root["total_space"]
        assert size["allocated"] is not None
    tank = {name: parse_status_json((states[name] / "zpool" / "status-json.out").read_text())["tank"]
            for name in STATES[:-1]}  # fmt: skip
    assert tank["healthy"].state == "ONLINE"
    assert tank["healthy"].errors == 0
    assert tank["scrubbing"].scan is not None
    assert tank["scrubbing"].scan.state == "scanning"
    assert tank["degraded"].state == "DEGRADED"
    assert len(tank["degraded"].failed_members) == 1
    assert tank["checksum"].state == "ONLINE"
    assert tank["checksum"].errors
    assert tank["checksum"].scan is not None
    assert tank["checksum"].scan.repaired
    full = parse_list((states["full"] / "zpool" / "list.out").read_text())["tank"]
    assert full["allocated"] is not None
    assert full["size"] is not None
    assert full["allocated"] / full["size"] > 0.9


def test_btrfs_is_read_from_the_kernel_in_every_state(states: dict[str, Path]) -> None:
    """Devices, their error counters, allocation, the degraded mount: as the guest's kernel said them."""
    seen = {name: read_filesystems(state / "sys", state / "proc") for name, state in states.items()}
    for filesystems in seen.values():
        assert [fs.label for fs in filesystems.values()] == ["hsdata"]
    healthy, errors, degraded = (next(iter(seen[n].values())) for n in ("healthy", "btrfs_errors", "btrfs_degraded"))
    assert (healthy.errors, healthy.missing, healthy.degraded, len(healthy.device_names)) == (0, [], False, 2)
    assert healthy.allocation["data"].used >= 24 << 20  # the 24 MiB written
    assert errors.errors > 0
    assert [d.devid for d in errors.devices if d.error_count] == ["2"]
    assert (degraded.missing, degraded.degraded, len(degraded.device_names)) == (["2"], True, 1)
    assert degraded.mountpoint == "/tmp/hs-btrfs"


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This server as the guest was: ``current`` points at a state; zpool and btrfs answer as they did there."""
    current = tmp_path / "current"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program, script, argument in (("zpool", "zpool_replay.py", current / "zpool"),
                                      ("btrfs", "btrfs_replay.py", current / "btrfs-scrub.json")):  # fmt: skip
        (bin_dir / program).write_text(f'#!/bin/sh\nexec {sys.executable} {HERE / script} {argument} "$@"\n')
        (bin_dir / program).chmod(0o755)
    monkeypatch.setattr(world, "PROCFS_ROOT", current / "proc")
    monkeypatch.setattr(world, "SYSFS_ROOT", current / "sys")
    monkeypatch.setattr(world, "SMARTCTL_SEARCH", ())
    monkeypatch.setattr(world, "ZPOOL_SEARCH", (str(bin_dir / "zpool"),))
    monkeypatch.setattr(world, "BTRFS_SEARCH", (str(bin_dir / "btrfs"),))
    return current


def _at(current: Path, state: Path) -> None:
    current.unlink(missing_ok=True)
    current.symlink_to(state)


async def _disks(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Disks",
        unique_id=MonitorKind.DISKS.value,
        data={CONF_KIND: MonitorKind.DISKS.value, CONF_SMARTCTL: "", CONF_SMART_READER: "auto"},
        options={**DEFAULT_DISKS_OPTIONS, "health": {"grace_minutes": 0}},
    )
    await setup_entry(hass, entry)
    return entry


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry | config_entries.ConfigEntry) -> None:
    await entry.runtime_data.monitor.pools.async_refresh()
    await hass.async_block_till_done()


def _state(hass: HomeAssistant, entry: Any, key: str, platform: str = "sensor") -> Any:
    return entity_state(hass, entry, key, platform)


def _uuid(state: Path) -> str:
    return next(iter(read_filesystems(state / "sys", state / "proc")))


async def test_a_pool_s_life_in_home_assistant(
    hass: HomeAssistant, states: dict[str, Path], machine: Path, freezer: Any
) -> None:
    """Each state of the real pools, as the user sees it: states, units, attributes, Health."""
    _at(machine, states["healthy"])
    printed = _tank_json(states["healthy"])
    freezer.move_to(time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(printed["scan_stats"]["end_time"] + 86400)))
    entry = await _disks(hass)
    btrfs = f"btrfs_{_uuid(states['healthy'])}"
    size = parse_list((states["healthy"] / "zpool" / "list.out").read_text())["tank"]
    assert _state(hass, entry, f"pool_state_{TANK}").state == "online"
    assert _state(hass, entry, f"pool_problem_{TANK}", "binary_sensor").state == "off"
    used = _state(hass, entry, f"pool_used_{TANK}")
    assert float(used.state) == round(100 * size["allocated"] / size["size"], 1)
    assert (used.attributes["unit_of_measurement"], used.attributes["size"]) == ("%", size["size"])
    free = _state(hass, entry, f"pool_free_{TANK}")
    assert free.attributes["unit_of_measurement"] == "GiB"
    assert float(free.state) == pytest.approx(size["free"] / 2**30, abs=0.01)
    assert _state(hass, entry, f"pool_errors_{TANK}").state == "0"
    assert _state(hass, entry, f"pool_failed_members_{TANK}").state == "0"
    scrub = _state(hass, entry, f"last_scrub_{TANK}")
    assert scrub.state == time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(printed["scan_stats"]["end_time"]))
    assert (scrub.attributes["function"], scrub.attributes["errors"]) == ("scrub", 0)
    assert _state(hass, entry, f"pool_activity_{TANK}").state == "idle"
    assert _state(hass, entry, f"scrub_overdue_{TANK}", "binary_sensor").state == "off"
    assert _state(hass, entry, f"btrfs_state_{btrfs}").state == "ok"
    assert _state(hass, entry, f"btrfs_devices_{btrfs}").state == "2"
    assert _state(hass, entry, f"btrfs_errors_{btrfs}").state == "0"
    assert _state(hass, entry, f"btrfs_last_scrub_{btrfs}").attributes["status"] == "finished"
    assert _state(hass, entry, f"btrfs_problem_{btrfs}", "binary_sensor").state == "off"
    devices = dr.async_get(hass)
    pool_device = devices.async_get_device_by_identifier((DOMAIN, f"{entry.unique_id}_{TANK}"), entry.entry_id)
    assert pool_device is not None
    assert pool_device.name == "ZFS tank"
    fs_device = devices.async_get_device_by_identifier((DOMAIN, f"{entry.unique_id}_{btrfs}"), entry.entry_id)
    assert fs_device is not None
    assert fs_device.name == "btrfs hsdata"

    _at(machine, states["scrubbing"])
    await _refresh(hass, entry)
    running = _tank_json(states["scrubbing"])["scan_stats"]
    assert _state(hass, entry, f"pool_activity_{TANK}").state == "scrub"
    progress = float(_state(hass, entry, f"scan_progress_{TANK}").state)
    assert progress == pytest.approx(100 * running["issued"] / running["to_examine"], abs=0.01)

    _at(machine, states["degraded"])
    await _refresh(hass, entry)
    degraded = parse_status_json((states["degraded"] / "zpool" / "status-json.out").read_text())["tank"]
    offline = next(v.name for v in degraded.vdevs if v.state == "OFFLINE")
    assert _state(hass, entry, f"pool_state_{TANK}").state == "degraded"
    problem = _state(hass, entry, f"pool_problem_{TANK}", "binary_sensor")
    assert (problem.state, problem.attributes["problems"]) == ("on", ["pool degraded", f"{offline} offline"])
    failed = _state(hass, entry, f"pool_failed_members_{TANK}")
    assert (failed.state, failed.attributes["members"]) == ("1", {offline: "OFFLINE"})
    health = _state(hass, entry, f"health_{entry.unique_id}_{TANK}")
    assert health.state == "critical"  # the pool's Health: what reaches the phone through the blueprints
    assert _row(_render(hass, "Disks"), "ZFS tank")[2] == "Degraded"

    _at(machine, states["checksum"])
    await _refresh(hass, entry)
    tank = parse_status_json((states["checksum"] / "zpool" / "status-json.out").read_text())["tank"]
    errors = _state(hass, entry, f"pool_errors_{TANK}")
    assert errors.state == str(tank.errors) != "0"
    assert errors.attributes["vdevs_with_errors"] == tank.error_vdevs
    assert _state(hass, entry, f"pool_state_{TANK}").state == "online"
    assert _state(hass, entry, f"last_scrub_{TANK}").attributes["repaired_bytes"] == tank.scan.repaired > 0  # type: ignore[union-attr]
    assert _state(hass, entry, f"health_{entry.unique_id}_{TANK}").state == "critical"  # over 100 errors

    _at(machine, states["full"])
    await _refresh(hass, entry)
    assert float(_state(hass, entry, f"pool_used_{TANK}").state) > 90
    assert _state(hass, entry, f"health_{entry.unique_id}_{TANK}").state == "critical"

    _at(machine, states["btrfs_errors"])
    await _refresh(hass, entry)
    counters = next(iter(read_filesystems(states["btrfs_errors"] / "sys", states["btrfs_errors"] / "proc").values()))
    errors = _state(hass, entry, f"btrfs_errors_{btrfs}")
    assert errors.state == str(counters.errors) != "0"
    assert errors.attributes["devices_with_errors"] == 1
    assert errors.attributes["corruption_errs"] == counters.errors
    scrubbed = _state(hass, entry, f"btrfs_last_scrub_{btrfs}").attributes
    assert scrubbed["corrected"] > 0
    assert scrubbed["status"] == "finished"

    _at(machine, states["btrfs_degraded"])
    await _refresh(hass, entry)
    assert _state(hass, entry, f"btrfs_state_{btrfs}").state == "degraded"
    problem = _state(hass, entry, f"btrfs_problem_{btrfs}", "binary_sensor")
    assert (problem.state, problem.attributes["mounted_degraded"], problem.attributes["missing_devices"]) == (
        "on", True, ["2"])  # fmt: skip
    assert _state(hass, entry, f"btrfs_devices_{btrfs}").state == "1"

    # Exported: the pool's entities go unavailable; the btrfs filesystem's stay.
    _at(machine, states["exported"])
    await _refresh(hass, entry)
    for key in ("pool_state", "pool_used", "pool_errors", "last_scrub"):
        assert _state(hass, entry, f"{key}_{TANK}").state == STATE_UNAVAILABLE, key
    assert _state(hass, entry, f"btrfs_state_{btrfs}").state == "degraded"

    # A scrub older than the limit: overdue (the pool back, read 40 days after its scrub).
    _at(machine, states["degraded"])
    freezer.move_to(
        time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(printed["scan_stats"]["end_time"] + 40 * 86400))
    )
    await _refresh(hass, entry)
    overdue = _state(hass, entry, f"scrub_overdue_{TANK}", "binary_sensor")
    assert overdue.state == "on"
    assert overdue.attributes["limit_days"] == 35


async def test_text_from_an_older_openzfs_gives_the_same_entities(
    hass: HomeAssistant, states: dict[str, Path], machine: Path, tmp_path: Path
) -> None:
    """A zpool that refuses -j (2.1/2.2): the text it prints gives every entity the same state."""
    copy = tmp_path / "checksum"
    import shutil

    shutil.copytree(states["checksum"], copy, symlinks=True)
    _at(machine, copy)
    entry = await _disks(hass)
    registry = er.async_get(hass)

    def seen() -> dict[str, tuple[str, dict[str, Any]]]:
        found = {}
        for item in er.async_entries_for_config_entry(registry, entry.entry_id):
            if TANK in item.unique_id and (state := hass.states.get(item.entity_id)) is not None:
                found[item.unique_id] = (state.state, dict(state.attributes))
        return found

    from_json = seen()
    (copy / "zpool" / "json-refused").write_text("")
    entry.runtime_data.monitor.pools.reader = None  # a new zpool: learns again whether it speaks JSON
    await _refresh(hass, entry)
    assert entry.runtime_data.monitor.pools.reader.json is False
    from_text = seen()
    assert len(from_json) >= 10
    for key, (value, attributes) in from_json.items():
        if key.endswith(f"last_scrub_{TANK}"):  # the text says when a scrub ended, not when it started,
            attributes.pop("started")
            from_text[key][1].pop("started")
            exact, rounded = attributes.pop("repaired_bytes"), from_text[key][1].pop("repaired_bytes")
            assert rounded == pytest.approx(exact, rel=0.01)  # and what it repaired to 3 digits ("24.1M")
        assert from_text[key] == (value, attributes), key


@pytest.mark.usefixtures("machine")
async def test_a_hung_zpool_costs_only_its_time_limit(
    hass: HomeAssistant, states: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """zpool never answers: its entities go unavailable after the limit, once logged; the state and btrfs stay."""
    import shutil

    copy = tmp_path / "healthy"
    shutil.copytree(states["healthy"], copy, symlinks=True)
    _at(tmp_path / "current", copy)
    monkeypatch.setattr(world, "POOL_COMMAND_TIMEOUT", 1.0)
    entry = await _disks(hass)
    btrfs = f"btrfs_{_uuid(copy)}"
    (copy / "zpool" / "hang").write_text("")
    started = time.monotonic()
    await _refresh(hass, entry)
    assert time.monotonic() - started < 5
    assert _state(hass, entry, f"pool_used_{TANK}").state == STATE_UNAVAILABLE
    assert _state(hass, entry, f"pool_state_{TANK}").state == "online"  # the kernel's
    assert _state(hass, entry, f"btrfs_state_{btrfs}").state == "ok"
    await _refresh(hass, entry)
    assert caplog.text.count("no answer within 1 s") == 1
    (copy / "zpool" / "hang").unlink()
    await _refresh(hass, entry)
    assert _state(hass, entry, f"pool_used_{TANK}").state != STATE_UNAVAILABLE
    assert "reading zpool again" in caplog.text


async def test_a_remote_server_s_pools_are_this_server_s(
    hass: HomeAssistant, states: dict[str, Path], machine: Path, tmp_path: Path, socket_enabled: None
) -> None:
    """The same real pools through the real node_exporter: HomeSentry's textfile collector and btrfs_stats.py."""
    from .test_remote import _entities, _entry

    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    for name in ("healthy", "checksum", "btrfs_degraded"):
        state = states[name]
        _at(machine, state)
        sysfs = tmp_path / name / "sys"
        (sysfs / "fs").mkdir(parents=True)
        (sysfs / "fs" / "btrfs").symlink_to(state / "sys" / "fs" / "btrfs")
        procfs = proc_with(tmp_path / name / "proc")
        (procfs / "spl").symlink_to(state / "proc" / "spl")
        exporter = NodeExporter(sysfs, procfs=procfs, textfiles=state / "textfile").start()
        try:
            disks = await _disks(hass)
            remote = _entry(exporter.url, options={"scan_interval": 30, "health": {"grace_minutes": 0}})
            await setup_entry(hass, remote)

            def pools(entry: MockConfigEntry | config_entries.ConfigEntry) -> dict[str, Any]:
                found = _entities(hass, entry).items()
                return {k.replace(f"health_{entry.unique_id}_", "health_"): v for k, v in found
                        if "zfs_" in k or "btrfs_" in k}  # fmt: skip

            mine, theirs = pools(disks), pools(remote)
            local_only = {k for k in mine if k.startswith(("btrfs_last_scrub", "btrfs_scrub_overdue"))}
            assert len(mine) > 20, name
            assert set(theirs) == set(mine) - local_only, name
            for key, seen in theirs.items():
                assert seen == mine[key], (name, key)
            tank = dr.async_get(hass).async_get_device_by_identifier(
                (DOMAIN, f"{remote.unique_id}_{TANK}"), remote.entry_id
            )
            assert tank is not None
            assert tank.name == f"{remote.title} ZFS tank"
            assert await hass.config_entries.async_remove(remote.entry_id)
            assert await hass.config_entries.async_remove(disks.entry_id)
        finally:
            exporter.stop()


def test_the_collector_runs_where_zpool_does_not_answer(tmp_path: Path) -> None:
    """The textfile script fails loudly, and writes nothing, when zpool cannot be run."""
    from custom_components.homesentry.probes import zfs

    output = tmp_path / "zpool.prom"
    assert zfs.main(["--zpool", str(tmp_path / "no-zpool"), "--output", str(output)]) == 1
    assert not output.exists()
    reader = ZpoolReader(run(str(tmp_path / "no-zpool")))
    with pytest.raises(zfs.ZpoolError, match="cannot run"):
        reader.read({})
    assert ZfsPool("tank", "ONLINE").errors is None  # the state alone: no count is made up


def test_a_newer_node_exporter_s_pool_state_alone() -> None:
    """node_exporter 1.6+'s ``node_zfs_zpool_state`` (one 0/1 sample per state, lowercase, pool in ``zpool``).

    Built here, in that form: Debian 12's node_exporter (1.5.0, the peer of the
    other tests) does not export it. Without HomeSentry's collector a pool shows its state alone.
    """
    from custom_components.homesentry.probes.node_exporter import parse
    from custom_components.homesentry.probes.zfs import pools_from_samples

    states = ("online", "degraded", "faulted", "offline", "removed", "suspended", "unavail")
    text = "".join(
        f'node_zfs_zpool_state{{state="{state}",zpool="{pool}"}} {int(state == now)}\n'
        for pool, now in (("tank", "degraded"), ("rpool", "online"))
        for state in states
    )
    pools = pools_from_samples(parse("node_exporter_build_info 1\nnode_boot_time_seconds 1\n" + text))
    assert {name: (pool.state, pool.size, pool.errors, pool.scanned) for name, pool in pools.items()} == {
        "tank": ("DEGRADED", None, None, False),
        "rpool": ("ONLINE", None, None, False),
    }


REAL_TEXTS = Path(__file__).parent / "data" / "zpool"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # file: {pool: (state, [(leaf, checksum errors)], errors, scan (function, state, repaired, errors, progress))}
        ("openzfs-1079-raidz2.txt", {"tank": ("ONLINE", 4, 0, ("scrub", "finished", 0, 0, None))}),
        ("openzfs-1391-cache.txt", {"atmaweapon": ("ONLINE", 3, 0, ("scrub", "finished", 34 << 10, 0, None))}),
        ("fusioninventory-619-two-pools.txt", {
            "zdisk2": ("ONLINE", 1, 0, ("scrub", "finished", 0, 0, None)),
            "zroot": ("ONLINE", 1, 2, ("scrub", "finished", 40 << 10, 0, None)),
        }),
        ("openzfs-7720-scrub-running.txt", {"tank": ("ONLINE", 1, 0, ("scrub", "scanning", 0, None, 116.44))}),
        ("openzfs-7720-scrub-canceled.txt", {"tank": ("ONLINE", 1, 0, ("scrub", "canceled", None, None, None))}),
        ("openzfs-8639-resilver-running.txt", {"backup": ("ONLINE", 2, 0, ("resilver", "scanning", 0, None, 0.0))}),
        ("cosium-32-raidz2-tabs.txt", {"zfileserver": ("ONLINE", 2, 0, ("scrub", "finished", 0, 0, None))}),
        ("freenas-report-16-resilvered.txt", {"pool1": ("ONLINE", 0, None,
                                                        ("resilver", "finished", round(2.31 * 2**40), 0, None))}),
        ("openzfs-16737-days.txt", {"home3": ("ONLINE", 0, None, ("scrub", "finished", 0, 0, None))}),
    ],
)  # fmt: skip
def test_real_zpool_status_texts(name: str, expected: dict[str, tuple[Any, ...]]) -> None:
    """Texts users posted from ZoL 0.6 to OpenZFS 2.2 (tests/data/zpool/PROVENANCE.md), read as zpool meant them."""
    pools = parse_status_text((REAL_TEXTS / name).read_text())
    seen = {}
    for pool_name, pool in pools.items():
        scan = pool.scan
        assert scan is not None
        seen[pool_name] = (
            pool.state,
            sum(1 for v in pool.vdevs if v.leaf),
            pool.errors,
            (scan.function, scan.state, scan.repaired, scan.errors, scan.progress),
        )
        if scan.state in ("finished", "canceled"):
            assert scan.end is not None  # "on Tue Nov  6 22:47:38 2012", as this machine's local time
    assert seen == expected
    if name == "fusioninventory-619-two-pools.txt":
        assert pools["zroot"].error_vdevs == {"mfid0p3": 2}
    if name == "openzfs-1391-cache.txt":  # the cache device is a member; the "cache" heading is not
        assert [v.name for v in pools["atmaweapon"].vdevs if v.leaf][-1] == "VolGroup00-l2arc"
