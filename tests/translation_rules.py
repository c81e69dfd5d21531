"""Home Assistant's hassfest rules for translation strings (its translations plugin, 2026.x), as a checker.

hassfest cannot run here (it lives in Home Assistant's source tree, not in the
package); these are its rules restated, so a string it would reject fails
the suite first. Each function returns the problems it found, as
``"path: what"`` lines; an empty list is a pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import re
import string
from typing import Any

from homeassistant.helpers import config_validation as cv
import voluptuous as vol

# A URL: a scheme (or www.) and a host with a dotted name, as hassfest looks for them.
URL = re.compile(
    r"((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5)://|www\.)[a-z0-9]+([-.][a-z0-9]+)*\.[a-z]{2,5}(:\d{1,5})?",
    re.IGNORECASE,
)
SINGLE_QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")
COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")


def strings_of(tree: Mapping[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """Every (dotted path, string) in a strings.json tree."""
    for key, value in tree.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, Mapping):
            yield from strings_of(value, where)
        else:
            yield where, value


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a string."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def string_problems(where: str, text: Any) -> list[str]:
    """What hassfest says of one string value."""
    if not isinstance(text, str):
        return [f"{where}: not a string"]
    problems = []
    try:
        cv.string_with_no_html(text)
    except vol.Invalid:
        problems.append(f"{where}: looks like HTML")
    if text != text.strip():
        problems.append(f"{where}: leading or trailing spaces")
    if URL.search(text):
        problems.append(f"{where}: a URL (use a description placeholder)")
    if SINGLE_QUOTED_PLACEHOLDER.search(text):
        problems.append(f"{where}: a placeholder inside single quotes")
    if COMBINED_REFERENCE.search(text):
        problems.append(f"{where}: a reference combined with other text")
    try:
        if not all(name.isidentifier() for name in placeholders(text)):
            problems.append(f"{where}: a placeholder that is not an identifier")
    except ValueError:
        problems.append(f"{where}: unbalanced braces")
    if not text:
        problems.append(f"{where}: empty")
    return problems


def _steps(flow: Mapping[str, Any], where: str) -> list[str]:
    problems = []
    for step_id, step in flow.get("step", {}).items():
        here = f"{where}.step.{step_id}"
        data = step.get("data", {})
        problems += [f"{here}: data_description.{k} has no data.{k}" for k in step.get("data_description", {})
                     if k not in data]  # fmt: skip
        for name, section in step.get("sections", {}).items():
            if name in data:
                problems.append(f"{here}.sections.{name}: also a field of the step")
            inner = section.get("data", {})
            problems += [f"{here}.sections.{name}: data_description.{k} has no data.{k}"
                         for k in section.get("data_description", {}) if k not in inner]  # fmt: skip
    return problems


def tree_problems(tree: Mapping[str, Any]) -> list[str]:
    """What hassfest says of a whole strings.json (or translations/<language>.json)."""
    problems = [p for where, text in strings_of(tree) for p in string_problems(where, text)]
    for part in ("config", "options"):
        if part in tree:
            problems += _steps(tree[part], part)
    for issue_id, issue in tree.get("issues", {}).items():
        where = f"issues.{issue_id}"
        if "title" not in issue:
            problems.append(f"{where}: no title")
        if ("description" in issue) == ("fix_flow" in issue):
            problems.append(f"{where}: needs exactly one of description and fix_flow")
        if "fix_flow" in issue:
            problems += _steps(issue["fix_flow"], f"{where}.fix_flow")
    keys = [f"entity.{platform}.{key}" for platform, entities in tree.get("entity", {}).items() for key in entities]
    keys += [f"exceptions.{key}" for key in tree.get("exceptions", {})]
    keys += [f"selector.{name}.options.{key}" for name, s in tree.get("selector", {}).items()
             for key in s.get("options", {})]  # fmt: skip
    keys += [f"entity.{platform}.{key}.state.{state}" for platform, entities in tree.get("entity", {}).items()
             for key, entity in entities.items() for state in entity.get("state", {})]  # fmt: skip
    problems += [f"{key}: not a valid translation key" for key in keys
                 if not TRANSLATION_KEY.match(key.rsplit(".", 1)[1])]  # fmt: skip
    return problems
