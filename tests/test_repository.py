"""Rules the repository must keep: manifest, HACS, translations, icons, quality scale, brand."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
from pathlib import Path
import pkgutil
import re
from types import ModuleType

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from custom_components.homesentry.const import DOMAIN

from .translation_rules import placeholders, strings_of, tree_problems

ROOT = Path(__file__).resolve().parent.parent


def _load_entity_tables() -> ModuleType:
    """scripts/entity_tables.py: its MONITORS list every entity description of every monitor."""
    spec = importlib.util.spec_from_file_location("entity_tables", ROOT / "scripts" / "entity_tables.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENTITY_TABLES = _load_entity_tables()
# Every description there is, by platform (the same list that writes docs/entities.md).
# (A Remote server shows This server's descriptions: each description once.)
DESCRIPTIONS = {
    platform: tuple(
        {id(d): d for monitor in ENTITY_TABLES.MONITORS.values() for d in monitor.get(platform, ())}.values()
    )
    for platform in ("sensor", "binary_sensor", "button", "update")
}
INTEGRATION = ROOT / "custom_components" / "homesentry"

QUALITY_RULES = {
    "bronze": """action-setup appropriate-polling brands common-modules config-flow-test-coverage config-flow
        dependency-transparency docs-actions docs-high-level-description docs-installation-instructions
        docs-removal-instructions entity-event-setup entity-unique-id has-entity-name runtime-data
        test-before-configure test-before-setup unique-config-entry""",
    "silver": """action-exceptions config-entry-unloading docs-configuration-parameters docs-installation-parameters
        entity-unavailable integration-owner log-when-unavailable parallel-updates reauthentication-flow
        test-coverage""",
    "gold": """devices diagnostics discovery-update-info discovery docs-data-update docs-examples
        docs-known-limitations docs-supported-devices docs-supported-functions docs-troubleshooting
        docs-use-cases dynamic-devices entity-category entity-device-class entity-disabled-by-default
        entity-translations exception-translations icon-translations reconfiguration-flow repair-issues
        stale-devices""",
    "platinum": "async-dependency inject-websession strict-typing",
}


def _json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text())


def test_manifest_follows_hassfest() -> None:
    manifest = _json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in ("version", "documentation", "issue_tracker", "codeowners", "iot_class", "integration_type"):
        assert manifest[key], key
    assert manifest["config_flow"] is True
    assert manifest["domain"] == "homesentry"
    for requirement in manifest["requirements"]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.]*", requirement), requirement


def test_requirements_install_next_to_home_assistant() -> None:
    import homeassistant

    manifest = _json(INTEGRATION / "manifest.json")
    constraints = (Path(homeassistant.__file__).parent / "package_constraints.txt").read_text().splitlines()
    pinned = dict(line.split("==", 1) for line in constraints if "==" in line and not line.startswith("#"))
    components = Path(homeassistant.__file__).parent / "components"
    core_pins = {
        name: version
        # core's users of psutil, icmplib, aionut, prometheus-client
        for integration in ("systemmonitor", "ping", "nut", "prometheus")
        for name, version in (
            r.split("==", 1) for r in _json(components / integration / "manifest.json")["requirements"]
        )
    }
    test_pins = (ROOT / "requirements_test.txt").read_text()
    for requirement in manifest["requirements"]:
        name, version = requirement.split("==")
        # Same pin as Home Assistant's own (constraints, or core's integration using it) where it has one.
        expected = pinned.get(name, core_pins.get(name))
        assert expected in {version, None}, requirement
        assert requirement in test_pins.splitlines(), requirement
    # No core pin for these; what they depend on (requests, urllib3 for docker) Home Assistant pins;
    # pySMART's own (chardet, humanfriendly) it leaves unpinned, so they cannot clash with core.
    unpinned_in_core = {"dnspython", "docker", "pySMART"}
    assert {r.split("==")[0] for r in manifest["requirements"]} - unpinned_in_core <= set(pinned) | set(core_pins)
    assert {"requests", "urllib3"} <= {line.split("=")[0].split(">")[0] for line in constraints}


def test_hacs_json_has_only_known_keys() -> None:
    hacs = _json(ROOT / "hacs.json")
    allowed = {
        "name", "content_in_root", "zip_release", "filename", "hide_default_branch",
        "country", "homeassistant", "hacs", "persistent_directory", "render_readme",
    }  # fmt: skip
    assert set(hacs) <= allowed
    assert hacs["name"] == "HomeSentry"
    major, minor, _ = (int(part) for part in hacs["homeassistant"].split("."))
    assert (major, minor) >= (2026, 3)  # local brand images


def test_translations_cover_every_entity_and_match_strings() -> None:
    strings = _json(INTEGRATION / "strings.json")
    assert strings == _json(INTEGRATION / "translations" / "en.json")
    icons = _json(INTEGRATION / "icons.json")["entity"]
    assert set(strings["entity"]) == set(DESCRIPTIONS) == set(icons)
    for platform, descriptions in DESCRIPTIONS.items():
        names = strings["entity"][platform]
        keys = {d.translation_key for d in descriptions}
        assert len(keys) == len(descriptions), platform  # one translation key per description
        if platform == "sensor":
            keys |= {"health"}  # every device's Health sensor (health.py), not a described entity
        assert keys == set(names), platform
        if platform == "sensor":
            assert set(names["health"]["state"]) == {"ok", "warning", "critical"}
        for description in descriptions:
            name = names[description.translation_key]["name"]
            placeholders = set(re.findall(r"{(\w+)}", name))
            placeholder = getattr(description, "placeholder", None)
            assert placeholders == ({placeholder} if placeholder else set()), name
            options = getattr(description, "options", None)
            if options:  # enum sensors translate every state
                assert set(names[description.translation_key]["state"]) == set(options), name
        # Device classes bring their own icons; every other entity has one here.
        assert {d.translation_key for d in descriptions if d.device_class is None} <= set(icons[platform]), platform
        assert set(icons[platform]) <= keys, platform


def test_quality_scale_every_rule_up_to_platinum_is_done_or_exempt() -> None:
    scale = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    expected = {rule for rules in QUALITY_RULES.values() for rule in rules.split()}
    assert set(scale) == expected
    for rule, value in scale.items():
        if isinstance(value, str):
            assert value == "done", rule
        else:
            assert value["status"] == "exempt", rule  # nothing left to do
            assert len(value["comment"]) > 10, rule  # and the reason it does not apply


async def test_brand_images_are_served(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> None:
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    for image in ("icon.png", "logo.png", "dark_icon.png", "icon@2x.png"):
        response = await client.get(f"/api/brands/integration/homesentry/{image}")
        assert response.status == 200, image
        assert await response.read() == (INTEGRATION / "brand" / image).read_bytes()


def test_readme_entity_table_names_every_sensor() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Entities", 1)[1].split("\n## ", 1)[0]
    entity = _json(INTEGRATION / "strings.json")["entity"]
    names = {f"{platform}.{key}": value for platform in entity for key, value in entity[platform].items()}
    for key, value in names.items():
        # Placeholders are written in italics in the table: "{sensor} temperature" -> "*sensor* temperature".
        name = re.sub(r"{(\w+)}", lambda m: f"*{m.group(1)}*" if m.group(1) != "core" else "N", value["name"])
        assert name in table, (key, name)


async def test_every_action_is_described_translated_and_has_an_icon(hass: HomeAssistant) -> None:
    from custom_components.homesentry.services import async_setup_services

    described = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    strings = _json(INTEGRATION / "strings.json")["services"]
    icons = _json(INTEGRATION / "icons.json")["services"]
    async_setup_services(hass)
    registered = set(hass.services.async_services_for_domain("homesentry"))
    assert registered == set(described) == set(strings) == set(icons)
    for action, spec in described.items():
        assert set(spec["fields"]) == set(strings[action]["fields"]), action
    # Home Assistant validates services.yaml (selectors included) when it describes the actions.
    from homeassistant.helpers.service import async_get_all_descriptions

    descriptions = (await async_get_all_descriptions(hass))["homesentry"]
    assert set(descriptions) == set(described)
    assert descriptions["record_backup"]["fields"]["entry_id"]["selector"] == {"config_entry": {"integration": DOMAIN}}


def test_entity_tables_are_generated_from_the_code() -> None:
    # Run scripts/entity_tables.py after changing a description or a name.
    assert (ROOT / "docs" / "entities.md").read_text() == ENTITY_TABLES.render()


def test_strings_pass_hassfest_translation_rules() -> None:
    for name in ("strings.json", "translations/en.json"):
        assert tree_problems(_json(INTEGRATION / name)) == [], name


def test_the_translation_rules_catch_what_hassfest_rejects() -> None:
    # What the strings held before they were mended: each is one of hassfest's reasons to reject them.
    bad = {
        "config": {"step": {"s": {"description": "See https://api.dynu.com/nic/update", "data": {"a": "A"},
                                  "data_description": {"b": "no such field"}}}},
        "services": {"record": {"fields": {"d": {"description": "add duration_<phase> fields"}}}},
        "issues": {"both": {"title": "T", "description": "D", "fix_flow": {"step": {"confirm": {"title": "C"}}}}},
        "exceptions": {"Bad_Key": {"message": " trailing "}},
    }  # fmt: skip
    assert tree_problems(bad) == [
        "config.step.s.description: a URL (use a description placeholder)",
        "services.record.fields.d.description: looks like HTML",
        "exceptions.Bad_Key.message: leading or trailing spaces",
        "config.step.s: data_description.b has no data.b",
        "issues.both: needs exactly one of description and fix_flow",
        "exceptions.Bad_Key: not a valid translation key",
    ]


def test_release_version_is_the_changelogs_and_the_tested_versions_are_said() -> None:
    manifest = _json(INTEGRATION / "manifest.json")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    newest = re.search(r"^## (\d+\.\d+\.\d+) — \d{4}-\d{2}-\d{2}$", changelog, re.MULTILINE)
    assert newest is not None
    pyproject = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert pyproject is not None
    assert manifest["version"] == newest[1] == pyproject[1]
    # The Home Assistant releases the suite and the browser test run against, said where users look.
    suite = re.search(r"pytest-homeassistant-custom-component==(\S+)", (ROOT / "requirements_test.txt").read_text())
    newest_ha = re.search(r"^homeassistant==(\S+)$", (ROOT / "requirements_ha_next.txt").read_text(), re.MULTILINE)
    assert suite is not None
    assert newest_ha is not None
    for text in (changelog, (ROOT / "README.md").read_text()):
        assert "2026.10.4" in text
        assert newest_ha[1] in text
        assert suite[1] in text
    hacs = _json(ROOT / "hacs.json")
    assert hacs["homeassistant"] <= "2026.10.4"  # HACS offers it no older than the suite tests


def test_github_workflows_run_the_checks_hacs_users_expect() -> None:
    workflows = {p.name: yaml.safe_load(p.read_text()) for p in (ROOT / ".github" / "workflows").glob("*.yml")}
    steps = [s for w in workflows.values() for job in w["jobs"].values() for s in job["steps"]]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    assert "home-assistant/actions/hassfest" in uses
    assert uses["hacs/action"]["with"]["category"] == "integration"
    runs = " ".join(s.get("run", "") for s in steps)
    assert "scripts/test" in runs
    assert "scripts/lint" in runs
    for workflow in workflows.values():
        triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads "on" as true
        assert {"push", "pull_request"} <= set(triggers)


LANGUAGES = ("de", "nl", "fr", "es", "it", "pl")


def test_the_languages_shipped_are_english_and_six_more() -> None:
    assert {p.stem for p in (INTEGRATION / "translations").glob("*.json")} == {"en", *LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_has_every_string_with_its_placeholders(language: str) -> None:
    source = dict(strings_of(_json(INTEGRATION / "strings.json")))
    tree = _json(INTEGRATION / "translations" / f"{language}.json")  # valid JSON, or this fails
    translated = dict(strings_of(tree))
    assert set(translated) - set(source) == set(), "keys strings.json does not have"
    assert set(source) - set(translated) == set(), "keys left untranslated"
    for key, text in source.items():
        assert translated[key].strip(), key
        assert placeholders(translated[key]) == placeholders(text), key  # {name}, {found}, ... kept exactly
        assert translated[key].count("`") == text.count("`"), key  # Markdown code kept
    assert tree_problems(tree) == []  # hassfest's rules hold in every language
    # On one device no two entities may share a name: what differs in English differs here too.
    names: dict[str, set[str]] = {}
    for platform, entities in tree["entity"].items():
        for key, entity in entities.items():
            names.setdefault(entity["name"], set()).add(source[f"entity.{platform}.{key}.name"])
    assert {name: english for name, english in names.items() if len(english) > 1} == {}


def test_every_home_assistant_hook_is_marked_override() -> None:
    """A method or property that Home Assistant's base class defines, redefined here, says so (``@override``).

    A renamed hook in Home Assistant then fails mypy instead of silently never being called.
    """
    import custom_components.homesentry as package

    missing = []
    for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(module_info.name)
        for class_name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            hass_bases = [base for base in cls.__mro__[1:] if base.__module__.startswith("homeassistant")]
            for name, value in vars(cls).items():
                if name.startswith(("__", "_attr_")) or not any(name in vars(base) for base in hass_bases):
                    continue  # (Home Assistant turns _attr_ class attributes into cached properties)
                function = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
                if callable(function) and not getattr(function, "__override__", False):
                    missing.append(f"{module.__name__}.{class_name}.{name}")
    assert missing == []


def test_where_the_world_is_is_read_at_call_time() -> None:
    """world.py's names are read as ``world.NAME``: one imported by name would keep the real /sys in a test."""
    imported = []
    for folder in ("custom_components", "tests", "benchmarks", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "world":
                    imported.append(f"{path.relative_to(ROOT)}: {', '.join(a.name for a in node.names)}")
    assert imported == []
    from custom_components.homesentry import const, world

    assert not {name for name in vars(world) if name.isupper()} & set(vars(const))  # each lives in one place


def test_typing_targets_hold() -> None:
    """``Any`` at most 8 per 1,000 lines of the integration; a ``type: ignore`` only with its reason."""
    files = list(INTEGRATION.rglob("*.py"))
    lines = [line for path in files for line in path.read_text().splitlines()]
    anys = [
        line for line in lines if re.search(r"\bAny\b", line) and not line.lstrip().startswith(("from ", "import "))
    ]
    assert len(anys) * 1000 / len(lines) <= 8, f"{len(anys)} lines with Any in {len(lines)}"
    ignores = [line for line in lines if "type: ignore" in line]
    assert all(re.search(r"type: ignore\[[a-z-,]+\]  # \S", line) for line in ignores), ignores
