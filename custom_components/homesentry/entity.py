"""Base entity and description types shared by HomeSentry platforms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, override

from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.button import ButtonEntityDescription
from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.components.update import UpdateEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .coordinator import SubscribingCoordinator
from .health import HealthRule

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry


@dataclass(frozen=True, kw_only=True)
class HomeSentryEntityDescription[DataT, CategoryT: str](EntityDescription):
    """An entity: which category it needs and how it reads its value.

    ``objects_fn`` says which objects (temperature sensors, interfaces, cores,
    ...) this description makes an entity for, each with the name that fills
    the translation placeholder; without it the sensor exists once per device
    (object key "") while it has a value. ``value_fn`` and ``attributes_fn``
    read one object's value from the coordinator's data.
    """

    category: CategoryT
    value_fn: Callable[[DataT, str], Any]
    objects_fn: Callable[[DataT], Mapping[str, str]] | None = None
    placeholder: str | None = None
    attributes_fn: Callable[[DataT, str], Attributes] | None = None
    # Attributes of ``attributes_fn`` that move with every reading (live figures, running
    # counts): never recorded and never the reason for a state row. They are brought up
    # to date whenever the state or another attribute changes.
    quiet_attributes: frozenset[str] = frozenset()
    health: HealthRule | None = None  # how this entity can make its device unhealthy

    def objects(self, data: DataT | None) -> Mapping[str, str]:
        """The objects this description has an entity for in ``data`` (None: nothing read yet)."""
        if data is None:
            return _before_first_read(self.objects_fn)
        if self.objects_fn is not None:
            return self.objects_fn(data)
        return {"": ""} if self.value_fn(data, "") is not None else {}


@dataclass(frozen=True, kw_only=True)
class HomeSentryUpdateEntityDescription[DataT, CategoryT: str](
    UpdateEntityDescription, HomeSentryEntityDescription[DataT, CategoryT]
):
    """An update entity: ``value_fn`` gives a :class:`Versions` (or None: not known)."""


class Versions(NamedTuple):
    """What an update entity shows: the version installed, the latest, and where its notes are."""

    installed: str | None
    latest: str | None
    release_url: str | None = None


MIB: Final = 1024**2  # bytes: memory steps are counted in MiB
RATE_SHARE: Final = 0.2  # a rate's (or a growing duration's) move worth a state row: a fifth of the value shown
ENERGY_STEP: Final = 0.01  # kWh: an energy meter's state moves by 10 Wh (and once per statistics period)


@dataclass(frozen=True, kw_only=True)
class HomeSentrySensorEntityDescription[DataT, CategoryT: str](
    SensorEntityDescription, HomeSentryEntityDescription[DataT, CategoryT]
):
    """A sensor of a HomeSentry device.

    ``step`` is the smallest move of a numeric value worth a state row, in the
    native unit: while the value stays within ``step`` of what the state shows,
    the state stays as it is (the value shown is always a real reading, never
    rounded). Leaving zero or coming back to it is always a move.
    ``relative_step`` makes the move worth a row a share of the value shown
    where that is more than ``step``: a rate on a busy link, an outage that
    grows (a fifth of 100 Mbit/s is news, a wiggle of a few is not).
    """

    step: float | None = None
    relative_step: float | None = None


@dataclass(frozen=True, kw_only=True)
class HomeSentryBinarySensorEntityDescription[DataT, CategoryT: str](
    BinarySensorEntityDescription, HomeSentryEntityDescription[DataT, CategoryT]
):
    """A binary sensor of a HomeSentry device."""


def always(_: object) -> Mapping[str, str]:
    """``objects_fn`` of an entity that exists even before it has a value."""
    return {"": ""}


@dataclass(frozen=True, kw_only=True)
class HomeSentryButtonDescription(ButtonEntityDescription):
    """A button that runs a coordinator's action on one of its objects."""

    press_fn: Callable[[Any, str], Awaitable[None]]
    objects_fn: Callable[[Any], Mapping[str, str]] = always

    def objects(self, data: Any) -> Mapping[str, str]:
        """The objects this description has a button for in ``data`` (None: nothing read yet)."""
        return _before_first_read(self.objects_fn) if data is None else self.objects_fn(data)


def _before_first_read(objects_fn: Callable[[Any], Mapping[str, str]] | None) -> Mapping[str, str]:
    """Before its coordinator has read anything, only an ``always`` entity exists."""
    return always(None) if objects_fn is always else {}


# An entity's state attributes, as a description's attributes_fn gives them.
type Attributes = Mapping[str, object]


class Shown(NamedTuple):
    """A reading as an entity shows it: its value and its attributes."""

    value: Any
    attributes: Attributes | None


