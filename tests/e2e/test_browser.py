"""A real Home Assistant, a real browser: a newcomer adds HomeSentry through the UI and sees the server's entities.

Home Assistant runs as its own process (as ``scripts/develop`` starts it) on a
free port, onboarded through its HTTP API. Debian's Chromium, driven by
Playwright, logs in, adds the integration from Settings -> Devices & services,
picks "This server", opens the device page, then adds the Internet connection
(against lab targets on loopback and a real dnsmasq, never the public defaults),
a Docker engine (a real dockerd with a container), a web service (this Home
Assistant itself) and a backup job, finds the shipped blueprints, and finally adds the shipped dashboard the
way the README says (a new dashboard, its raw configuration editor, the file
pasted) and reads its tables. Screenshots land in ``docs/screenshots`` when
HOMESENTRY_SCREENSHOTS is set (the README's), in a temporary directory otherwise.
Skipped where Chromium or Playwright is missing, unless the peers are required (CI).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import pytest

from ..peers import Dnsmasq, DockerEngine, free_port

ROOT = Path(__file__).parents[2]
CHROMIUM = "/usr/bin/chromium"
USER, PASSWORD = "newcomer", "a long and fine passphrase"
CLIENT_ID = "http://127.0.0.1/"
# The Home Assistant that runs: this venv's, or the newest release's (scripts/test-ha-next sets it).
HASS = os.environ.get("HOMESENTRY_E2E_HASS") or str(Path(sys.executable).parent / "hass")


def _need_browser() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package"
    else:
        missing = "" if Path(CHROMIUM).exists() else "Chromium (apt install chromium)"
    if missing:
        if os.environ.get("HOMESENTRY_REQUIRE_PEERS"):
            pytest.fail(f"the browser test needs {missing}")
        pytest.skip(f"the browser test needs {missing}")


def _post(url: str, data: dict[str, object], token: str | None = None, form: bool = False) -> dict[str, object]:
    body = urllib.parse.urlencode(data).encode() if form else json.dumps(data).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    return json.loads(text) if text else {}


def _wait_running(url: str, token: str, deadline: float) -> None:
    """Until Home Assistant says it has started (every integration set up), not just that it answers."""
    request = urllib.request.Request(f"{url}/api/config", headers={"Authorization": f"Bearer {token}"})
    while True:
        with urllib.request.urlopen(request, timeout=30) as response:
            if json.loads(response.read())["state"] == "RUNNING":
                return
        assert time.monotonic() < deadline, "Home Assistant did not finish starting"
        time.sleep(1)


@contextlib.contextmanager
def _running_home_assistant(language: str) -> Iterator[str]:
    """A running, onboarded Home Assistant in ``language`` with this integration available; its URL."""
    _need_browser()
    config = Path(tempfile.mkdtemp(prefix="hs-e2e-"))
    port = free_port()
    (config / "custom_components").symlink_to(ROOT / "custom_components")
    (config / "configuration.yaml").write_text(
        f"homeassistant:\n  name: Home\n  time_zone: UTC\n  unit_system: metric\n  language: {language}\n"
        "frontend:\nconfig:\nrecorder:\nhistory:\n"
        f"http:\n  server_host: 127.0.0.1\n  server_port: {port}\n"
        "logger:\n  default: warning\n"
    )
    url = f"http://127.0.0.1:{port}"
    log = (config / "hass.log").open("w")
    process = subprocess.Popen([HASS, "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/onboarding", timeout=5):
                    break
            except urllib.error.URLError, ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((config / "hass.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        code = _post(
            f"{url}/api/onboarding/users",
            {"client_id": CLIENT_ID, "name": "Newcomer", "username": USER, "password": PASSWORD, "language": language},
        )["auth_code"]
        token = _post(
            f"{url}/auth/token",
            {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
            form=True,
        )["access_token"]
        assert isinstance(token, str)
        _post(f"{url}/api/onboarding/core_config", {}, token)
        _post(f"{url}/api/onboarding/analytics", {}, token)
        _post(f"{url}/api/onboarding/integration", {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID}, token)
        _wait_running(url, token, deadline=time.monotonic() + 240)  # a cold first start compiles a lot
        request = urllib.request.Request(f"{url}/api/config", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            print(f"\nbrowser test against Home Assistant {json.load(answer)['version']} ({HASS})")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        text = (config / "hass.log").read_text()
        shutil.rmtree(config, ignore_errors=True)
    # Nothing is installed at run time (nothing could be: the suite is contained); a package Home Assistant
    # wants is pinned in requirements_test.txt / requirements_ha_next.txt instead.
    assert "Unable to install package" not in text, [line for line in text.splitlines() if "Unable to install" in line]


@pytest.fixture
def home_assistant(socket_enabled: None) -> Iterator[str]:
    """A running, onboarded Home Assistant in English; its URL."""
    with _running_home_assistant("en") as url:
        yield url


@pytest.fixture
def home_assistant_de(socket_enabled: None) -> Iterator[str]:
    """The same in German: its system language (entity names) is German."""
    with _running_home_assistant("de") as url:
        yield url


def test_newcomer_adds_this_server_and_sees_its_entities(
    home_assistant: str, docker_engine: DockerEngine, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    docker_engine.run_container("jellyfin", "--network", "none")
    # The Internet connection is added against the lab, never the defaults' public hosts: ping targets on
    # loopback, and a real dnsmasq on loopback as its resolver (the suite runs where nothing else is reachable).
    dns = Dnsmasq(tmp_path / "dns", hosts={"lab.test": "127.0.0.2"}).start()
    metrics = tmp_path / "backup.jsonl"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3 * 3600))
    metrics.write_text(json.dumps({"timestamp": stamp, "success": True, "duration_total": 512}) + "\n")

    shots = Path(os.environ.get("HOMESENTRY_SCREENSHOTS") or tempfile.mkdtemp(prefix="hs-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(120_000)
            with _shown_on_failure(page, shots / "failure.png"):
                _add_this_server(page, home_assistant, shots)
                _add_the_rest(page, home_assistant, docker_engine.url, metrics, dns.spec)
                _add_the_dashboard(page, home_assistant, shots)
            browser.close()
    finally:
        dns.stop()  # also when the browser fails: no dnsmasq outlives the test
    assert (shots / "device.png").stat().st_size > 10_000
    assert (shots / "dashboard.png").stat().st_size > 10_000


# The page's visible text, through the shadow roots the frontend is built of (body's innerText sees none of it).
_DEEP_TEXT = """() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { const t = node.textContent.trim(); if (t) parts.push(t); return; }
    if (node.nodeName === "STYLE" || node.nodeName === "SCRIPT") return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  return parts.join(" | ");
}"""


@contextlib.contextmanager
def _shown_on_failure(page: Any, screenshot: Path) -> Iterator[None]:
    """On any failure inside: a full-page screenshot and the page's text, then the failure."""
    try:
        yield
    except Exception:
        page.screenshot(path=str(screenshot), full_page=True)
        print(f"browser test failed; screenshot in {screenshot}; page text:")
        print(page.evaluate(_DEEP_TEXT)[:3000])
        raise


