"""Shared fixtures: a real Home Assistant (phcc's ``hass``), real sysfs trees, real peers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
import shutil
import tempfile

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

# phcc only finds custom_components/homesentry when it is imported before
# Home Assistant mounts its own testing config: import it at module level.
from custom_components.homesentry import const, world
from custom_components.homesentry.const import CONF_KIND, CONF_SCAN_INTERVAL, DOMAIN, MonitorKind
from custom_components.homesentry.monitors.host.const import CONF_INTERFACES, CONF_MACHINE_ID
from custom_components.homesentry.probes.diskstats import physical_disks
from custom_components.homesentry.probes.public_ip import WhoamiService

from .containment import refusal
from .ddns_server import ProviderServer
from .peers import FAR, INTERNET, NEAR, Dnsmasq, DockerEngine, NetLab, NodeExporter, NutServer
from .sysfs_tree import SysfsTree, home_server

MACHINE_ID = "0123456789abcdef0123456789abcdef"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to run anywhere a test could send a packet beyond this machine (tests/containment.py)."""
    if (why := refusal()) is not None:
        pytest.exit(why, returncode=3)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let every test load custom_components/homesentry."""


@pytest.fixture
def sysfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SysfsTree:
    """A home server's sysfs, which the integration reads instead of /sys.

    procfs stays the real /proc of this machine (psutil reads it as it would
    on a user's server); /etc is a directory with a known machine-id.
    """
    tree = home_server(tmp_path / "sys")
    # The real machine's physical disks, so disk I/O reads this machine's real /proc/diskstats.
    for disk in physical_disks(Path("/sys")):
        (tree.root / "block" / disk / "device").mkdir(parents=True)
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "machine-id").write_text(f"{MACHINE_ID}\n")
    (etc / "os-release").write_text('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    monkeypatch.setattr(world, "SYSFS_ROOT", tree.root)
    monkeypatch.setattr(world, "ETC_ROOT", etc)
    return tree


@pytest.fixture
def host_entry(sysfs: SysfsTree) -> MockConfigEntry:
    """A This server entry as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="nas",
        unique_id=f"host_{MACHINE_ID}",
        data={CONF_KIND: MonitorKind.HOST.value, "name": "nas", CONF_MACHINE_ID: MACHINE_ID},
        options={CONF_SCAN_INTERVAL: 30, CONF_INTERFACES: ["eth0"]},
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add ``entry`` to Home Assistant and set it up."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def entity_state(hass: HomeAssistant, entry: ConfigEntry, key: str, platform: str = "sensor") -> State:
    """The state of the entry's entity of description ``key`` (found by its unique id)."""
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}_{key}")
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


@pytest.fixture
async def loaded_host_entry(hass: HomeAssistant, host_entry: MockConfigEntry) -> MockConfigEntry:
    """The This server entry, set up in Home Assistant."""
    await setup_entry(hass, host_entry)
    return host_entry


@pytest.fixture(scope="session")
def netlab() -> Iterator[NetLab]:
    """The emulated link, built once per run."""
    lab = NetLab.create()
    yield lab
    lab.destroy()


@pytest.fixture
def lab(netlab: NetLab, lab_sockets: None) -> Iterator[NetLab]:
    """The link with no loss and no delay; whatever a test sets is undone."""
    netlab.clear()
    yield netlab
    netlab.clear()


@pytest.fixture
def lab_sockets(socket_enabled: None) -> None:
    """Let the test open sockets to loopback and to the namespaces' addresses."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", NEAR, FAR, *INTERNET], allow_unix_socket=True)


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    """A real dockerd with a busybox image, started once per run (about 2 s)."""
    # A short path (sockets have a 108-byte limit) that every user may traverse,
    # so a test can be refused by the socket itself, not by a directory.
    directory = Path(tempfile.mkdtemp(prefix="hs-docker-"))
    directory.chmod(0o755)
    engine = DockerEngine(directory)
    try:
        engine.start()
        engine.import_busybox()
        yield engine
    finally:
        if engine.process is not None:
            engine.remove_all()
        engine.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def engine(docker_engine: DockerEngine, socket_enabled: None) -> Iterator[DockerEngine]:
    """The engine, running and with no containers; sockets to it allowed."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    if docker_engine.process is None:
        docker_engine.start()
    yield docker_engine
    if docker_engine.process is None:
        docker_engine.start()
    docker_engine.remove_all()


