"""The registry of monitors: every kind of thing HomeSentry watches.

Each member of ``const.MonitorKind`` is a monitor, and its package here, named
as its value, has a ``SPEC``: adding a monitor is adding its package
(docs/adding-a-monitor.md) and its line in ``MonitorKind``. The enum's order is
the config flow's menu.
"""

from __future__ import annotations

from importlib import import_module
from typing import Final

from ..const import MonitorKind
from .base import MonitorSpec


def _spec(kind: MonitorKind) -> MonitorSpec:
    spec = import_module(f"{__name__}.{kind.value}").SPEC
    if not isinstance(spec, MonitorSpec) or spec.kind is not kind:
        raise TypeError(f"monitors/{kind.value}: SPEC must be the MonitorSpec of {kind!r}")
    return spec


MONITORS: Final[tuple[MonitorSpec, ...]] = tuple(_spec(kind) for kind in MonitorKind)
_BY_KIND: Final = {spec.kind: spec for spec in MONITORS}


def spec_for(kind: str) -> MonitorSpec:
    """The spec of a kind of monitor (an entry's ``kind``)."""
    return _BY_KIND[MonitorKind(kind)]