@dataclass(frozen=True)
class FrontendWords:
    """The Home Assistant frontend's own words the tests click, in one language (its translations' text)."""

    username: str
    password: str
    log_in: str
    confirm: str
    add_integration: str
    search_brand: str
    submit: str
    finish: str


ENGLISH = FrontendWords("Username", "Password", "Log in", "Confirm", "Add integration", "Search for a brand name",
                        "Submit", "Finish")  # fmt: skip
GERMAN = FrontendWords("Benutzername", "Passwort", "Anmelden", "Bestätigen", "Integration hinzufügen",
                       "Nach einem Markennamen suchen", "OK", "Fertigstellen")  # fmt: skip


def _log_in_and_open_homesentry(page: Any, home_assistant: str, words: FrontendWords) -> None:
    """Log in, then Settings -> Devices & services -> Add integration -> HomeSentry: its menu is open."""
    page.goto(home_assistant)
    page.get_by_role("textbox", name=words.username).fill(USER)
    page.get_by_role("textbox", name=words.password).fill(PASSWORD)
    page.get_by_role("button", name=words.log_in).click()
    page.wait_for_url(lambda url: "/auth/" not in url and "auth_callback" not in url)
    # Home Assistant asks, once and whenever it likes, to keep configuration.yaml's HTTP settings.
    confirm = page.locator("dialog-http-pending-config").get_by_role("button", name=words.confirm)
    page.add_locator_handler(confirm, lambda button: button.click())
    page.goto(f"{home_assistant}/config/integrations/dashboard")
    page.get_by_role("button", name=words.add_integration).click()
    page.get_by_placeholder(words.search_brand).fill("HomeSentry")
    page.get_by_text("HomeSentry", exact=True).click()


def _add_this_server(page: Any, home_assistant: str, shots: Path) -> None:
    from playwright.sync_api import expect

    _log_in_and_open_homesentry(page, home_assistant, ENGLISH)
    page.get_by_text("This server", exact=True).click()
    page.get_by_role("textbox", name="Name").fill("nas")  # the name the shipped dashboard expects
    page.screenshot(path=str(shots / "config-flow.png"))
    page.get_by_role("button", name=ENGLISH.submit).click()
    page.get_by_role("button", name=ENGLISH.finish).click()

    page.goto(f"{home_assistant}/config/integrations/integration/homesentry")
    page.locator("a[href^='/config/devices/device/']").first.click()
    expect(page.get_by_text("CPU usage").first).to_be_visible()
    expect(page.get_by_text("Memory usage").first).to_be_visible()
    expect(page.get_by_text("Health").first).to_be_visible()
    for toast in page.get_by_role("button", name="Dismiss").all():  # "Starting ..." notices
        if toast.is_visible():
            toast.click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shots / "device.png"), full_page=True)


