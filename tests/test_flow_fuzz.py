"""Hostile values in every field of every config, options and reconfigure step.

What the frontend (or anyone with a token) can send through Home Assistant's
REST API: empty and blank text, very long text, NUL and control characters,
emoji, path traversal, malformed URLs and IPv6 literals, negative and huge
numbers, wrong types. Each value goes into one field at a time, the others
keeping what the form offers. The flow must answer with a form (errors or
not), an abort, a sensible entry (a title without control characters and of
sane length), or the framework's own schema refusal (``InvalidData``: an HTTP
400 with the field named) — never another exception, and nothing logged at
error level. Every form shown must also get each placeholder its translated
texts use.

Validators that reach out (a Docker engine, a web check, a NUT server, a DDNS
provider) really try: the suite runs where nothing beyond this machine is
reachable (tests/containment.py), so a hostile address fails at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
import logging
from pathlib import Path
import socket
from typing import Any
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType, InvalidData, section
from homeassistant.helpers.selector import BooleanSelector
import pytest
from pytest_homeassistant_custom_component import plugins as phcc_plugins
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.homesentry.const import DOMAIN, DdnsProvider
from custom_components.homesentry.monitors import spec_for

from .conftest import HOSTNAME, MACHINE_ID
from .test_ddns import CREDENTIALS
from .translation_rules import placeholders

STRINGS = json.loads((Path(__file__).parent.parent / "custom_components/homesentry/translations/en.json").read_text())
HOSTILE: tuple[Any, ...] = (
    "", " ", "\t\n", "a" * 5000, "nul\x00byte", "bell\x07and\x1b[31mescape", "line\nbreak", "🏠💾🔥",
    "\u202egnp.exe", "../../../../etc/passwd", "/dev/zero", "http://[::1", "tcp://127.0.0.1:-1", "http://",
    "unix://", "tcp://:0", "https://user:pw@127.0.0.1:99999/x", "[::1]:99999", "::1", "[fe80::1%eth0]:53",
    "%s%n{0}{name}", "<script>alert(1)</script>", "' OR 1=1 --",
    -1, 0, -1e9, 1e18, 2**63, 3.5, True, None, [], {}, ["", "bad host!", "x" * 300], [None],
)  # fmt: skip
MAX_TITLE = 100


def _fields(schema: Any) -> dict[str, Any]:
    """Each field of a form (a section's fields under their section's name) and its selector."""
    found: dict[str, Any] = {}
    for key, value in (schema.schema if schema is not None else {}).items():
        if isinstance(value, section):
            found |= {f"{key}.{inner}": selector for inner, selector in _fields(value.schema).items()}
        else:
            found[str(key)] = value
    return found


def _baseline(schema: Any) -> dict[str, Any]:
    """What the form offers: each field's default or suggested value, sections nested."""
    values: dict[str, Any] = {}
    for key, value in (schema.schema if schema is not None else {}).items():
        if isinstance(value, section):
            values[str(key)] = _baseline(value.schema)
            continue
        offered = (key.description or {}).get("suggested_value") if hasattr(key, "description") else None
        if offered is None and callable(getattr(key, "default", None)):
            offered = key.default()
        if offered is None:
            offered = False if isinstance(value, BooleanSelector) else "x"
        values[str(key)] = offered
    return values


def _with(values: dict[str, Any], field: str, hostile: Any) -> dict[str, Any]:
    changed = json.loads(json.dumps(values))
    *parents, name = field.split(".")
    target = changed
    for parent in parents:
        target = target[parent]
    target[name] = hostile
    return changed


def _check_placeholders(kind: str, result: FlowResult) -> None:
    """Every placeholder a form's title, description and field descriptions use is given."""
    step = STRINGS[kind]["step"].get(result["step_id"], {})
    texts = [step.get("title", ""), step.get("description", ""), *step.get("data_description", {}).values()]
    for name in result.get("errors") or {}:
        texts.append(STRINGS[kind].get("error", {}).get(result["errors"][name], ""))
    used = set().union(*(placeholders(text) for text in texts))
    given = set(result.get("description_placeholders") or {})
    assert used <= given, f"{kind}.step.{result['step_id']}: placeholders {used - given} are not given"


