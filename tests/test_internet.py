"""The Internet connection in a real Home Assistant, over the emulated link.

Home Assistant's event loop runs in this test's thread, which enters the
``near`` namespace: every ping and DNS query the integration sends crosses the
veth pair to ``far``, where nftables drops and an NFQUEUE process delays.
dnsmasq in ``far`` is the LAN resolver and plays the OpenDNS and Google whoami
services; a small DNS server plays Cloudflare's.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
import itertools
from pathlib import Path
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homesentry import world
from custom_components.homesentry.const import DOMAIN, EVENT_PUBLIC_IP_CHANGED
from custom_components.homesentry.monitors.internet.const import (
    CONF_DNS_NAMES,
    CONF_GATEWAY,
    CONF_PING_COUNT,
    CONF_RESOLVERS,
    CONF_SPEED_TEST_MAX_MB,
    CONF_SPEED_TEST_URL,
    CONF_TARGETS,
)
from custom_components.homesentry.monitors.internet.options import DEFAULT_INTERNET_OPTIONS
from custom_components.homesentry.probes.public_ip import WhoamiService

from .conftest import setup_entry
from .peers import FAR, GATEWAY, INTERNET, Dnsmasq, NetLab, iputils_result
from .whoami_server import WhoamiServer


@pytest.fixture
def far_dns(lab: NetLab, tmp_path: Path) -> Iterator[Dnsmasq]:
    """dnsmasq in ``far`` on 192.0.2.2:53: the LAN resolver and two whoami services."""
    server = Dnsmasq(
        tmp_path / "dnsmasq",
        address=FAR,
        port=53,
        hosts={"nas.test": "192.0.2.10", "myip.opendns.com": "203.0.113.7"},
        extra=("--txt-record=o-o.myaddr.l.google.com,203.0.113.7",),
        netns=lab.far,
    )
    yield server.start()
    server.stop()


@pytest.fixture
async def cloudflare(lab: NetLab) -> AsyncIterator[WhoamiServer]:
    """Cloudflare's whoami on near's loopback (created inside the namespace)."""
    with lab.inside():
        server = await WhoamiServer("203.0.113.7").start()
    yield server
    server.stop()


@pytest.fixture
def internet_env(lab: NetLab, far_dns: Dnsmasq, cloudflare: WhoamiServer, monkeypatch: pytest.MonkeyPatch) -> NetLab:
    """Whoami services pointed at the local servers; short echo spacing."""
    monkeypatch.setattr(
        world,
        "WHOAMI_SERVICES",
        (
            WhoamiService("opendns", "myip.opendns.com", "A", "IN", (FAR,), 53),
            WhoamiService("cloudflare", "whoami.cloudflare", "TXT", "CH", ("127.0.0.1",), cloudflare.port),
            WhoamiService("google", "o-o.myaddr.l.google.com", "TXT", "IN", (FAR,), 53),
        ),
    )
    monkeypatch.setattr(world, "PING_INTERVAL", 0.02)
    monkeypatch.setattr(world, "PING_TIMEOUT", 0.5)
    monkeypatch.setattr(world, "DNS_TIMEOUT", 0.5)
    return lab


def _entry(**options: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Internet",
        unique_id="internet",
        data={"kind": "internet"},
        options={
            **DEFAULT_INTERNET_OPTIONS,
            CONF_TARGETS: list(INTERNET),
            CONF_GATEWAY: GATEWAY,
            CONF_RESOLVERS: [FAR],
            CONF_DNS_NAMES: ["nas.test"],
            **options,
        },
    )


def _state(hass: HomeAssistant, platform: str, unique_suffix: str) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"internet_{unique_suffix}")
    assert entity_id is not None, unique_suffix
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


async def _cycle(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.monitor.connection.async_refresh()
    await hass.async_block_till_done()


async def test_a_newcomer_sees_the_line_in_plain_words(hass: HomeAssistant, internet_env: NetLab) -> None:
    entry = _entry()
    with internet_env.inside():
        await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert _state(hass, "binary_sensor", "connected").state == "on"
    assert _state(hass, "binary_sensor", "connected").attributes["device_class"] == "connectivity"
    assert _state(hass, "binary_sensor", "dns_problem").state == "off"
    assert _state(hass, "sensor", "packet_loss").state == "0.0"
    latency = _state(hass, "sensor", "latency")
    assert float(latency.state) < 5
    assert latency.attributes["unit_of_measurement"] == "ms"
    assert latency.attributes["method"] == "icmp"
    assert _state(hass, "sensor", "target_latency_gateway").attributes["address"] == GATEWAY
    assert _state(hass, "sensor", "target_packet_loss_192_0_2_4").state == "0.0"
    assert _state(hass, "sensor", "fault").state == "none"
    assert _state(hass, "sensor", "outages_today").state == "0"
    assert _state(hass, "sensor", "down_since").state == "unknown"  # it is up
    assert _state(hass, "sensor", "last_outage_start").state == "unknown"
    dns = _state(hass, "sensor", "dns_time_192_0_2_2")
    assert float(dns.state) > 0
    assert dns.attributes["result"] == "ok"
    assert _state(hass, "sensor", "public_ipv4").state == "203.0.113.7"
    assert _state(hass, "sensor", "download").state == "unknown"  # no test before the user asks
    # Plain names: "Internet 192.0.2.3 latency", "Internet Gateway packet loss".
    assert _state(hass, "sensor", "target_latency_192_0_2_3").name == "Internet 192.0.2.3 latency"
    assert _state(hass, "sensor", "target_packet_loss_gateway").name == "Internet Gateway packet loss"
    registry = er.async_get(hass)
    disabled = {
        e.unique_id for e in er.async_entries_for_config_entry(registry, entry.entry_id) if e.disabled_by is not None
    }
    assert "internet_latency_min" in disabled
    assert "internet_target_jitter_192_0_2_3" in disabled
    assert "internet_latency" not in disabled
    assert "internet_target_latency_192_0_2_3" not in disabled


@pytest.mark.parametrize(("delay", "spread", "loss"), [(20.0, 0.0, 0), (50.0, 5.0, 10)])
async def test_latency_jitter_and_loss_agree_with_iputils(
    hass: HomeAssistant, internet_env: NetLab, delay: float, spread: float, loss: int
) -> None:
    """The integration pings 192.0.2.3 while iputils pings 192.0.2.4 over the same link, at once."""
    lab = internet_env
    entry = _entry(**{CONF_TARGETS: [INTERNET[0]], CONF_PING_COUNT: 100})
    with lab.inside():
        await setup_entry(hass, entry)
        lab.set_delay(delay, spread)
        lab.loss(loss, hosts=INTERNET)
        reference_run = lab.iputils(INTERNET[1], 100, 0.02, wait=0.5)
        await _cycle(hass, entry)
    sent, reference = await hass.async_add_executor_job(iputils_result, reference_run)
    reference_avg = sum(reference) / len(reference)
    reference_loss = 100 * (sent - len(reference)) / sent
    diffs = [abs(b - a) for a, b in itertools.pairwise(reference)]
    reference_jitter = sum(diffs) / len(diffs)

    latency = float(_state(hass, "sensor", "target_latency_192_0_2_3").state)
    jitter = float(_state(hass, "sensor", "jitter").state)
    measured_loss = float(_state(hass, "sensor", "target_packet_loss_192_0_2_3").state)
    assert latency == pytest.approx(reference_avg, abs=max(0.05 * reference_avg, 1.0))
    assert measured_loss == pytest.approx(reference_loss, abs=3)
    assert measured_loss == pytest.approx(loss, abs=3)
    assert jitter == pytest.approx(reference_jitter, abs=max(0.3 * reference_jitter, 1.5))
    assert float(_state(hass, "sensor", "packet_loss").state) == measured_loss


async def test_outage_counted_once_across_a_restart_with_its_real_duration(
    hass: HomeAssistant, internet_env: NetLab
) -> None:
    lab = internet_env
    entry = _entry()
    with lab.inside():
        await setup_entry(hass, entry)
        # One lost burst is no outage (threshold 2)...
        lab.down(INTERNET)
        first_failure = time.time()
        await _cycle(hass, entry)
        assert _state(hass, "binary_sensor", "connected").state == "on"
        assert _state(hass, "sensor", "packet_loss").state == "100.0"  # a value, not unavailable
        assert _state(hass, "sensor", "fault").state == "isp"  # the gateway still answers
        # ...the second one is, dated from the first.
        await _cycle(hass, entry)
        connected = _state(hass, "binary_sensor", "connected")
        assert connected.state == "off"
        assert _state(hass, "sensor", "outages_today").state == "1"
        down_since = _state(hass, "sensor", "down_since")
        assert down_since.attributes["device_class"] == "timestamp"  # the frontend counts it up, live
        assert dt_util.parse_datetime(down_since.state).timestamp() == pytest.approx(first_failure, abs=2.0)

        # Home Assistant restarts in the middle of the outage.
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await asyncio.sleep(1.0)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert _state(hass, "binary_sensor", "connected").state == "off"
        assert _state(hass, "sensor", "outages_today").state == "1"

        # The router dies too: the fault moves to the LAN.
        lab.down((GATEWAY, *INTERNET))
        await _cycle(hass, entry)
        assert _state(hass, "sensor", "fault").state == "lan"

        lab.clear()
        await _cycle(hass, entry)
        restored = time.time()
        await _cycle(hass, entry)  # the downtime stopped growing: its state shows where it stopped
    assert _state(hass, "binary_sensor", "connected").state == "on"
    assert _state(hass, "sensor", "outages_today").state == "1"
    assert _state(hass, "sensor", "outages_week").state == "1"
    last = _state(hass, "sensor", "last_outage_duration")
    assert last.attributes["unit_of_measurement"] == "min"
    duration = float(last.state) * 60
    assert duration == pytest.approx(restored - first_failure, abs=2.0)  # cycles here are ~1 s apart
    assert float(_state(hass, "sensor", "downtime_today").state) * 60 == pytest.approx(duration, abs=1)
    assert _state(hass, "sensor", "down_since").state == "unknown"
    assert _state(hass, "sensor", "last_outage_start").state != "unknown"


async def test_dns_failing_while_pings_succeed_is_a_dns_fault(
    hass: HomeAssistant, internet_env: NetLab, far_dns: Dnsmasq
) -> None:
    lab = internet_env
    entry = _entry(**{CONF_DNS_NAMES: ["nas.test", "missing.test"]})
    with lab.inside():
        await setup_entry(hass, entry)
        assert _state(hass, "sensor", "fault").state == "dns"
        problem = _state(hass, "binary_sensor", "dns_problem")
        assert problem.state == "on"
        assert problem.attributes["failing"] == {FAR: "nxdomain"}
        assert _state(hass, "sensor", "dns_time_192_0_2_2").state == "unknown"
        assert _state(hass, "sensor", "dns_time_192_0_2_2").attributes["result"] == "nxdomain"

        hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_DNS_NAMES: ["nas.test"]})
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert _state(hass, "sensor", "fault").state == "none"
        fast = float(_state(hass, "sensor", "dns_time_192_0_2_2").state)

        lab.set_delay(120.0)  # a slow resolver
        await _cycle(hass, entry)
        assert float(_state(hass, "sensor", "dns_time_192_0_2_2").state) >= fast + 100

        far_dns.stop()  # the resolver goes away: ICMP port unreachable or timeout
        lab.set_delay(None)
        await _cycle(hass, entry)
        assert _state(hass, "binary_sensor", "dns_problem").state == "on"
        assert _state(hass, "sensor", "dns_time_192_0_2_2").attributes["result"] in {"timeout", "error"}


async def test_public_ip_change_needs_consensus_fires_event_and_logbook(
    hass: HomeAssistant, internet_env: NetLab, far_dns: Dnsmasq, cloudflare: WhoamiServer
) -> None:
    lab = internet_env
    entry = _entry()
    events: list[Event] = []
    hass.bus.async_listen(EVENT_PUBLIC_IP_CHANGED, events.append)
    with lab.inside():
        await setup_entry(hass, entry)
        coordinator = entry.runtime_data.monitor.public_ip
        assert _state(hass, "sensor", "public_ipv4").state == "203.0.113.7"
        assert events == []  # learning the first address is no change

        cloudflare.address = "203.0.113.8"  # one service alone
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert _state(hass, "sensor", "public_ipv4").state == "203.0.113.7"

        far_dns.hosts["myip.opendns.com"] = "203.0.113.8"  # a second agrees
        await hass.async_add_executor_job(far_dns.reload)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    state = _state(hass, "sensor", "public_ipv4")
    assert state.state == "203.0.113.8"
    assert [(e.data["old"], e.data["new"], e.data["version"]) for e in events] == [("203.0.113.7", "203.0.113.8", 4)]
    assert state.attributes["changes"][-1]["new"] == "203.0.113.8"
    assert state.attributes["services"]["google"] == "203.0.113.7"

    # The logbook shows the change in words.
    from custom_components.homesentry.logbook import async_describe_events

    described: dict[str, Any] = {}
    async_describe_events(hass, lambda domain, event, fn: described.update({event: fn}))
    line = described[EVENT_PUBLIC_IP_CHANGED](events[0])
    assert line == {"name": "Public IPv4 address", "message": "changed from 203.0.113.7 to 203.0.113.8"}

    # The accepted address and its history survive a restart.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.monitor.public_ip.history.changes[-1]["old"] == "203.0.113.7"


async def test_speed_test_button_and_refusal_during_an_outage(hass: HomeAssistant, internet_env: NetLab) -> None:
    from aiohttp import web

    from .speed_server import speed_app

    runner = web.AppRunner(speed_app(4_000_000))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    entry = _entry(**{CONF_SPEED_TEST_URL: f"http://127.0.0.1:{port}", CONF_SPEED_TEST_MAX_MB: 8})
    lab = internet_env
    try:
        with lab.inside():
            await setup_entry(hass, entry)
        button = _state(hass, "button", "run_speed_test")
        await hass.services.async_call("button", "press", {"entity_id": button.entity_id}, blocking=True)
        download = _state(hass, "sensor", "download")
        assert download.attributes["unit_of_measurement"] == "Mbit/s"
        assert float(download.state) == pytest.approx(4 * 32, rel=0.2)  # four streams of 32 Mbit/s
        assert float(_state(hass, "sensor", "upload").state) > 0
        assert _state(hass, "sensor", "last_speed_test").state != "unknown"

        with lab.inside():
            lab.down(INTERNET)
            await _cycle(hass, entry)
            await _cycle(hass, entry)
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call("button", "press", {"entity_id": button.entity_id}, blocking=True)
        assert err.value.translation_key == "speed_test_during_outage"

        # The last result survives a restart.
        with lab.inside():
            lab.clear()
            await hass.config_entries.async_reload(entry.entry_id)
            await hass.async_block_till_done()
        assert float(_state(hass, "sensor", "download").state) == float(download.state)
    finally:
        await runner.cleanup()


async def test_diagnostics_hide_the_public_address(hass: HomeAssistant, internet_env: NetLab, hass_client: Any) -> None:
    from pytest_homeassistant_custom_component.components.diagnostics import (
        get_diagnostics_for_config_entry,
    )

    entry = _entry()
    with internet_env.inside():
        await setup_entry(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert "203.0.113.7" not in text
    assert diagnostics["public_ip"]["data"]["addresses"] == "**REDACTED**"
    assert diagnostics["connection"]["data"]["connected"] is True
    assert diagnostics["connection"]["data"]["internet"]["results"][0]["target"] == INTERNET[0]
    assert diagnostics["speed_test"]["update_interval_seconds"] is None


async def test_no_gateway_no_dns_entities_and_removal_forgets_history(
    hass: HomeAssistant, internet_env: NetLab, hass_storage: dict[str, Any]
) -> None:
    """Gateway off: a dead line's fault is unknown; DNS entities disabled: DNS is not asked."""
    lab = internet_env
    entry = _entry(ping_gateway=False)
    with lab.inside():
        await setup_entry(hass, entry)
        registry = er.async_get(hass)
        assert registry.async_get_entity_id("sensor", DOMAIN, "internet_target_latency_gateway") is None
        for unique_id in ("internet_dns_time_192_0_2_2", "internet_dns_problem"):
            platform = "binary_sensor" if unique_id.endswith("problem") else "sensor"
            entity_id = registry.async_get_entity_id(platform, DOMAIN, unique_id)
            assert entity_id is not None
            registry.async_update_entity(entity_id, disabled_by=er.RegistryEntryDisabler.USER)
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        coordinator = entry.runtime_data.monitor.connection
        lab.down(INTERNET)
        await _cycle(hass, entry)
        await _cycle(hass, entry)
    assert coordinator.data.dns is None  # nobody shows DNS: it is not asked
    assert _state(hass, "sensor", "fault").state == "unknown"

    # Deleting the entry deletes its stored history.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.{entry.entry_id}.outages" not in hass_storage


