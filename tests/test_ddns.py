"""Dynamic DNS hostnames in a real Home Assistant, end to end against real peers.

The zone's authoritative server is a real dnsmasq; the providers are real HTTP
servers speaking each protocol (tests/ddns_server.py), and an accepted update
rewrites the zone's hosts file and reloads dnsmasq, so propagation is real.
The public resolver and the whoami services are a second dnsmasq.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
import socket
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import config_entries
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component import plugins
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.homesentry.const import (
    CONF_GRACE_MINUTES,
    CONF_KIND,
    CONF_SCAN_INTERVAL,
    DOMAIN,
    EVENT_PUBLIC_IP_CHANGED,
)
from custom_components.homesentry.diagnostics import async_get_config_entry_diagnostics
from custom_components.homesentry.monitors.ddns.const import CONF_HOSTNAME, CONF_MODE, CONF_PROVIDER, CONF_REACHABILITY
from custom_components.homesentry.monitors.ddns.options import DEFAULT_DDNS_OPTIONS

from .conftest import HOSTNAME, PUBLIC_IP, RECORD_IP, DdnsLab, entity_state, setup_entry
from .peers import free_port

CREDENTIALS: dict[str, dict[str, str]] = {
    "noip": {"username": "alice", "password": "s3cret-pw"},
    "duckdns": {"token": "duck-t0ken"},
    "freedns": {"token": "duck-t0ken"},
    "cloudflare": {"api_token": "cf-api-t0ken", "zone": "example.test"},
    "none": {},
}


def _entry(provider: str = "noip", **options: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=HOSTNAME,
        unique_id=f"ddns_{HOSTNAME}",
        data={CONF_KIND: "ddns", CONF_PROVIDER: provider, CONF_HOSTNAME: HOSTNAME, **CREDENTIALS[provider]},
        options={**DEFAULT_DDNS_OPTIONS, CONF_MODE: "verify" if provider == "none" else "update", **options},
    )


def _state(hass: HomeAssistant, entry: MockConfigEntry, key: str, platform: str = "sensor") -> str:
    return entity_state(hass, entry, key, platform).state


async def _cycle(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """One record cycle (and the update it asks for, if any)."""
    ddns = entry.runtime_data.monitor
    await ddns.record.async_refresh()
    await hass.async_block_till_done()


# --------------------------------------------------------------------------- the cycle


async def test_a_stale_record_is_updated_and_verified_at_the_zones_own_server(
    hass: HomeAssistant, ddns_lab: DdnsLab
) -> None:
    entry = _entry()
    await setup_entry(hass, entry)
    assert ddns_lab.provider.requests == ["dyndns2"]
    assert ddns_lab.provider.address == PUBLIC_IP
    assert _state(hass, entry, "ddns_public_ip") == PUBLIC_IP
    record = entity_state(hass, entry, "record_ip")
    assert record.state == PUBLIC_IP
    assert record.attributes["zone"] == "example.test"
    assert record.attributes["nameservers"] == {"127.0.0.1": PUBLIC_IP}
    # The public resolver still has the old answer (its "cache"): shown, not trusted.
    assert record.attributes["public_resolvers"] == {ddns_lab.internet.spec: RECORD_IP}
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "off"
    result = entity_state(hass, entry, "last_update_result")
    assert result.state == "updated"
    assert result.attributes["answer"] == f"good {PUBLIC_IP}"
    assert result.attributes["verified"] is True
    assert 0 <= float(_state(hass, entry, "propagation_time")) < 2
    assert _state(hass, entry, "last_update") not in ("unknown", "unavailable")
    # In sync: the next cycles send nothing.
    await _cycle(hass, entry)
    await entry.runtime_data.monitor.update.async_refresh()
    assert ddns_lab.provider.requests == ["dyndns2"]


async def test_good_but_the_record_never_changes_is_a_problem_after_the_grace_period_and_not_resent(
    hass: HomeAssistant, ddns_lab: DdnsLab
) -> None:
    ddns_lab.provider.propagate = False
    # A grace period of 3 s (the option is in minutes; real time passes here, since
    # the verification after the update sleeps between its questions).
    entry = _entry(**{CONF_GRACE_MINUTES: 0.05})
    await setup_entry(hass, entry)
    assert ddns_lab.provider.requests == ["dyndns2"]
    assert entity_state(hass, entry, "last_update_result").attributes["verified"] is False
    assert _state(hass, entry, "propagation_time") == "unknown"
    in_sync = entity_state(hass, entry, "record_in_sync", "binary_sensor")
    assert (in_sync.state, in_sync.attributes["in_sync"]) == ("off", False)  # still within the grace period
    await asyncio.sleep(3.1)
    await _cycle(hass, entry)
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "on"
    # The provider holds the address and the zone never showed it: sending it again
    # would be the nochg loop providers block clients for.
    await _cycle(hass, entry)
    await entry.runtime_data.monitor.update.async_refresh()
    assert ddns_lab.provider.requests == ["dyndns2"]


async def test_nochg_is_not_repeated_but_a_record_changed_by_somebody_else_is_put_back(
    hass: HomeAssistant, ddns_lab: DdnsLab
) -> None:
    # The provider already holds this network's address; the zone has not caught up.
    ddns_lab.provider.address = PUBLIC_IP
    ddns_lab.provider.propagate = False
    entry = _entry(**{CONF_GRACE_MINUTES: 0})
    await setup_entry(hass, entry)
    assert ddns_lab.provider.requests == ["dyndns2"]
    assert _state(hass, entry, "last_update_result") == "unchanged"
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "on"
    for _ in range(3):
        await _cycle(hass, entry)
        await entry.runtime_data.monitor.update.async_refresh()
    assert ddns_lab.provider.requests == ["dyndns2"]
    # The zone catches up: in sync, verified later by the record cycle.
    ddns_lab.set_record(PUBLIC_IP)
    await _cycle(hass, entry)
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "off"


async def test_a_record_changed_behind_our_back_is_sent_again(hass: HomeAssistant, ddns_lab: DdnsLab) -> None:
    entry = _entry()
    await setup_entry(hass, entry)
    assert ddns_lab.provider.requests == ["dyndns2"]
    # Somebody points the record elsewhere (and the provider with it).
    ddns_lab.provider.address = RECORD_IP
    ddns_lab.set_record(RECORD_IP)
    await _cycle(hass, entry)
    assert ddns_lab.provider.requests == ["dyndns2", "dyndns2"]
    assert _state(hass, entry, "record_ip") == PUBLIC_IP
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "off"


async def test_a_public_ip_change_fires_one_event_and_the_record_follows(
    hass: HomeAssistant, ddns_lab: DdnsLab
) -> None:
    events: list[Event] = []
    hass.bus.async_listen(EVENT_PUBLIC_IP_CHANGED, events.append)
    entry = _entry()
    await setup_entry(hass, entry)
    assert events == []  # the first address is not a change
    assert _state(hass, entry, "last_ip_change") == "unknown"
    new = "198.51.100.42"
    ddns_lab.set_public_ip(new)
    await _cycle(hass, entry)
    await _cycle(hass, entry)
    assert len(events) == 1
    assert {k: events[0].data[k] for k in ("old", "new", "hostname", "entry_id")} == {
        "old": PUBLIC_IP,
        "new": new,
        "hostname": HOSTNAME,
        "entry_id": entry.entry_id,
    }
    assert _state(hass, entry, "ddns_public_ip") == new
    assert _state(hass, entry, "record_ip") == new
    assert ddns_lab.provider.requests == ["dyndns2", "dyndns2"]
    change = entity_state(hass, entry, "last_ip_change")
    assert change.state not in ("unknown", "unavailable")
    assert [(c["old"], c["new"]) for c in change.attributes["changes"]] == [(PUBLIC_IP, new)]
    # The logbook tells it in words.
    from custom_components.homesentry.logbook import async_describe_events

    described: dict[str, Any] = {}
    async_describe_events(hass, lambda domain, event, describe: described.update({event: describe}))
    line = described["homesentry_public_ip_changed"](events[0])
    assert line == {"name": f"{HOSTNAME}: Public IPv4 address", "message": f"changed from {PUBLIC_IP} to {new}"}
    # The history survives a restart of the entry.
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(entity_state(hass, entry, "last_ip_change").attributes["changes"]) == 1


# --------------------------------------------------------------------------- provider errors


async def test_badauth_stops_updates_starts_reauth_and_raises_a_repair(
    hass: HomeAssistant, ddns_lab: DdnsLab, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ddns_lab.provider.password = "changed-at-the-provider"
    entry = _entry()
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED  # the record's entities still work
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "on"
    assert _state(hass, entry, "last_update_result") == "unavailable"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"ddns_bad_auth_{entry.entry_id}")
    assert issue is not None
    assert not issue.is_fixable
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    for _ in range(2):
        await _cycle(hass, entry)
    assert ddns_lab.provider.requests == ["dyndns2"]  # nothing more is sent
    # Reauthentication: a wrong password is refused in the form, the right one kept.
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {"username": "alice", "password": "nope"})
    assert result["errors"] == {"base": "ddns_bad_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"username": "alice", "password": "changed-at-the-provider"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"ddns_bad_auth_{entry.entry_id}") is None
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "off"
    # The reauth check was itself an update: the record is right, nothing more to send.
    assert _state(hass, entry, "last_update_result") == "unknown"
    assert ddns_lab.provider.requests == ["dyndns2", "dyndns2", "dyndns2"]  # refused, then accepted, in the form
    for secret in ("changed-at-the-provider", "s3cret-pw", "nope"):
        assert secret not in caplog.text


async def test_abuse_stops_updates_until_the_repair_is_confirmed_even_across_a_restart(
    hass: HomeAssistant, ddns_lab: DdnsLab
) -> None:
    ddns_lab.provider.forced = "abuse"
    entry = _entry()
    await setup_entry(hass, entry)
    assert _state(hass, entry, "last_update_result") == "abuse"
    assert entity_state(hass, entry, "last_update_result").attributes["halted"] is True
    issue_id = f"ddns_abuse_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id).is_fixable
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await _cycle(hass, entry)
    assert ddns_lab.provider.requests == ["dyndns2"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None  # raised again after the restart
    with pytest.raises(HomeAssistantError, match=r"stopped") as refused:
        await hass.services.async_call(DOMAIN, "update_ddns", {"config_entry_id": entry.entry_id}, blocking=True)
    assert refused.value.translation_key == "ddns_halted"
    # The user settles it with the provider and confirms the repair: updates resume at once.
    ddns_lab.provider.forced = None
    assert await _confirm_repair(hass, issue_id)
    await hass.async_block_till_done()
    assert ddns_lab.provider.requests == ["dyndns2", "dyndns2"]
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "off"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def _confirm_repair(hass: HomeAssistant, issue_id: str) -> bool:
    """What the user does in Settings > Repairs: open the issue, confirm."""
    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["step_id"] == "confirm"
    result = await manager.async_configure(result["flow_id"], {})
    return result["type"] is FlowResultType.CREATE_ENTRY


async def test_provider_errors_back_off_1_then_5_minutes_and_leave_the_record_alone(
    hass: HomeAssistant, ddns_lab: DdnsLab, freezer: FrozenDateTimeFactory
) -> None:
    ddns_lab.provider.forced = "dnserr"
    entry = _entry()
    await setup_entry(hass, entry)
    update = entry.runtime_data.monitor.update
    assert not update.last_update_success
    assert update.state.failures == 1
    assert _state(hass, entry, "last_update_result") == "unavailable"
    assert _state(hass, entry, "record_ip") == RECORD_IP  # the record's entities are untouched
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "on"
    # Within the minute nothing is sent, whatever asks.
    await _cycle(hass, entry)
    await update.async_refresh()
    assert ddns_lab.provider.requests == ["dyndns2"]
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ddns_lab.provider.requests == ["dyndns2", "dyndns2"]
    assert update.state.failures == 2
    wait = (update.state.retry_at - update.state.last_attempt).total_seconds()
    assert wait == 300
    # The provider recovers; after the wait the update goes through.
    ddns_lab.provider.forced = None
    freezer.tick(timedelta(seconds=301))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert update.last_update_success
    assert _state(hass, entry, "last_update_result") == "updated"
    assert _state(hass, entry, "record_ip") == PUBLIC_IP


async def test_a_911_waits_30_minutes(hass: HomeAssistant, ddns_lab: DdnsLab) -> None:
    ddns_lab.provider.forced = "911"
    entry = _entry()
    await setup_entry(hass, entry)
    state = entry.runtime_data.monitor.update.state
    assert (state.retry_at - state.last_attempt).total_seconds() == 1800


# --------------------------------------------------------------------------- verify only, actions, reachability


async def test_verify_only_flags_a_wrong_record_within_one_cycle(hass: HomeAssistant, ddns_lab: DdnsLab) -> None:
    entry = _entry("none")
    await setup_entry(hass, entry)
    assert entry.runtime_data.monitor.update is None
    assert ddns_lab.provider.requests == []
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "on"  # no grace: nothing was changing
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(DOMAIN, "update_ddns", {"config_entry_id": entry.entry_id}, blocking=True)
    assert refused.value.translation_key == "ddns_verify_only"
    ddns_lab.set_record(PUBLIC_IP)  # the router updates it
    await _cycle(hass, entry)
    assert _state(hass, entry, "record_in_sync", "binary_sensor") == "off"


async def test_update_now_forces_an_update_and_unknown_entries_are_refused(
    hass: HomeAssistant, ddns_lab: DdnsLab
) -> None:
    entry = _entry("duckdns")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOSTNAME: "home.duckdns.org"})
    ddns_lab.provider.hostname = "home.duckdns.org"
    ddns_lab.zone.hosts["home.duckdns.org"] = RECORD_IP  # (not in the zone: the record check fails)
    # A DuckDNS name outside the lab's zone cannot be checked: setup waits for DNS.
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(DOMAIN, "update_ddns", {"config_entry_id": "nope"}, blocking=True)
    assert refused.value.translation_key == "not_a_ddns_hostname"

    other = _entry("freedns")
    await setup_entry(hass, other)
    assert ddns_lab.provider.requests == ["freedns"]
    await hass.services.async_call(DOMAIN, "update_ddns", {"config_entry_id": other.entry_id}, blocking=True)
    assert ddns_lab.provider.requests == ["freedns", "freedns"]  # sent even though in sync
    assert _state(hass, other, "last_update_result") == "unchanged"
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_state(hass, other, "update_now", "button").entity_id}, blocking=True
    )
    assert ddns_lab.provider.requests == ["freedns"] * 3
    ddns_lab.provider.forced = "ERROR: something broke"
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(DOMAIN, "update_ddns", {"config_entry_id": other.entry_id}, blocking=True)
    assert failed.value.translation_key == "ddns_update_failed"


async def test_reachability_is_checked_from_inside_and_said_so(
    hass: HomeAssistant, ddns_lab: DdnsLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The port check resolves the hostname as the system does (phcc blocks that; allow it).
    monkeypatch.setattr(socket, "getaddrinfo", plugins._real_getaddrinfo)
    closed = free_port()
    good = f"http://127.0.0.1:{ddns_lab.provider.port}/custom/update?key=duck-t0ken"
    entry = _entry(**{CONF_REACHABILITY: [good, f"http://127.0.0.1:{closed}/", "443"]})
    await setup_entry(hass, entry)
    states = {
        s.attributes["target"]: s
        for s in hass.states.async_all("binary_sensor")
        if s.attributes.get("checked_from") == "inside your network"
    }
    assert set(states) == {good, f"http://127.0.0.1:{closed}/", "443"}
    assert states[good].state == "on"
    assert states[f"http://127.0.0.1:{closed}/"].state == "off"
    assert states[f"http://127.0.0.1:{closed}/"].attributes["failure"] == "refused"
    assert states["443"].state == "off"  # home.example.test does not resolve for the system
    assert states["443"].attributes["failure"] in ("dns", "timeout")
    assert states[good].attributes["device_class"] == "connectivity"


async def test_diagnostics_hide_secrets_and_the_home_address(hass: HomeAssistant, ddns_lab: DdnsLab) -> None:
    entry = _entry("cloudflare")
    await setup_entry(hass, entry)
    assert ddns_lab.provider.requests[-1] == "cloudflare-patch"
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = str(diagnostics)
    for secret in ("cf-api-t0ken", HOSTNAME, PUBLIC_IP, RECORD_IP):
        assert secret not in text, secret
    assert diagnostics["ddns_record"]["data"]["in_sync"] is True
    assert diagnostics["ddns_update"]["data"]["outcome"] == "updated"


# --------------------------------------------------------------------------- config flow


async def _form(hass: HomeAssistant, provider: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "ddns"})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "ddns_duckdns", "ddns_noip", "ddns_dyndns2", "ddns_freedns", "ddns_cloudflare", "ddns_update_url", "ddns_none",
    ]  # fmt: skip
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": f"ddns_{provider}"})
    assert result["type"] is FlowResultType.FORM
    return str(result["flow_id"])


async def test_no_ip_credentials_are_tried_before_the_entry_is_made(hass: HomeAssistant, ddns_lab: DdnsLab) -> None:
    flow_id = await _form(hass, "noip")
    for user_input, errors in (
        ({"hostname": "home", "username": "alice", "password": "x"}, {"hostname": "invalid_hostname"}),
        ({"hostname": "home.example.test", "username": "", "password": "x"}, {"username": "required"}),
        ({"hostname": "home.other.org", "username": "alice", "password": "x"}, {"base": "zone_not_found"}),
        ({"hostname": "nas.example.test", "username": "alice", "password": "s3cret-pw"}, {"base": "ddns_no_host"}),
        ({"hostname": HOSTNAME, "username": "alice", "password": "wrong"}, {"base": "ddns_bad_auth"}),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
        assert result["errors"] == errors, user_input
    assert result["description_placeholders"]["answer"] == "badauth"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"hostname": "Home.Example.Test.", "username": "alice", "password": "s3cret-pw"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == HOSTNAME
    assert result["data"][CONF_HOSTNAME] == HOSTNAME
    assert result["options"][CONF_MODE] == "update"
    assert ddns_lab.provider.address == PUBLIC_IP  # the check was a real update to this network's address
    # One entry per hostname.
    flow_id = await _form(hass, "noip")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"hostname": HOSTNAME, "username": "alice", "password": "s3cret-pw"}
    )
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("provider", "good", "bad", "error"),
    [
        ("duckdns", {"hostname": HOSTNAME, "token": "duck-t0ken"}, {"token": "wrong"}, "ddns_bad_auth"),
        ("freedns", {"hostname": HOSTNAME, "token": "duck-t0ken"}, {"token": "wrong"}, "ddns_bad_auth"),
        (
            "cloudflare",
            {"api_token": "cf-api-t0ken", "zone": "example.test", "hostname": HOSTNAME},
            {"api_token": "wrong"},
            "ddns_bad_auth",
        ),
        (
            "cloudflare",
            {"api_token": "cf-api-t0ken", "zone": "example.test", "hostname": HOSTNAME},
            {"hostname": "www.example.test"},
            "ddns_no_host",
        ),
        ("update_url", {"hostname": HOSTNAME, "update_url": "custom"}, {"update_url": "custom-wrong"}, "ddns_bad_auth"),
        ("dyndns2", {"hostname": HOSTNAME, "server_url": "noip", "username": "alice", "password": "s3cret-pw"},
         {"password": "wrong"}, "ddns_bad_auth"),
        ("none", {"hostname": HOSTNAME}, {"hostname": "nas.example.test"}, "no_record"),
    ],
)  # fmt: skip
async def test_each_provider_is_checked_by_its_own_protocol(
    hass: HomeAssistant, ddns_lab: DdnsLab, *, provider: str, good: dict[str, str], bad: dict[str, str], error: str
) -> None:
    if provider == "duckdns":  # a DuckDNS name is a subdomain of duckdns.org: give the lab's zone that name
        ddns_lab.provider.hostname = HOSTNAME
    urls = {
        "custom": f"http://127.0.0.1:{ddns_lab.provider.port}/custom/update?host={{hostname}}&ip={{ip}}&key=duck-t0ken",
        "custom-wrong": f"http://127.0.0.1:{ddns_lab.provider.port}/custom/update?ip={{ip}}&key=nope",
        "noip": ddns_lab.provider.base("noip"),
    }
    good = {key: urls.get(value, value) for key, value in good.items()}
    bad = {key: urls.get(value, value) for key, value in bad.items()}
    flow_id = await _form(hass, provider)
    result = await hass.config_entries.flow.async_configure(flow_id, {**good, **bad})
    assert result["errors"] == {"base": error}
    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    assert result["options"][CONF_MODE] == ("verify" if provider == "none" else "update")


async def test_field_errors_for_urls_and_zones(hass: HomeAssistant, ddns_lab: DdnsLab) -> None:
    flow_id = await _form(hass, "dyndns2")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"server_url": "ftp://x", "hostname": HOSTNAME, "username": "a", "password": "b"}
    )
    assert result["errors"] == {"server_url": "invalid_url"}
    flow_id = await _form(hass, "cloudflare")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": "t", "zone": "example.org", "hostname": HOSTNAME}
    )
    assert result["errors"] == {"hostname": "hostname_not_in_zone"}
    flow_id = await _form(hass, "duckdns")
    result = await hass.config_entries.flow.async_configure(flow_id, {"hostname": "home", "token": "t"})
    assert result["errors"] == {"base": "zone_not_found"}  # home.duckdns.org: not in the lab's DNS


async def test_options_and_reconfigure(hass: HomeAssistant, ddns_lab: DdnsLab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", plugins._real_getaddrinfo)  # the port check resolves the name
    entry = _entry()
    await setup_entry(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "ddns"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MODE: "verify", CONF_SCAN_INTERVAL: 600, CONF_GRACE_MINUTES: 5, CONF_REACHABILITY: ["ftp://x"]},
    )
    assert result["errors"] == {CONF_REACHABILITY: "invalid_reachability"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MODE: "verify", CONF_SCAN_INTERVAL: 600, CONF_GRACE_MINUTES: 5, CONF_REACHABILITY: ["8443", " "],
         "health": {CONF_GRACE_MINUTES: 15}},
    )  # fmt: skip
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_MODE: "verify", CONF_SCAN_INTERVAL: 600, CONF_GRACE_MINUTES: 5,
                             CONF_REACHABILITY: ["8443"], "health": {CONF_GRACE_MINUTES: 15}}  # fmt: skip
    await hass.async_block_till_done()
    assert entry.runtime_data.monitor.update is None  # verify only now: no updater, no update entities
    assert entry.runtime_data.monitor.record.update_interval == timedelta(seconds=600)

    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "ddns_noip"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"hostname": HOSTNAME, "username": "alice", "password": "wrong"}
    )
    assert result["errors"] == {"base": "ddns_bad_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"hostname": HOSTNAME, "username": "alice", "password": "s3cret-pw"}
    )
    assert result["reason"] == "reconfigure_successful"

    verify = _entry("none")
    verify.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(verify.entry_id)
    assert CONF_MODE not in {str(key) for key in result["data_schema"].schema}