def _sensible_title(where: str, title: str) -> None:
    """An entry's title (and so its device's name): trimmed, of sane length, printable."""
    assert title.strip() == title, f"{where}: title {title!r}"
    assert 0 < len(title) <= MAX_TITLE, f"{where}: title of {len(title)} characters"
    assert all(c.isprintable() for c in title), f"{where}: title {title!r}"


class Fuzzer:
    """Sends every hostile value into every field of one form, re-opening the form for each."""

    def __init__(self, hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
        self.hass = hass
        self.caplog = caplog
        self.submissions = 0
        self.outcomes: dict[str, int] = {}

    async def form(
        self,
        kind: str,
        open_form: Callable[[], Awaitable[FlowResult]],
        submit: Callable[[str, dict[str, Any]], Any],
        close: Callable[[str], Any],
    ) -> int:
        """Fuzz the form ``open_form`` reaches; the number of fields it has."""
        shown = await open_form()
        assert shown["type"] is FlowResultType.FORM, shown
        _check_placeholders(kind, shown)
        fields = _fields(shown["data_schema"])
        baseline = _baseline(shown["data_schema"])
        close(shown["flow_id"])
        for field in fields:
            for hostile in HOSTILE:
                where = f"{kind}.{shown['step_id']}.{field} = {hostile!r:.40}"
                result = await open_form()
                assert result["type"] is FlowResultType.FORM, f"{where}: {result}"
                self.caplog.clear()
                self.submissions += 1
                try:
                    with (  # an entry made or reloaded is not started: the flow is what is tested
                        patch("custom_components.homesentry.async_setup_entry", return_value=True),
                        patch("custom_components.homesentry.async_unload_entry", return_value=True),
                    ):
                        answer = await submit(result["flow_id"], _with(baseline, field, hostile))
                        await self.hass.async_block_till_done()
                except InvalidData:
                    self._count("schema refusal (HTTP 400)")
                    continue
                finally:
                    if result["flow_id"] in self._open_flows():
                        close(result["flow_id"])  # one form at a time: a flow left open would block the next
                for entry in self.hass.config_entries.async_entries(DOMAIN):  # made, or changed by a reconfigure
                    _sensible_title(where, entry.title)
                if (made := self._judge(where, kind, answer)) is not None:
                    with patch("custom_components.homesentry.async_unload_entry", return_value=True):
                        await self.hass.config_entries.async_remove(made)  # the next value may make it again
                errors = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
                assert not errors, f"{where}: logged {[r.getMessage()[:300] for r in errors]}"
        return len(fields)

    def _open_flows(self) -> set[str]:
        return {flow["flow_id"] for manager in (self.hass.config_entries.flow, self.hass.config_entries.options)
                for flow in manager.async_progress()}  # fmt: skip

    def _judge(self, where: str, kind: str, answer: FlowResult) -> str | None:
        """Count the outcome; the id of an entry it made."""
        outcome = answer["type"]
        if outcome is FlowResultType.FORM:
            _check_placeholders(kind, answer)
            self._count("form error" if answer.get("errors") else "form")
        elif outcome is FlowResultType.ABORT:
            self._count(f"abort: {answer['reason']}")
        elif outcome is FlowResultType.CREATE_ENTRY and kind == "options":
            self._count("options saved")
        elif outcome is FlowResultType.CREATE_ENTRY:
            self._count("entry")
            return str(answer["result"].entry_id)
        else:
            pytest.fail(f"{where}: unexpected {outcome}")
        return None

    def _count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@pytest.fixture
def open_network(socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Validators really connect and resolve: to loopback, or (contained) to nowhere, at once."""
    pytest_socket._remove_restrictions()  # no host list: containment, not pytest-socket, is the limit here
    monkeypatch.setattr(socket, "getaddrinfo", phcc_plugins._real_getaddrinfo)


async def _menu_forms(hass: HomeAssistant, path: list[str]) -> list[list[str]]:
    """Every menu path from the user step that ends in a form."""
    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    for choice in path:
        flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {"next_step_id": choice})
    hass.config_entries.flow.async_abort(flow["flow_id"])
    if flow["type"] is FlowResultType.MENU:
        found = []
        for option in flow["menu_options"]:
            found += await _menu_forms(hass, [*path, option])
        return found
    return [path] if flow["type"] is FlowResultType.FORM else []


async def test_every_config_step_survives_hostile_input(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, open_network: None, capsys: pytest.CaptureFixture[str]
) -> None:
    fuzzer = Fuzzer(hass, caplog)
    flows = hass.config_entries.flow
    paths = await _menu_forms(hass, [])
    assert len(paths) >= 16  # host, disks, internet, docker, three web checks, backup, ups, seven DDNS providers
    fields = 0
    for path in paths:

        async def open_form(path: list[str] = path) -> FlowResult:
            flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
            for choice in path:
                flow = await hass.config_entries.flow.async_configure(flow["flow_id"], {"next_step_id": choice})
            return flow

        fields += await fuzzer.form("config", open_form, flows.async_configure, flows.async_abort)
    _report(capsys, "config", len(paths), fields, fuzzer)


_DDNS_CREDENTIALS: dict[DdnsProvider, dict[str, str]] = {
    DdnsProvider(provider): credentials for provider, credentials in CREDENTIALS.items()
} | {
    DdnsProvider.DYNDNS2: {"server_url": "http://127.0.0.1:9/nic/update", "username": "u", "password": "p"},
    DdnsProvider.UPDATE_URL: {"update_url": "http://127.0.0.1:9/update?ip={ip}"},
}


def _entries(tmp_path: Path) -> list[MockConfigEntry]:
    """An entry of every kind (every web check, every DDNS provider), as the config flow makes them."""
    data: list[dict[str, Any]] = [
        {"kind": "host", "name": "nas", "machine_id": MACHINE_ID},
        {"kind": "disks", "smartctl": ""},
        {"kind": "internet"},
        {"kind": "docker", "url": f"unix://{tmp_path}/docker.sock"},
        {"kind": "web_service", "check": "http", "url": "http://127.0.0.1:9/health"},
        {"kind": "web_service", "check": "tcp", "host": "127.0.0.1", "port": 9},
        {"kind": "web_service", "check": "icmp", "host": "127.0.0.1"},
        {"kind": "backup", "name": "Nightly", "path": str(tmp_path / "backup.jsonl")},
        {"kind": "ups", "host": "127.0.0.1", "port": 9, "ups": "dummy", "username": "u", "password": "p"},
        {"kind": "remote", "address": "http://127.0.0.1:9", "verify_ssl": True, "username": "u", "password": "p"},
        *(
            {"kind": "ddns", "provider": p.value, "hostname": HOSTNAME, **_DDNS_CREDENTIALS.get(p, {})}
            for p in DdnsProvider
        ),
    ]
    return [
        MockConfigEntry(
            domain=DOMAIN,
            title=f"{d['kind']} {n}",
            unique_id=f"fuzz_{n}",
            data=d,
            options=json.loads(json.dumps(spec_for(d["kind"]).default_options)),
        )
        for n, d in enumerate(data)
    ]


async def test_every_options_and_reconfigure_step_survives_hostile_input(
    hass: HomeAssistant,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    open_network: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fuzzer = Fuzzer(hass, caplog)
    flows, options = hass.config_entries.flow, hass.config_entries.options
    entries = _entries(tmp_path)
    for entry in entries:
        entry.add_to_hass(hass)
    options_forms = reconfigure_forms = fields = 0
    for entry in entries:

        async def open_options(entry: MockConfigEntry = entry) -> FlowResult:
            return await hass.config_entries.options.async_init(entry.entry_id)

        fields += await fuzzer.form("options", open_options, options.async_configure, options.async_abort)
        options_forms += 1

        async def open_reconfigure(entry: MockConfigEntry = entry) -> FlowResult:
            context = {"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
            return await hass.config_entries.flow.async_init(DOMAIN, context=context)

        if (await open_reconfigure())["type"] is FlowResultType.FORM:
            fields += await fuzzer.form("config", open_reconfigure, flows.async_configure, flows.async_abort)
            reconfigure_forms += 1
    assert options_forms == len(entries)
    assert reconfigure_forms >= 12  # all but Internet and UPS (options only) and DDNS's verify-only
    _report(capsys, "options+reconfigure", options_forms + reconfigure_forms, fields, fuzzer)


def _report(capsys: pytest.CaptureFixture[str], what: str, forms: int, fields: int, fuzzer: Fuzzer) -> None:
    outcomes = ", ".join(f"{count} {outcome}" for outcome, count in sorted(fuzzer.outcomes.items()))
    with capsys.disabled():
        print(f"\nflow fuzz ({what}): {forms} forms, {fields} fields, {fuzzer.submissions} submissions: {outcomes}")
