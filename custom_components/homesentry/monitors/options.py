"""Typed options: each monitor's options are a frozen dataclass whose fields are the option keys.

``of(options)`` reads an entry's options (what the user never set, or set to
something the field cannot hold, takes the field's default; numbers from a
form come as floats and are made the field's type); ``defaults()`` is what a new entry stores. A field whose default is
None, or marked ``NOT_STORED``, is not stored until the user sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
from types import MappingProxyType, NoneType, UnionType
from typing import Any, ClassVar, Self, get_args, get_origin, get_type_hints

NOT_STORED: Mapping[str, bool] = MappingProxyType({"stored": False})


def _coerce(kind: object, value: Any) -> Any:
    """A stored value as the field's type (``int``, ``float``, ``bool``, ``str``, ``tuple[str, ...]``, or None)."""
    if value is None:
        return None
    if get_origin(kind) is UnionType:  # X | None
        kind = next(arg for arg in get_args(kind) if arg is not NoneType)
    if get_origin(kind) is tuple:
        return tuple(str(item) for item in value)
    if kind in (int, float, bool):
        return kind(value)
    return str(value)


class MonitorOptions:
    """The base of a monitor's options dataclass (subclasses are frozen dataclasses)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> Self:
        """The options as stored, each missing one at its default."""
        types = get_type_hints(cls)
        values = {}
        for field in dataclasses.fields(cls):
            if field.name in options:
                try:
                    values[field.name] = _coerce(types[field.name], options[field.name])
                except ValueError, TypeError:  # not what the field holds (an empty text): its default
                    continue
        return dataclasses.replace(cls(), **values)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """What a new entry stores: every default but None and the ``NOT_STORED`` ones, lists as lists."""
        return {
            field.name: list(field.default) if isinstance(field.default, tuple) else field.default
            for field in dataclasses.fields(cls)
            if field.default is not None and field.metadata.get("stored", True)
        }
