"""Network interfaces: byte counters from ``<sysfs_root>/class/net``, the default gateway from procfs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import os
from pathlib import Path
import socket

from .sysfs import read_raw_int, read_text

_NO_MAC = "00:00:00:00:00:00"
_PERMANENT = "0"  # addr_assign_type: the address burnt into the device (1 random, 2 stolen, 3 set)


def hardware_macs(interfaces: Mapping[str, tuple[str, str | None]]) -> tuple[str, ...]:
    """The MAC addresses that name a machine, its primary interface's first.

    ``interfaces`` maps each physical interface to its address and, where
    known, its ``addr_assign_type``; a random or set address (a bond, a
    privacy MAC) and the all-zero one say nothing of the machine. The
    interfaces are taken in name order, so every reader of the same machine
    names the same primary (``eth0`` before ``wlan0``; ``enp1s0`` before ``enp2s0``).
    """
    return tuple(
        mac.lower()
        for _, (mac, assigned) in sorted(interfaces.items())
        if mac and mac != _NO_MAC and assigned in (None, _PERMANENT)
    )


def local_macs(sysfs_root: Path) -> tuple[str, ...]:
    """The hardware MAC addresses of the machine whose sysfs this is (``hardware_macs``)."""
    net = sysfs_root / "class" / "net"
    return hardware_macs(
        {
            name: (read_text(net / name / "address") or "", read_text(net / name / "addr_assign_type"))
            for name in physical_interfaces(sysfs_root)
        }
    )


@dataclass(frozen=True, slots=True)
class InterfaceCounters:
    """Bytes received and sent by one interface since it came up."""

    name: str
    rx_bytes: int
    tx_bytes: int


def list_interfaces(sysfs_root: Path) -> list[str]:
    """Every network interface, sorted."""
    try:
        return sorted(os.listdir(sysfs_root / "class" / "net"))
    except FileNotFoundError:
        return []


def physical_interfaces(sysfs_root: Path) -> list[str]:
    """Interfaces backed by a device (NIC, Wi-Fi, USB): not loopback,
    bridges, veths, tunnels or other virtual interfaces, which have no
    ``device`` link.
    """
    net = sysfs_root / "class" / "net"
    return [name for name in list_interfaces(sysfs_root) if (net / name / "device").exists()]


def read_counters(sysfs_root: Path, interfaces: list[str]) -> Mapping[str, InterfaceCounters]:
    """Read byte counters of the named interfaces; missing ones are left out."""
    net = f"{sysfs_root}/class/net"
    counters: dict[str, InterfaceCounters] = {}
    for name in interfaces:
        rx_bytes = read_raw_int(f"{net}/{name}/statistics/rx_bytes")
        tx_bytes = read_raw_int(f"{net}/{name}/statistics/tx_bytes")
        if rx_bytes is None or tx_bytes is None:
            continue
        counters[name] = InterfaceCounters(name=name, rx_bytes=rx_bytes, tx_bytes=tx_bytes)
    return counters


def default_gateway(procfs_root: Path) -> str | None:
    """The IPv4 default gateway of the lowest-metric default route, if any."""
    try:
        lines = (procfs_root / "net" / "route").read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return None
    best: tuple[int, str] | None = None
    for line in lines:
        fields = line.split()
        # Iface Destination Gateway Flags RefCnt Use Metric Mask ...; RTF_UP|RTF_GATEWAY = 0x3
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        try:
            flags, gateway, metric = int(fields[3], 16), int(fields[2], 16), int(fields[6])
        except ValueError:
            continue
        if flags & 0x3 != 0x3 or gateway == 0:
            continue
        address = socket.inet_ntoa(gateway.to_bytes(4, "little"))
        if best is None or metric < best[0]:
            best = (metric, address)
    return None if best is None else best[1]
