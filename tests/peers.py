"""Real peers for the tests: an emulated link between network namespaces, dnsmasq, dockerd.

Each starts by hand, in the foreground, and stops by PID (../shared/PEERS.md).
A peer whose program is missing skips its tests on a developer's machine; CI
sets HOMESENTRY_REQUIRE_PEERS=1, under which a missing peer fails instead.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
NEAR, FAR = "192.0.2.1", "192.0.2.2"  # documentation range, inside namespaces only
GATEWAY, INTERNET = FAR, ("192.0.2.3", "192.0.2.4")


def need(program: str) -> str:
    """The path of ``program``; skip without it, or fail when CI requires peers."""
    path = shutil.which(program) or next(
        (p for p in (f"/usr/sbin/{program}", f"/sbin/{program}") if os.access(p, os.X_OK)), None
    )
    if path is None:
        message = f"{program} is not installed (apt-get install the test peers, see .ci/run)"
        if os.environ.get("HOMESENTRY_REQUIRE_PEERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def need_root() -> None:
    """Namespaces and nftables need root."""
    if os.geteuid() != 0:
        message = "network namespaces need root"
        if os.environ.get("HOMESENTRY_REQUIRE_PEERS") == "1":
            pytest.fail(message)
        pytest.skip(message)


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command; its output is captured."""
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=60)


