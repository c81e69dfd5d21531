"""What a monitor is: the contract every kind of watched thing fills in, and what a set-up one gives back.

A monitor is a package under ``monitors/`` with a ``SPEC``. The integration's
own modules (setup, the platforms, diagnostics, health, services, repairs, the
config flow's menu and the entity tables) ask the registry (``monitors.MONITORS``)
and never name a monitor. docs/adding-a-monitor.md is the recipe.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntry, DeviceEntryType, DeviceInfo

from ..const import DOMAIN, MonitorKind
from ..coordinator import SubscribingCoordinator
from ..entity import (
    HomeSentryBinarySensorEntityDescription,
    HomeSentryButtonDescription,
    HomeSentryEntityDescription,
    HomeSentrySensorEntityDescription,
    HomeSentryUpdateEntityDescription,
)
from ..health import HealthRule, Threshold

if TYPE_CHECKING:
    from homeassistant.components.repairs import RepairsFlow

    from ..health import HealthTracker

type AnyCoordinator = SubscribingCoordinator[Any, Any]
type SensorDescription = HomeSentrySensorEntityDescription[Any, Any]
type BinarySensorDescription = HomeSentryBinarySensorEntityDescription[Any, Any]
type UpdateDescription = HomeSentryUpdateEntityDescription[Any, Any]
# A coordinator with the descriptions of one platform it feeds.
type Source[D] = tuple[AnyCoordinator, tuple[D, ...]]


def _never(_: DeviceEntry) -> bool:
    return False


def _no_containers() -> Mapping[str, str]:
    return {}


@dataclass(slots=True, kw_only=True)
class MonitorRuntime[MonitorT]:
    """A set-up monitor: its coordinators, what feeds each platform, and how it lets go.

    ``monitor`` is the monitor's own object (its coordinators by name): its
    actions and repair flows reach it there.
    """

    monitor: MonitorT
    coordinators: Mapping[str, AnyCoordinator]  # by the name diagnostics show them under
    sensors: Sequence[Source[SensorDescription]] = ()
    binary_sensors: Sequence[Source[BinarySensorDescription]] = ()
    buttons: Sequence[Source[HomeSentryButtonDescription]] = ()
    updates: Sequence[Source[UpdateDescription]] = ()
    removable: Callable[[DeviceEntry], bool] = _never  # may the user delete this device of the entry?
    stop: Callable[[], Awaitable[None]] | None = None  # on unload, before the platforms go
    # The containers it sees, names by id: This server's power attribution names containers with them.
    container_names: Callable[[], Mapping[str, str]] = _no_containers

    @classmethod
    def single[C: AnyCoordinator](
        cls,
        name: str,
        coordinator: C,
        sensors: tuple[SensorDescription, ...],
        binary_sensors: tuple[BinarySensorDescription, ...],
        buttons: tuple[HomeSentryButtonDescription, ...] = (),
    ) -> MonitorRuntime[C]:
        """The runtime of a monitor that is one coordinator (the monitor's own object too)."""
        return MonitorRuntime(
            monitor=coordinator,
            coordinators={name: coordinator},
            sensors=((coordinator, sensors),),
            binary_sensors=((coordinator, binary_sensors),),
            buttons=((coordinator, buttons),) if buttons else (),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorSpec:
    """One kind of monitor, as the registry lists it.

    ``config_flow`` and ``options_flow`` are mixins whose steps the
    integration's flows take on: the config flow's menu opens
    ``async_step_<kind>``, the options flow's first step is ``async_step_<kind>``;
    reconfigure and reauth go to ``async_reconfigure_<kind>`` and
    ``async_reauth_<kind>`` when the mixin has them.
    """

    kind: MonitorKind
    name: str  # as the documentation's entity tables head it
    async_setup: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[MonitorRuntime[Any]]]
    config_flow: type[ConfigFlow]
    options_flow: type[OptionsFlow]
    default_options: Mapping[str, Any]
    # Every entity description it may create, by platform (the entity tables, health rules).
    sensors: tuple[SensorDescription, ...] = ()
    binary_sensors: tuple[BinarySensorDescription, ...] = ()
    buttons: tuple[HomeSentryButtonDescription, ...] = ()
    updates: tuple[UpdateDescription, ...] = ()
    stores: tuple[str, ...] = ()  # its Stores (entry_store names), deleted with the entry
    redact: frozenset[str] = frozenset()  # keys diagnostics hide, besides the common ones
    async_setup_services: Callable[[HomeAssistant], None] | None = None
    fix_flow: Callable[[Mapping[str, Any]], RepairsFlow] | None = None  # its repair issues' fix flow
    health_rules: Mapping[str, HealthRule] = field(init=False)

    def __post_init__(self) -> None:
        """Collect the health rules its descriptions carry, by translation key."""
        rules: dict[str, HealthRule] = {}
        described: tuple[HomeSentryEntityDescription[Any, Any], ...] = (*self.sensors, *self.binary_sensors)
        for description in described:
            if description.health is not None and isinstance(description.translation_key, str):
                rules.setdefault(description.translation_key, description.health)
        object.__setattr__(self, "health_rules", rules)

    @property
    def thresholds(self) -> Mapping[str, Threshold]:
        """The measurement limits a user may change in its options' Health section."""
        return {key: rule for key, rule in self.health_rules.items() if isinstance(rule, Threshold)}


@dataclass(slots=True)
class HomeSentryData:
    """A config entry's runtime: its monitor's runtime, and the health of its devices."""

    runtime: MonitorRuntime[Any]
    health: HealthTracker

    @property
    def monitor(self) -> object:
        """The monitor's own object (its coordinators): the actions and repairs check its type with isinstance."""
        return self.runtime.monitor


type HomeSentryConfigEntry = ConfigEntry[HomeSentryData]


def entry_device(
    entry: ConfigEntry,
    *,
    manufacturer: str | None = None,
    model: str | None = None,
    serial_number: str | None = None,
    sw_version: str | None = None,
    entry_type: DeviceEntryType | None = None,
    via_device_id: str | None = None,
) -> DeviceInfo:
    """The entry's own device (a machine, an engine, a UPS, a service), named as the entry."""
    info = DeviceInfo(identifiers={(DOMAIN, str(entry.unique_id))}, name=entry.title)
    if via_device_id is not None:
        info["via_device_id"] = via_device_id
    if manufacturer is not None:
        info["manufacturer"] = manufacturer
    if model is not None:
        info["model"] = model
    if serial_number is not None:
        info["serial_number"] = serial_number
    if sw_version is not None:
        info["sw_version"] = sw_version
    if entry_type is not None:
        info["entry_type"] = entry_type
    return info


def machine_device(hass: HomeAssistant, hostname: str, entry: ConfigEntry) -> str | None:
    """The device id of the machine called ``hostname`` that another HomeSentry entry watches, if one does.

    This server's device is named as the machine by default, and a Remote server's after its hostname: an
    engine or service that runs on that machine can name it as the device it comes through.
    """
    wanted = hostname.casefold()
    for device in dr.async_get(hass).devices:
        names = {name.casefold() for name in (device.name, device.name_by_user) if name}
        if wanted not in names or device.via_device_id is not None or entry.entry_id in device.config_entries:
            continue
        if any(domain == DOMAIN for domain, _ in device.identifiers):
            return device.id
    return None


def service_device(entry: ConfigEntry, model: str | None = None) -> DeviceInfo:
    """The device of a monitored service (not a physical machine), named as the entry."""
    return entry_device(entry, model=model, entry_type=DeviceEntryType.SERVICE)