class HomeSentryEntity[DataT, CategoryT: str](CoordinatorEntity[SubscribingCoordinator[DataT, CategoryT]]):
    """An entity of one object of a coordinator's data.

    It subscribes to its category while it is in Home Assistant (disabled
    entities never are, so their data is never collected) and is available
    only while its category reads and its object is still there.

    Its state moves only when a reading is worth a state row in the recorder:
    the value moved (by the description's ``step``, for a sensor) or an
    attribute that is not quiet changed. Otherwise the state keeps showing the
    reading it shows, attributes included, and Home Assistant writes nothing.
    """

    _attr_has_entity_name = True
    entity_description: HomeSentryEntityDescription[DataT, CategoryT]
    _shown: Shown | None = None  # the reading the state shows (None: the one read now)
    _shown_at: datetime | None = None  # when it was read

    def __init__(
        self,
        coordinator: SubscribingCoordinator[DataT, CategoryT],
        description: HomeSentryEntityDescription[DataT, CategoryT],
        *,
        unique_prefix: str,
        object_key: str,
        object_name: str,
    ) -> None:
        """Initialise for one object of the description."""
        super().__init__(coordinator)
        self.entity_description = description
        self.object_key = object_key
        self._attr_device_info = coordinator.device_for(object_key)
        self._attr_unique_id = unique_id(unique_prefix, description.key, object_key)
        if description.placeholder is not None:
            self._attr_translation_placeholders = {description.placeholder: object_name}

    @override
    async def async_added_to_hass(self) -> None:
        """Subscribe to the category this entity shows."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.subscribe(self.entity_description.category, self))

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Show the new reading if it is worth a state row, then write the state."""
        if not self.available:
            self._shown = None  # back from unavailable, the state shows what is read then
        else:
            reading = self._read()
            if self._shown is None or self._worth_a_row(self._shown, reading):
                self._shown, self._shown_at = reading, dt_util.utcnow()
        super()._handle_coordinator_update()

    def _read(self) -> Shown:
        """The object's value and attributes in the coordinator's data."""
        description, data = self.entity_description, self.coordinator.data
        attributes = None if description.attributes_fn is None else description.attributes_fn(data, self.object_key)
        return Shown(description.value_fn(data, self.object_key), attributes)

    def _worth_a_row(self, shown: Shown, reading: Shown) -> bool:
        quiet = self.entity_description.quiet_attributes
        loud_moved = _loud(shown.attributes, quiet) != _loud(reading.attributes, quiet)
        return self._moved(shown.value, reading.value) or loud_moved

    def _moved(self, shown: Any, read: Any) -> bool:
        """Whether the value moved enough to show it (a sensor's ``step`` says how much)."""
        return moved(shown, read, None)

    @property
    def shown_value(self) -> Any:
        """The value the state shows."""
        return (self._shown or self._read()).value

    @property
    @override
    def available(self) -> bool:
        """Available while the category reads and the object exists."""
        return (
            super().available
            and self.entity_description.category not in self.coordinator.failing
            and self.object_key in self.entity_description.objects(self.coordinator.data)
        )

    @property
    @override
    def extra_state_attributes(self) -> Attributes | None:
        """Details the description adds, if any, as of the value shown."""
        if self.entity_description.attributes_fn is None:
            return None
        return (self._shown or self._read()).attributes


def _loud(attributes: Attributes | None, quiet: frozenset[str]) -> Attributes | None:
    """The attributes whose change is worth a state row."""
    if attributes is None or not quiet:
        return attributes
    return {name: value for name, value in attributes.items() if name not in quiet}


def moved(shown: Any, read: Any, step: float | None, relative: float | None = None) -> bool:
    """Whether a value moved by ``step`` (None: any change) since the one shown; leaving or reaching zero always is.

    With ``relative``, the move must also be that share of the value shown.
    """
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (shown, read))
    if (step is None and relative is None) or not numbers or (shown == 0) != (read == 0):
        return bool(shown != read)
    least = max(step or 0.0, (relative or 0.0) * abs(shown))
    return bool(abs(read - shown) >= least * (1 - 1e-9)) if least else bool(shown != read)


@cache
def recording_class[EntityT: Entity](entity_class: type[EntityT], quiet: frozenset[str]) -> type[EntityT]:
    """``entity_class``, or a subclass whose ``quiet`` attributes the recorder leaves out."""
    if not quiet:
        return entity_class
    unrecorded = entity_class._unrecorded_attributes | quiet  # the class attribute Home Assistant reads
    return type(entity_class.__name__, (entity_class,), {"_unrecorded_attributes": unrecorded})


def unique_id(unique_prefix: str, key: str, object_key: str) -> str:
    """The unique id of a description's entity for one object."""
    return f"{unique_prefix}_{key}" + (f"_{object_key}" if object_key else "")


class _Described(Protocol):
    key: str

    def objects(self, data: Any) -> Mapping[str, str]: ...


@callback
def async_add_described_entities[DescriptionT: _Described](
    entry: ConfigEntry[Any],
    sources: Iterable[tuple[SubscribingCoordinator[Any, Any], Iterable[DescriptionT]]],
    entity_class: type[Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an entity per coordinator, description and object, now and whenever a new object appears.

    Objects that come later (a container created, a disk plugged in) get their
    entities on the coordinator update that first shows them; a description
    that has no entity yet keeps its category explored (read on every cycle)
    until it has one.
    """
    prefix = str(entry.unique_id)
    pairs = [(coordinator, tuple(descriptions)) for coordinator, descriptions in sources]
    known: set[str] = set()
    made: set[tuple[int, str]] = set()  # (coordinator, description key) with an entity

    @callback
    def add_new() -> None:
        new: list[Entity] = []
        for coordinator, descriptions in pairs:
            exploring = set()
            for description in descriptions:
                for key, name in description.objects(coordinator.data).items():
                    if (uid := unique_id(prefix, description.key, key)) not in known:
                        known.add(uid)
                        made.add((id(coordinator), description.key))
                        cls = recording_class(entity_class, getattr(description, "quiet_attributes", frozenset()))
                        new.append(
                            cls(coordinator, description, unique_prefix=prefix, object_key=key, object_name=name)
                        )
                category = getattr(description, "category", None)  # buttons act, they read nothing
                if category is not None and (id(coordinator), description.key) not in made:
                    exploring.add(category)
            coordinator.explore((entity_class, id(descriptions)), frozenset(exploring))
        if new:
            async_add_entities(new)

    add_new()
    for coordinator in {id(c): c for c, _ in pairs}.values():
        entry.async_on_unload(coordinator.async_add_listener(add_new))