@dataclass
class NetLab:
    """Two namespaces joined by a veth pair: ``near`` pings, ``far`` answers.

    ``far`` holds the gateway (192.0.2.2) and two "internet" hosts (.3, .4).
    Loss is an nft drop rule on far's input; delay is an iptables NFQUEUE rule there
    and a process (tests/netem.py) that holds each packet before accepting it.
    The test's own thread enters ``near`` with :meth:`inside`, so sockets that
    Home Assistant opens there cross the link.
    """

    near: str
    far: str
    _delay: subprocess.Popen[str] | None = None

    @classmethod
    def create(cls) -> NetLab:
        """Build the namespaces, the link and the nftables skeleton."""
        need_root()
        for program in ("ip", "nft", "iptables", "ping"):
            need(program)
        tag = f"{os.getpid() % 100000}"
        lab = cls(near=f"hsnear{tag}", far=f"hsfar{tag}")
        lab.destroy()
        run("ip", "netns", "add", lab.near)
        run("ip", "netns", "add", lab.far)
        run("ip", "-n", lab.near, "link", "add", "hs0", "type", "veth", "peer", "name", "hs1", "netns", lab.far)
        run("ip", "-n", lab.near, "addr", "add", f"{NEAR}/24", "dev", "hs0")
        for address in (FAR, *INTERNET):
            run("ip", "-n", lab.far, "addr", "add", f"{address}/24", "dev", "hs1")
        for ns, dev in ((lab.near, "hs0"), (lab.far, "hs1")):
            run("ip", "-n", ns, "link", "set", dev, "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", lab.near, "route", "add", "default", "via", GATEWAY)
        lab.nft("add table inet hs")
        lab.nft("add chain inet hs loss { type filter hook input priority 0 ; }")
        return lab

    def destroy(self) -> None:
        """Stop the delay process and delete both namespaces (and the link)."""
        self.set_delay(None)
        for ns in (self.near, self.far):
            run("ip", "netns", "del", ns, check=False)

    def nft(self, rule: str) -> None:
        """Run an nft command inside ``far``."""
        run("ip", "netns", "exec", self.far, "nft", *rule.split())

    def clear(self) -> None:
        """No loss, no outage, no delay."""
        self.nft("flush chain inet hs loss")
        self.set_delay(None)

    def loss(self, percent: int, *, hosts: tuple[str, ...] = (FAR, *INTERNET), random: bool = False) -> None:
        """Drop ``percent`` % of echo requests (and TCP SYNs) to ``hosts``.

        Deterministic by default (every Nth packet, by a counter), so two
        tools measuring one after the other see the same share; ``random``
        draws each packet.
        """
        self.nft("flush chain inet hs loss")
        if percent <= 0:
            return
        pick = "numgen random mod 100" if random else "numgen inc mod 100"
        for host in hosts:  # a rule (and a counter) per host
            for proto in ("icmp type echo-request", "tcp flags syn"):
                share = "" if percent >= 100 else f"{pick} < {percent} "
                self.nft(f"add rule inet hs loss ip saddr {NEAR} ip daddr {host} {proto} {share}drop")

    def down(self, hosts: tuple[str, ...]) -> None:
        """Nothing reaches ``hosts`` (ICMP, TCP and DNS alike)."""
        self.nft("flush chain inet hs loss")
        targets = "{ " + ", ".join(hosts) + " }"
        self.nft(f"add rule inet hs loss ip saddr {NEAR} ip daddr {targets} drop")

    def set_delay(self, milliseconds: float | None, jitter: float = 0.0) -> None:
        """Hold every echo request, TCP SYN and DNS query for ``milliseconds`` (± ``jitter``)."""
        if self._delay is not None:
            self._delay.terminate()
            self._delay.wait(5)
            self._delay = None
            run("ip", "netns", "exec", self.far, "iptables", "-F", "INPUT", check=False)
        if milliseconds is None:
            return
        queue = 7
        self._delay = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                self.far,
                sys.executable,
                str(HERE / "netem.py"),
                str(queue),
                str(milliseconds),
                str(jitter),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self._delay.stdout is not None
        assert self._delay.stdout.readline().strip() == "ready"
        # This kernel has no nft "queue" expression; iptables' NFQUEUE target works.
        for match in (
            ("-p", "icmp", "--icmp-type", "echo-request"),
            ("-p", "tcp", "--syn"),
            ("-p", "udp", "--dport", "53"),
        ):
            run("ip", "netns", "exec", self.far, "iptables", "-A", "INPUT", "-s", NEAR, *match,
                "-j", "NFQUEUE", "--queue-num", str(queue))  # fmt: skip

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Move this thread into ``near`` (its sockets cross the link), then back."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.near}", os.O_RDONLY)
        try:
            os.setns(target, os.CLONE_NEWNET)
            yield
        finally:
            os.setns(home, os.CLONE_NEWNET)
            os.close(home)
            os.close(target)

    def iputils(self, address: str, count: int, interval: float, *, wait: float = 1.0) -> subprocess.Popen[str]:
        """Start iputils ``ping`` from ``near``; :func:`iputils_result` reads it."""
        return subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                self.near,
                "ping",
                "-n",
                "-c",
                str(count),
                "-i",
                str(interval),
                "-W",
                str(wait),
                address,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )

    def sysctl(self, setting: str) -> None:
        """Set a sysctl inside ``near``."""
        run("ip", "netns", "exec", self.near, "sysctl", "-q", "-w", setting)


