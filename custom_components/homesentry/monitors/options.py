"""Typed options: each monitor's options are a frozen dataclass whose fields are the option keys.

``of(options)`` reads an entry's options (what the user never set, or set to
something the field cannot hold, takes the field's default; numbers from a
form come as floats and are made the field's type); ``defaults()`` is what a new entry stores. A field whose default is
None, or marked ``NOT_STORED``, is not stored until the user sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
from types import MappingProxyType
from typing import Any, Self

NOT_STORED: Mapping[str, bool] = MappingProxyType({"stored": False})


def _coerce(kind: str, value: Any) -> Any:
    """A stored value as the field's type (its annotation, as text)."""
    if value is None:
        return None
    if kind.startswith("tuple[str"):
        return tuple(str(item) for item in value)
    base = kind.split(" | ", maxsplit=1)[0]
    if base == "int":
        return int(value)
    if base == "float":
        return float(value)
    if base == "bool":
        return bool(value)
    return str(value)


class MonitorOptions:
    """The base of a monitor's options dataclass."""

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> Self:
        """The options as stored, each missing one at its default."""
        values = {}
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            if field.name in options:
                try:
                    values[field.name] = _coerce(str(field.type), options[field.name])
                except ValueError, TypeError:  # not what the field holds (an empty text): its default
                    continue
        return dataclasses.replace(cls(), **values)  # type: ignore[type-var]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """What a new entry stores: every default but None and the ``NOT_STORED`` ones, lists as lists."""
        return {
            field.name: list(field.default) if isinstance(field.default, tuple) else field.default
            for field in dataclasses.fields(cls)  # type: ignore[arg-type]
            if field.default is not None and field.metadata.get("stored", True)
        }