async def test_gateway_found_from_the_routing_table(
    hass: HomeAssistant, internet_env: NetLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/proc/net/route as the kernel writes it (recorded, in namespaced procfs terms)."""
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "route").write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "hs0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "wlan0\t00000000\t0300A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
        "hs0\t00000000\t020200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "broken line\n"
    )
    monkeypatch.setattr(world, "PROCFS_ROOT", tmp_path)
    entry = _entry(gateway="")
    with internet_env.inside():
        await setup_entry(hass, entry)
    assert _state(hass, "sensor", "target_latency_gateway").attributes["address"] == GATEWAY


def test_default_gateway_edge_cases(tmp_path: Path) -> None:
    from custom_components.homesentry.probes.network import default_gateway

    assert default_gateway(tmp_path) is None  # no procfs
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "route").write_text(
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
        "eth0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\n"  # default route without a gateway
        "eth0\t00000000\tZZZZ\t0003\t0\t0\t0\t00000000\n"
    )
    assert default_gateway(tmp_path) is None


async def test_scheduled_speed_test_skips_outages_and_reports_failures(
    hass: HomeAssistant, internet_env: NetLab
) -> None:
    entry = _entry(speed_test_hours=6, speed_test_url="http://127.0.0.1:1")
    with internet_env.inside():
        await setup_entry(hass, entry)
        speed = entry.runtime_data.monitor.speed_test
        assert speed.update_interval is not None
        assert speed.update_interval.total_seconds() == 6 * 3600
        await speed.async_refresh()  # nobody listens there
        assert not speed.last_update_success
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                "button", "press", {"entity_id": _state(hass, "button", "run_speed_test").entity_id}, blocking=True
            )
        assert err.value.translation_key == "speed_test_failed"
        internet_env.down(INTERNET)
        await _cycle(hass, entry)
        await _cycle(hass, entry)
        await speed.async_refresh()  # skipped while the line is down
    assert speed.last_update_success
    assert speed.data is None
    assert _state(hass, "sensor", "download").state == "unknown"


async def test_an_all_day_outage_writes_a_few_dozen_rows(
    hass: HomeAssistant, internet_env: NetLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line is down from 00:00 to 24:00, a cycle every 30 s: 2,880 real cycles (one echo to each target into
    the emulated link, given up after 20 ms), each dated 30 s after the last. The entry's entities make a few
    dozen state changes (each one recorder row) in all, not two a cycle: "Down since" is one, "Downtime today"
    moves by a minute or a fifth of itself.
    """
    entry = _entry(**{CONF_PING_COUNT: 1, CONF_RESOLVERS: []})
    changes: list[str] = []
    with internet_env.inside():
        await setup_entry(hass, entry)
        coordinator = entry.runtime_data.monitor.connection
        midnight = dt_util.start_of_local_day(dt_util.now() + timedelta(days=1))
        cycle = itertools.count()
        coordinator.clock = lambda: dt_util.as_utc(midnight) + timedelta(seconds=30 * next(cycle) + 5)
        registry = er.async_get(hass)
        ours = {e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}

        @callback
        def changed(event: Event[EventStateChangedData]) -> None:
            if event.data["entity_id"] in ours:
                changes.append(event.data["entity_id"])

        unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
        monkeypatch.setattr(world, "PING_TIMEOUT", 0.02)
        internet_env.down((GATEWAY, *INTERNET))  # the router is off: nothing answers all day
        for _ in range(2880):
            await _cycle(hass, entry)
        unsubscribe()
        assert _state(hass, "binary_sensor", "connected").state == "off"
        downtime = float(_state(hass, "sensor", "downtime_today").state)
        assert 0.8 * 24 * 60 <= downtime <= 24 * 60  # minutes: within a fifth of the day
        assert len(changes) <= 60, Counter(changes).most_common(5)
        assert await hass.config_entries.async_unload(entry.entry_id)