@pytest.fixture
def nut(socket_enabled: None) -> Iterator[NutServer]:
    """A real upsd with the dummy-ups driver, in a directory the nut user may traverse."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    directory = Path(tempfile.mkdtemp(prefix="hs-nut-"))
    server = NutServer(directory).start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


# The dynamic DNS lab: a hostname in a zone whose authoritative server is a real
# dnsmasq, an "internet" dnsmasq that is the public resolver and two whoami
# services, and the providers' servers.
HOSTNAME = "home.example.test"
RECORD_IP = "203.0.113.10"  # where the record points when a test starts
PUBLIC_IP = "198.51.100.7"  # this network's address


@dataclass
class DdnsLab:
    """The zone's server, the internet's resolver, the provider."""

    zone: Dnsmasq
    internet: Dnsmasq
    provider: ProviderServer

    def set_public_ip(self, address: str) -> None:
        """Both whoami services now see ``address``."""
        self.internet.hosts |= {"myip.opendns.com": address, "myip.whoami.test": address}
        self.internet.reload()

    def set_record(self, address: str) -> None:
        """The zone's record changes (the router, or somebody else, updated it)."""
        self.zone.hosts[HOSTNAME] = address
        self.zone.reload()


@pytest.fixture
def ddns_lab(tmp_path: Path, socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[DdnsLab]:
    """The lab, with HomeSentry pointed at it; the record is stale (RECORD_IP, the network is PUBLIC_IP)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    auth = (
        "--auth-zone=example.test",
        "--auth-server=ns1.example.test,127.0.0.1",
        "--auth-ttl=1",
        "--auth-soa=1,hostmaster.example.test,1200,180,1209600",
    )
    zone = Dnsmasq(tmp_path / "zone", hosts={HOSTNAME: RECORD_IP, "ns1.example.test": "127.0.0.1"}, extra=auth)
    internet = Dnsmasq(
        tmp_path / "internet",
        hosts={"myip.opendns.com": PUBLIC_IP, "myip.whoami.test": PUBLIC_IP, HOSTNAME: RECORD_IP},
    )
    zone.start()
    internet.start()
    provider = ProviderServer(zone, HOSTNAME, RECORD_IP).start()
    monkeypatch.setattr(world, "DDNS_BOOTSTRAP", zone.spec)
    monkeypatch.setattr(world, "DNS_PORT", zone.port)
    monkeypatch.setattr(world, "DDNS_PUBLIC_RESOLVERS", (internet.spec,))
    monkeypatch.setattr(
        world,
        "WHOAMI_SERVICES",
        tuple(
            WhoamiService(name, query, "A", "IN", ("127.0.0.1",), internet.port)
            for name, query in (("opendns", "myip.opendns.com"), ("whoami", "myip.whoami.test"))
        ),
    )
    monkeypatch.setattr(
        world,
        "DDNS_BASE_URLS",
        {
            kind: provider.base(kind.value)
            for kind in const.DdnsProvider
            if kind.value in ("duckdns", "noip", "freedns", "cloudflare")
        },
    )
    monkeypatch.setattr(world, "DDNS_VERIFY_SECONDS", 2.0)
    monkeypatch.setattr(world, "DDNS_VERIFY_STEP", 0.2)
    try:
        yield DdnsLab(zone, internet, provider)
    finally:
        provider.stop()
        zone.stop()
        internet.stop()


@pytest.fixture
async def entries(hass: HomeAssistant) -> AsyncIterator[list[MockConfigEntry]]:
    """Entries a test sets up; unloaded at the end, so the event thread ends with the test."""
    created: list[MockConfigEntry] = []
    yield created
    for entry in created:
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A /proc and /sys for md: the mdstat is a real one, rewritten by the tests."""
    root = tmp_path / "proc"
    root.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "mdstat" / "raid1_recovery.txt", root / "mdstat")
    monkeypatch.setattr(world, "PROCFS_ROOT", root)
    monkeypatch.setattr(world, "SYSFS_ROOT", tmp_path / "sys")
    return root


@pytest.fixture
def node_exporter(sysfs: SysfsTree, socket_enabled: None) -> Iterator[NodeExporter]:
    """A real node_exporter serving the home server's sysfs (the tree This server reads in these tests)."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    server = NodeExporter(sysfs.root).start()
    yield server
    server.stop()
