"""Build sysfs trees that look like real machines' (for the sysfs-rooted readers).

Values and layouts follow what these chips expose on real hardware: coretemp
(Intel, "Package id N" and "Core N" labels), k10temp (AMD Ryzen, Tctl/Tccd1),
nct6775 (Nuvoton Super-I/O: SYSTIN/CPUTIN temperatures and unlabelled fans),
acpitz (ACPI zone: no label, a critical trip), cpu_thermal (Raspberry Pi),
two NVMe drives (both named "nvme"), a laptop battery, thermal_throttle
counters and network interfaces with and without a backing device.
"""

from __future__ import annotations

from pathlib import Path


def write(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{value}\n", encoding="ascii")


class SysfsTree:
    """A sysfs root under a temporary directory, built chip by chip."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hwmon = 0
        (root / "class" / "hwmon").mkdir(parents=True, exist_ok=True)

    def hwmon(
        self,
        name: str,
        device: str,
        temps: dict[int, tuple[str | None, int]] | None = None,
        fans: dict[int, tuple[str | None, int]] | None = None,
        *,
        extra: dict[str, int] | None = None,
        in_device_dir: bool = False,
    ) -> Path:
        """Add hwmonN for a chip whose device is ``devices/<device>``.

        temps/fans map the sensor index to (label or None, raw value:
        millidegrees or RPM). ``in_device_dir`` puts attributes in device/
        as older kernels do.
        """
        device_dir = self.root / "devices" / device
        chip_dir = device_dir / "hwmon" / f"hwmon{self._hwmon}"
        chip_dir.mkdir(parents=True)
        link = self.root / "class" / "hwmon" / f"hwmon{self._hwmon}"
        link.symlink_to(chip_dir)
        (chip_dir / "device").symlink_to(device_dir)
        self._hwmon += 1
        write(chip_dir / "name", name)
        attributes = device_dir if in_device_dir else chip_dir
        for index, (label, value) in (temps or {}).items():
            write(attributes / f"temp{index}_input", value)
            if label is not None:
                write(attributes / f"temp{index}_label", label)
        for index, (label, value) in (fans or {}).items():
            write(attributes / f"fan{index}_input", value)
            if label is not None:
                write(attributes / f"fan{index}_label", label)
        for attribute, value in (extra or {}).items():
            write(attributes / attribute, value)
        return attributes

    def intel_coretemp(self) -> Path:
        return self.hwmon(
            "coretemp",
            "platform/coretemp.0",
            {1: ("Package id 0", 45000), 2: ("Core 0", 43000), 3: ("Core 1", 44000)},
            extra={"temp1_max": 80000, "temp1_crit": 100000, "temp2_max": 80000, "temp2_crit": 100000},
        )

    def amd_k10temp(self) -> Path:
        return self.hwmon("k10temp", "pci0000:00/0000:00:18.3", {1: ("Tctl", 52250), 3: ("Tccd1", 48000)})

    def nct6775(self) -> Path:
        return self.hwmon(
            "nct6775",
            "platform/nct6775.656",
            {1: ("SYSTIN", 33000), 2: ("CPUTIN", 38500)},
            {1: (None, 1205), 2: (None, 0)},
        )

    def acpitz(self) -> Path:
        return self.hwmon("acpitz", "LNXSYSTM:00/LNXTHERM:00", {1: (None, 27800)}, extra={"temp1_crit": 119000})

    def raspberry_pi(self) -> Path:
        write(self.root / "firmware" / "devicetree" / "base" / "model", "Raspberry Pi 5 Model B Rev 1.0\x00")
        return self.hwmon("cpu_thermal", "virtual/thermal/thermal_zone0", {1: (None, 48686)})

    def nvme_pair(self) -> None:
        for slot in ("0000:01:00.0", "0000:02:00.0"):
            self.hwmon("nvme", f"pci0000:00/{slot}/nvme/nvme{slot[5:7]}", {1: ("Composite", 36850)})

    def battery(self, name: str = "BAT0", capacity: int = 87, status: str = "Discharging") -> None:
        base = self.root / "class" / "power_supply" / name
        write(base / "type", "Battery")
        write(base / "present", 1)
        write(base / "capacity", capacity)
        write(base / "status", status)
        write(self.root / "class" / "power_supply" / "AC" / "type", "Mains")
        write(self.root / "class" / "power_supply" / "AC" / "online", 0)

    def throttle(self, cores: dict[int, tuple[int, int]], package: int = 0) -> None:
        """cores maps cpu number to (core_throttle_count, package_throttle_count)."""
        for cpu, (core_count, package_count) in cores.items():
            base = self.root / "devices" / "system" / "cpu" / f"cpu{cpu}"
            write(base / "thermal_throttle" / "core_throttle_count", core_count)
            write(base / "thermal_throttle" / "package_throttle_count", package_count)
            write(base / "topology" / "physical_package_id", package)
            write(base / "topology" / "core_id", cpu)  # as the kernel has it (node_exporter needs it)

    def interface(
        self, name: str, *, physical: bool, rx_bytes: int = 0, tx_bytes: int = 0, mac: str | None = None
    ) -> None:
        if physical:
            device_dir = self.root / "devices" / "pci0000:00" / f"nic-{name}"
            iface = device_dir / "net" / name
            iface.mkdir(parents=True)
            (iface / "device").symlink_to(device_dir)
        else:
            iface = self.root / "devices" / "virtual" / "net" / name
            iface.mkdir(parents=True)
        (self.root / "class" / "net").mkdir(parents=True, exist_ok=True)
        (self.root / "class" / "net" / name).symlink_to(iface)
        self.counters(name, rx_bytes, tx_bytes)
        if mac is not None:
            self.mac(name, mac)

    def mac(self, name: str, mac: str) -> None:
        """The interface's hardware address, burnt in (``addr_assign_type`` 0), as node_exporter reads them."""
        write(self.root / "class" / "net" / name / "address", mac)
        write(self.root / "class" / "net" / name / "addr_assign_type", 0)

    def counters(self, name: str, rx_bytes: int, tx_bytes: int) -> None:
        statistics = self.root / "class" / "net" / name / "statistics"
        write(statistics / "rx_bytes", rx_bytes)
        write(statistics / "tx_bytes", tx_bytes)

    def dmi(self, vendor: str, product: str) -> None:
        write(self.root / "class" / "dmi" / "id" / "sys_vendor", vendor)
        write(self.root / "class" / "dmi" / "id" / "product_name", product)


HOME_SERVER_MAC = "88:ae:dd:0a:1b:2c"  # its eth0's (an Intel NIC's prefix)


def home_server(root: Path) -> SysfsTree:
    """A typical home server: Intel CPU, Nuvoton board, two NVMe drives, a
    laptop-style battery (mini PCs have one), throttle counters, one NIC plus
    loopback, a Docker bridge and a veth."""
    tree = SysfsTree(root)
    tree.dmi("Intel(R) Client Systems", "NUC12WSHi5")
    tree.intel_coretemp()
    tree.nct6775()
    tree.acpitz()
    tree.nvme_pair()
    tree.battery()
    tree.throttle({0: (3, 7), 1: (2, 7)})
    tree.interface("eth0", physical=True, rx_bytes=10_000, tx_bytes=5_000, mac=HOME_SERVER_MAC)
    tree.interface("lo", physical=False, rx_bytes=999, tx_bytes=999, mac="00:00:00:00:00:00")
    tree.interface("docker0", physical=False)
    tree.interface("veth1a2b3c", physical=False)
    return tree