def iputils_result(process: subprocess.Popen[str]) -> tuple[int, list[float]]:
    """(sent, round trips in ms) of a finished iputils ``ping``."""
    out, _ = process.communicate(timeout=60)
    rtts = [float(m) for m in re.findall(r"time=([\d.]+) ms", out)]
    sent = int(re.search(r"(\d+) packets transmitted", out).group(1))  # type: ignore[union-attr]
    return sent, rtts


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody uses right now, below the kernel's ephemeral range.

    A port the kernel hands out for binding to 0 comes from the ephemeral
    range, where any outgoing connection may take it again before the peer
    binds it; below the range only a listener can.
    """
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(max(1024, low - 12000), low), 200):
        with (
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        ):
            try:
                tcp.bind((host, port))
                udp.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@dataclass
class Dnsmasq:
    """A real dnsmasq on ``address:port``, answering from a hosts file."""

    directory: Path
    address: str = "127.0.0.1"
    port: int = 0
    hosts: dict[str, str] = field(default_factory=dict)
    extra: tuple[str, ...] = ()
    netns: str | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Dnsmasq:
        """Start it and wait until it answers."""
        binary = need("dnsmasq")
        self.port = self.port or free_port(self.address if self.netns is None else "127.0.0.1")
        self.write_hosts()
        command = [
            binary, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            f"--addn-hosts={self.directory / 'hosts'}", f"--listen-address={self.address}", "--bind-interfaces",
            f"--port={self.port}", "--user=root", "--pid-file=", "--local=/test/", "--local-ttl=1",
            *self.extra,
        ]  # fmt: skip
        if self.netns is not None:
            command = ["ip", "netns", "exec", self.netns, *command]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dnsmasq exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            if self.netns is not None or _udp_port_bound(self.port):
                time.sleep(0.2 if self.netns is not None else 0)
                return self
            time.sleep(0.05)
        raise RuntimeError("dnsmasq did not start")

    def write_hosts(self) -> None:
        """Write the hosts file dnsmasq answers from."""
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = [f"{address} {name}" for name, address in self.hosts.items()]
        (self.directory / "hosts").write_text("\n".join(lines) + "\n")

    def reload(self) -> None:
        """Re-read the hosts file (SIGHUP), as after a record changed."""
        self.write_hosts()
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)

    def stop(self) -> None:
        """Stop it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)
        self.process = None

    @property
    def spec(self) -> str:
        """The resolver as HomeSentry's options write it."""
        return f"{self.address}:{self.port}"


def _udp_port_bound(port: int) -> bool:
    text = Path("/proc/net/udp").read_text()
    return f":{port:04X} " in text


