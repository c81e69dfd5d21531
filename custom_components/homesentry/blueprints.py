"""Install the shipped automation blueprints into ``<config>/blueprints/automation/homesentry/``.

On setup, each shipped blueprint is copied unless a file of that name exists.
An existing file is replaced by a newer shipped version only when it is still
exactly what HomeSentry wrote last time (its digest is kept in a Store): a
blueprint the user edited is never overwritten.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
import shutil
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN

SHIPPED: Final = Path(__file__).parent / "blueprints" / "automation"
_STORE_KEY: Final = f"{DOMAIN}.blueprints"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _install(target_dir: Path, written: dict[str, str]) -> dict[str, str]:
    """Copy what is missing or untouched; returns the digests HomeSentry wrote."""
    target_dir.mkdir(parents=True, exist_ok=True)
    result = dict(written)
    for source in sorted(SHIPPED.glob("*.yaml")):
        target = target_dir / source.name
        if target.exists():
            current = _digest(target)
            if current == _digest(source) or written.get(source.name) != current:
                continue  # up to date, or the user's own version
        shutil.copyfile(source, target)
        result[source.name] = _digest(target)
    return result


async def async_install_blueprints(hass: HomeAssistant) -> None:
    """Install or update the shipped blueprints (once per start; cheap when nothing changed)."""
    store: Store[dict[str, Any]] = Store(hass, 1, _STORE_KEY)
    written = (await store.async_load() or {}).get("written", {})
    target = Path(hass.config.path("blueprints", "automation", DOMAIN))
    now = await hass.async_add_executor_job(_install, target, written)
    if now != written:
        await store.async_save({"written": now})