def _add(page: Any, home_assistant: str, choices: list[str], fields: dict[str, str]) -> None:
    """Add one more HomeSentry monitor through the UI: its menu choices, then its form."""
    page.goto(f"{home_assistant}/config/integrations/integration/homesentry")
    page.get_by_role("button", name="Add hub").click()
    for choice in choices:
        page.get_by_text(choice, exact=True).click()
    for name, value in fields.items():
        page.get_by_role("textbox", name=name).fill(value)  # its name ends with "*" when required
    page.get_by_role("button", name=ENGLISH.submit).click()
    page.get_by_role("button", name=ENGLISH.finish).click()


def _add_the_rest(page: Any, home_assistant: str, docker: str, metrics: Path, resolver: str) -> None:
    from playwright.sync_api import expect

    lab = {"Ping targets": "127.0.0.2, 127.0.0.3", "DNS resolvers": resolver, "Names to resolve": "lab.test"}
    _add(page, home_assistant, ["Internet connection"], lab)
    _add(page, home_assistant, ["Docker containers"], {"Engine address": docker})
    _add(page, home_assistant, ["Web service", "HTTP(S): an address must answer as expected"],
         {"Name": "Home Assistant", "Address": home_assistant})  # fmt: skip
    _add(page, home_assistant, ["Backup job"], {"Name": "Nightly", "Metrics file": str(metrics)})
    page.goto(f"{home_assistant}/config/devices/dashboard")
    for device in ("Internet", "jellyfin", "Home Assistant", "Nightly"):
        expect(page.get_by_text(device, exact=True).first).to_be_visible()
    # The push and summary blueprints are there to pick, installed by the first setup.
    page.goto(f"{home_assistant}/config/blueprint/dashboard")
    expect(page.get_by_text("HomeSentry - push when a device turns unhealthy").first).to_be_visible()
    expect(page.get_by_text("HomeSentry - morning summary").first).to_be_visible()


def _add_the_dashboard(page: Any, home_assistant: str, shots: Path) -> None:
    """As the README says: a new dashboard from scratch, its raw configuration editor, the file pasted."""
    from playwright.sync_api import expect

    page.goto(f"{home_assistant}/config/lovelace/dashboards")
    page.get_by_role("button", name="Add dashboard").click()
    page.get_by_text("New dashboard from scratch").click()
    page.get_by_role("textbox", name="Title").fill("HomeSentry")
    page.get_by_role("button", name="Create").click()
    page.goto(f"{home_assistant}/dashboard-homesentry/0?edit=1")
    page.get_by_role("button", name="Open dashboard menu").click()
    page.get_by_role("menuitem", name="Raw configuration editor").click()
    editor = page.locator("ha-code-editor .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text((ROOT / "dashboards" / "homesentry.yaml").read_text())
    # When the editor has drawn one of the file's comments, Home Assistant asks (a native confirm) whether
    # to save without them; Playwright would dismiss it and nothing would be saved. A user says OK.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved", exact=True)).to_be_visible()  # was "Unsaved changes": closing now is safe
    assert all("comments" in message for message in asked), asked
    page.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Done").click()
    page.goto(f"{home_assistant}/dashboard-homesentry/overview")
    # The tables are rendered by Home Assistant from the entities that exist.
    expect(page.get_by_text("jellyfin", exact=True).first).to_be_visible()
    expect(page.get_by_text("Home Assistant", exact=True).first).to_be_visible()
    expect(page.get_by_text("Nightly", exact=True).first).to_be_visible()
    expect(page.get_by_text("3 hours ago").first).to_be_visible()
    expect(page.get_by_text("CPU usage").first).to_be_visible()
    page.wait_for_timeout(2000)  # graphs draw
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)


def test_a_german_user_sees_homesentry_in_german(home_assistant_de: str, tmp_path: Path) -> None:
    """A user whose browser and profile say German: the menu, the form and the entity names are German."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
        context.add_init_script("window.localStorage.setItem('selectedLanguage', JSON.stringify('de'));")
        page = context.new_page()
        page.set_default_timeout(120_000)
        with _shown_on_failure(page, tmp_path / "failure-de.png"):
            _log_in_and_open_homesentry(page, home_assistant_de, GERMAN)
            expect(page.get_by_text("Was soll HomeSentry überwachen?")).to_be_visible()  # the menu
            page.get_by_text("Dieser Server", exact=True).click()
            expect(page.get_by_text("Überwacht den Rechner, auf dem Home Assistant läuft", exact=False)).to_be_visible()
            page.get_by_role("textbox", name="Name").fill("nas")
            page.get_by_role("button", name=GERMAN.submit).click()
            page.get_by_role("button", name=GERMAN.finish).click()

            page.goto(f"{home_assistant_de}/config/integrations/integration/homesentry")
            page.locator("a[href^='/config/devices/device/']").first.click()
            for name in ("CPU-Auslastung", "Speicherauslastung", "Gesundheit", "Letzter Systemstart"):
                expect(page.get_by_text(name, exact=True).first).to_be_visible()
            expect(page.get_by_text("CPU usage", exact=True)).to_have_count(0)
            page.screenshot(path=str(tmp_path / "device-de.png"), full_page=True)
        browser.close()