def busybox_rootfs(rootfs: Path) -> bytes:
    """A tar of a root filesystem of busybox-static with one link per applet: an engine imports it as an image."""
    busybox = need("busybox")
    (rootfs / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy(busybox, rootfs / "bin" / "busybox")
    for applet in run(busybox, "--list").stdout.split():
        link = rootfs / "bin" / applet
        if applet != "busybox" and not link.exists():
            link.symlink_to("busybox")
    return subprocess.run(["tar", "-C", str(rootfs), "-c", "."], check=True, capture_output=True).stdout


@dataclass
class DockerEngine:
    """A real dockerd on a socket in ``directory``, with a busybox image and no registry.

    ``--bridge=none --iptables=false`` keeps it off the machine's networks;
    containers run with ``--network none`` or on an internal network of their own.
    """

    directory: Path
    process: subprocess.Popen[bytes] | None = None
    image: str = "local/busybox:latest"

    @property
    def socket(self) -> Path:
        """The engine's API socket."""
        return self.directory / "docker.sock"

    @property
    def url(self) -> str:
        """The address HomeSentry is given."""
        return f"unix://{self.socket}"

    def start(self) -> DockerEngine:
        """Start dockerd and wait until it answers (about 1.5 s)."""
        need_root()
        binary = need("dockerd")
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "dockerd.log").open("ab")
        self.process = subprocess.Popen(
            [
                binary, "--iptables=false", "--bridge=none", "--shutdown-timeout=1",
                f"--data-root={self.directory / 'data'}", f"--exec-root={self.directory / 'exec'}",
                f"--pidfile={self.directory / 'dockerd.pid'}", f"--host={self.url}",
            ],
            stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dockerd exited: {(self.directory / 'dockerd.log').read_text()[-2000:]}")
            if self.socket.exists() and self.cli("version", check=False).returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError("dockerd did not start")

    def stop(self) -> None:
        """Stop dockerd (its containers stop with it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.process = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the Debian docker CLI against this engine."""
        return run("/usr/bin/docker", f"--host={self.url}", *args, check=check)

    def import_busybox(self) -> None:
        """Make an image from busybox-static: a rootfs with one link per applet."""
        archive = busybox_rootfs(self.directory / "rootfs")
        subprocess.run(
            ["/usr/bin/docker", f"--host={self.url}", "import", "-c", 'CMD ["/bin/sh"]', "-", self.image],
            input=archive, check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def run_container(self, name: str, *args: str, command: str = "") -> str:
        """``docker run -d`` a busybox container; ``command`` runs under sh -c."""
        # A shell that ends on SIGTERM at once, so stops and restarts take no 10 s timeout.
        command = command or 'trap "exit 0" TERM; while :; do sleep 1; done'
        return self.cli("run", "-d", "--name", name, *args, self.image, "sh", "-c", command).stdout.strip()

    def inspect(self, name: str) -> dict[str, Any]:
        """What ``docker inspect`` says about a container."""
        result: dict[str, Any] = json.loads(self.cli("inspect", name).stdout)[0]
        return result

    def remove_all(self) -> None:
        """Remove every container."""
        ids = self.cli("ps", "-aq").stdout.split()
        if ids:
            self.cli("rm", "-f", *ids)


@dataclass
class NutServer:
    """A real NUT upsd on loopback with the dummy-ups driver, one UPS named ``ups``.

    The UPS's variables live in ``dummy.dev``; rewriting it changes the UPS
    within about half a second.
    """

    directory: Path
    user: str = "monitor"
    password: str = "s3cret-pw"
    port: int = 0
    variables: dict[str, str] = field(
        default_factory=lambda: {
            "ups.status": "OL",
            "battery.charge": "100",
            "battery.runtime": "3600",
            "ups.load": "23",
            "ups.realpower": "180",
            "input.voltage": "230.0",
        }
    )
    driver: subprocess.Popen[bytes] | None = None
    upsd: subprocess.Popen[bytes] | None = None
    mtime: int = 0  # the data file's last mtime, whole seconds (write)

    @property
    def env(self) -> dict[str, str]:
        """Where the driver and upsd find their configuration and state."""
        state = str(self.directory / "state")
        return {**os.environ, "NUT_CONFPATH": str(self.directory), "NUT_STATEPATH": state, "NUT_ALTPIDPATH": state}

    def start(self) -> NutServer:
        """Write the configuration, start the driver and upsd, wait until the UPS reads."""
        need_root()
        for program in ("dummy-ups", "upsd"):
            if not os.access(f"/lib/nut/{program}", os.X_OK):
                need(f"/lib/nut/{program}")  # skips or fails with the install hint
        self.port = self.port or free_port("127.0.0.1")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o755)
        state = self.directory / "state"
        state.mkdir(exist_ok=True)
        shutil.chown(state, "nut", "nut")
        state.chmod(0o770)
        files = {
            "ups.conf": '[ups]\n  driver = dummy-ups\n  port = dummy.dev\n  mode = dummy-once\n  desc = "test UPS"\n',
            "upsd.conf": f"LISTEN 127.0.0.1 {self.port}\n",
            "upsd.users": f"[{self.user}]\n  password = {self.password}\n  instcmds = ALL\n  actions = SET\n",
            "nut.conf": "MODE=standalone\n",
        }
        for name, text in files.items():
            path = self.directory / name
            path.write_text(text)
            shutil.chown(path, "root", "nut")
            path.chmod(0o640)
        self.write()
        try:
            self.start_driver()
            self.start_upsd()
        except BaseException:
            self.stop()  # a failed start leaves no upsd or driver behind
            raise
        return self

    def write(self, **changes: str) -> None:
        """Set UPS variables (``ups_status="OB LB"`` sets ``ups.status``)."""
        self.variables.update({key.replace("_", "."): value for key, value in changes.items()})
        path = self.directory / "dummy.dev"
        path.write_text("".join(f"{key}: {value}\n" for key, value in self.variables.items()))
        shutil.chown(path, "root", "nut")
        path.chmod(0o644)
        # dummy-ups re-reads the file when its mtime changes, in whole seconds: two writes within one second
        # would look like one, and the second would never be read (a flaky power-cut test). Each write gets
        # a second of its own.
        self.mtime = max(int(time.time()), self.mtime + 1)
        os.utime(path, (self.mtime, self.mtime))

    def start_driver(self) -> None:
        """Start the dummy-ups driver."""
        self.driver = subprocess.Popen(
            ["/lib/nut/dummy-ups", "-a", "ups", "-F", "-u", "nut"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.5)

    def start_upsd(self) -> None:
        """Start upsd and wait until it answers with the UPS's status."""
        self.upsd = subprocess.Popen(
            ["/lib/nut/upsd", "-F", "-u", "nut"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.upsd.poll() is not None:
                raise RuntimeError("upsd exited")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1) as sock:
                # Ready once the driver has read its file (the status is WAIT until then).
                sock.sendall(b"GET VAR ups ups.status\n")
                if sock.recv(256).strip() == f'VAR ups ups.status "{self.variables["ups.status"]}"'.encode():
                    return
            time.sleep(0.2)
        raise RuntimeError("upsd did not answer")

    def stop_driver(self) -> None:
        """Kill the driver: upsd then says the data is stale."""
        _stop(self.driver)
        self.driver = None

    def stop(self) -> None:
        """Stop upsd and the driver."""
        _stop(self.upsd)
        _stop(self.driver)
        self.upsd = self.driver = None


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def proc_with(directory: Path, **files: str) -> Path:
    """A /proc for node_exporter's ``--path.procfs``: this machine's /proc, but with ``files`` (e.g. an mdstat).

    Each entry of the real /proc is a symlink here, except the files given,
    which are written; node_exporter reads through the links as it reads /proc.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for entry in Path("/proc").iterdir():
        if entry.name not in files:
            (directory / entry.name).symlink_to(entry)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


@dataclass
class NodeExporter:
    """A real Prometheus node_exporter (Debian's prometheus-node-exporter) on loopback.

    It reads ``sysfs`` (a built tree, or the real /sys), ``procfs`` (this
    machine's real /proc, or one with a recorded mdstat: ``proc_with``) and
    the real root filesystem, as ``--path.*`` lets it; the processes
    collector is on, as the Remote server docs ask. ``web_config`` is its
    ``--web.config.file`` (basic auth, TLS).
    """

    sysfs: Path
    web_config: Path | None = None
    procfs: Path = Path("/proc")
    textfiles: Path | None = None  # the textfile collector's directory (the smartmon collectors write there)
    arguments: tuple[str, ...] = ()  # more of its flags
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where it answers (http; https when the web config has TLS)."""
        scheme = (
            "https" if self.web_config is not None and "tls_server_config" in self.web_config.read_text() else "http"
        )
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> NodeExporter:
        """Start it and wait until it listens."""
        program = need("prometheus-node-exporter")
        self.port = self.port or free_port("127.0.0.1")
        args = [
            program,
            f"--path.sysfs={self.sysfs}",
            f"--path.procfs={self.procfs}",
            "--path.rootfs=/",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--collector.processes",
            "--no-collector.systemd",
        ]
        if self.web_config is not None:
            args.append(f"--web.config.file={self.web_config}")
        if self.textfiles is not None:
            args.append(f"--collector.textfile.directory={self.textfiles}")
        args.extend(self.arguments)
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return self
            time.sleep(0.05)
        if self.process.poll() is not None:  # it refused its arguments: say why
            raise RuntimeError(f"node_exporter stopped: {self.process.communicate()[1].decode()[-500:]}")
        self.stop()
        raise RuntimeError("node_exporter did not start listening")

    def stop(self) -> None:
        """Stop it (a later start is a restart: its counters begin again)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Registry:
    """A real container registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1.

    ``auth`` is None (open), ``("htpasswd", FILE)`` (basic auth) or
    ``("token", {"realm": ..., "service": ..., "issuer": ..., "rootcertbundle": ...})``.
    """

    directory: Path
    auth: tuple[str, Any] | None = None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, as an image reference names it."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> Registry:
        """Start it and wait until ``/v2/`` answers."""
        program = need("docker-registry")
        self.port = self.port or free_port("127.0.0.1")
        self.directory.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            "version": 0.1,
            "log": {"level": "warn"},
            "storage": {"filesystem": {"rootdirectory": str(self.directory / "data")}, "delete": {"enabled": True}},
            "http": {"addr": self.host},
        }
        if self.auth is not None:
            kind, value = self.auth
            config["auth"] = (
                {"htpasswd": {"realm": "homesentry", "path": str(value)}} if kind == "htpasswd" else {"token": value}
            )
        (self.directory / "config.yml").write_text(json.dumps(config))  # JSON is YAML
        log = (self.directory / "registry.log").open("ab")
        self.process = subprocess.Popen(
            [program, "serve", str(self.directory / "config.yml")], stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(self.directory / 'registry.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.1)
        raise RuntimeError("docker-registry did not start")

    def stop(self) -> None:
        """Stop it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.process = None


@dataclass
class PodmanEngine:
    """A real rootful Podman (Debian's podman 4.3) serving its Docker-compatible API on a socket in ``directory``.

    vfs storage, cgroupfs, the file events backend and a containers.conf of its
    own (this sandbox's hard limits need explicit ulimits); containers run with
    ``--network none``; the image is imported from busybox-static, as Docker's.
    """

    directory: Path
    process: subprocess.Popen[bytes] | None = None
    image: str = "localhost/bb:1"

    @property
    def socket(self) -> Path:
        """The API socket."""
        return self.directory / "podman.sock"

    @property
    def url(self) -> str:
        """The address HomeSentry is given."""
        return f"unix://{self.socket}"

    def _base(self) -> list[str]:
        return [
            need("podman"), "--root", str(self.directory / "root"), "--runroot", str(self.directory / "run"),
            "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
        ]  # fmt: skip

    def _environment(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.directory / "containers.conf")}

    def start(self) -> PodmanEngine:
        """Serve the API (``podman system service``) and wait until it answers."""
        need_root()
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "containers.conf").write_text(
            '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
        )
        log = (self.directory / "podman.log").open("ab")
        self.process = subprocess.Popen(
            [*self._base(), "system", "service", "--time=0", self.url],
            stdout=log, stderr=log, start_new_session=True, env=self._environment(),
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"podman exited: {(self.directory / 'podman.log').read_text()[-2000:]}")
            if self.socket.exists():
                with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(self.socket))
                    return self
            time.sleep(0.1)
        raise RuntimeError("podman did not start")

    def stop(self) -> None:
        """Stop the API service."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.process = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run podman with this engine's storage."""
        done = subprocess.run([*self._base(), *args], capture_output=True, text=True, env=self._environment(),
                              check=False, timeout=120)  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)}: {done.stderr}")
        return done

    def import_busybox(self) -> None:
        """Make the image from busybox-static, as DockerEngine does."""
        archive = busybox_rootfs(self.directory / "rootfs")
        subprocess.run([*self._base(), "import", "--change", 'CMD ["/bin/sh"]', "-", self.image], input=archive,
                       check=True, capture_output=True, timeout=60, env=self._environment())  # fmt: skip

    def run_container(self, name: str, *args: str, command: str = "") -> str:
        """``podman run -d`` a busybox container (no network); ``command`` runs under sh -c."""
        command = command or 'trap "exit 0" TERM; while :; do sleep 1; done'
        return self.cli("run", "-d", "--network", "none", "--name", name, *args, self.image, "sh", "-c",
                        command).stdout.strip()  # fmt: skip

    def inspect(self, name: str) -> dict[str, Any]:
        """What ``podman inspect`` says about a container."""
        result: dict[str, Any] = json.loads(self.cli("inspect", name).stdout)[0]
        return result
