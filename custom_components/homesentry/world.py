"""Where the world is: the roots, programs, services and waits the probes are pointed at.

Every name here is read at call time as ``world.NAME`` (never imported by
name: a test forbids it), so a test can point the real readers at a built
tree, a recording or a local server by setting it (``monkeypatch.setattr(world,
...)``), and nothing reads the real ``/sys`` behind its back.
"""

from __future__ import annotations

from pathlib import Path

from .const import DdnsProvider
from .probes.public_ip import DEFAULT_SERVICES, WhoamiService

# Where the host's kernel interfaces are. Looked up at call time (world.X), so
# tests can point the real readers at a recorded or built tree.
SYSFS_ROOT: Path = Path("/sys")
PROCFS_ROOT: Path = Path("/proc")
DEV_ROOT: Path = Path("/dev")
ETC_ROOT: Path = Path("/etc")
# nvidia-smi, where NVIDIA GPUs are read (None: not looked for; tests point it at a recording).
NVIDIA_SMI: str | None = "nvidia-smi"
# Where smartctl is looked for when the Disks entry names none.
SMARTCTL_SEARCH: tuple[str, ...] = ("/usr/sbin/smartctl", "/usr/bin/smartctl", "/usr/local/sbin/smartctl")
# How long one smartctl call may take (a hung USB bridge costs its disk, not the cycle).
SMARTCTL_TIMEOUT: float = 60.0
# Where zpool and btrfs (btrfs-progs) are looked for, and how long one call may take.
ZPOOL_SEARCH: tuple[str, ...] = ("/usr/sbin/zpool", "/sbin/zpool", "/usr/local/sbin/zpool", "/usr/bin/zpool")
BTRFS_SEARCH: tuple[str, ...] = ("/usr/bin/btrfs", "/bin/btrfs", "/usr/sbin/btrfs", "/sbin/btrfs")
POOL_COMMAND_TIMEOUT: float = 10.0

# The whoami services the public-IP probe asks (tests point them at local servers).
WHOAMI_SERVICES: tuple[WhoamiService, ...] = DEFAULT_SERVICES

# Where each dynamic DNS provider is reached (tests point them at local servers;
# dyndns2 and update-URL entries carry their own).
DDNS_BASE_URLS: dict[DdnsProvider, str] = {
    DdnsProvider.DUCKDNS: "https://www.duckdns.org",
    DdnsProvider.NOIP: "https://dynupdate.no-ip.com/nic/update",
    DdnsProvider.FREEDNS: "https://sync.afraid.org",
    DdnsProvider.CLOUDFLARE: "https://api.cloudflare.com/client/v4",
}
# The recursive resolver that finds a hostname's zone (None: resolv.conf's first),
# the port its nameservers answer on, and the public resolvers asked too.
DDNS_BOOTSTRAP: str | None = None
DNS_PORT: int = 53
DDNS_PUBLIC_RESOLVERS: tuple[str, ...] = ("1.1.1.1", "8.8.8.8")
# After an update: ask the zone's servers every step until they all answer the
# new address, for at most this long.
DDNS_VERIFY_SECONDS: float = 180.0
DDNS_VERIFY_STEP: float = 5.0
# Waits after consecutive provider errors (1, 5, 15, 30 min, then 30 min).
DDNS_BACKOFF: tuple[int, ...] = (60, 300, 900, 1800)
# The Internet connection's echo spacing and waits (tests shorten them).
PING_INTERVAL: float = 0.2
PING_TIMEOUT: float = 1.0
DNS_TIMEOUT: float = 2.0
