"""Sensors of every HomeSentry monitor."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, Final, override

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from . import HomeSentryConfigEntry
from .entity import HomeSentryEntity, HomeSentrySensorEntityDescription, async_add_described_entities, moved

# Coordinators do the polling; entities only read their data.
PARALLEL_UPDATES = 0


# Home Assistant's recorder compiles short-term statistics every 5 minutes.
STATISTICS_PERIOD: Final = 300
_METERS: Final = (SensorStateClass.TOTAL, SensorStateClass.TOTAL_INCREASING)


def _period(moment: datetime) -> int:
    return int(moment.timestamp()) // STATISTICS_PERIOD


def publish_step(description: HomeSentrySensorEntityDescription[Any, Any]) -> float | None:
    """A sensor's step: its own, or the resolution its value is shown at, in the native unit."""
    if description.step is not None:
        return description.step
    if (precision := description.suggested_display_precision) is None:
        return None
    shown = 10.0**-precision
    native, suggested = description.native_unit_of_measurement, description.suggested_unit_of_measurement
    if suggested is None or suggested == native or description.device_class not in UNIT_CONVERTERS:
        return shown
    return float(UNIT_CONVERTERS[description.device_class].converter_factory(suggested, native)(shown))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeSentryConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create a sensor for every object each description finds."""
    async_add_described_entities(entry, entry.runtime_data.runtime.sensors, HomeSentrySensor, async_add_entities)
    entry.runtime_data.health.async_start(async_add_entities)  # one Health sensor per device, as devices appear


class HomeSentrySensor(HomeSentryEntity[Any, Any], SensorEntity):
    """A sensor whose description reads its value.

    Its state moves when the value moved by its step: the description's own,
    or else the resolution the state is shown at (``suggested_display_precision``
    in the suggested unit), so a reading that would not change what the user
    sees writes no row. A meter (total, total increasing) also shows what it
    has counted on the last cycle of each statistics period, so Home
    Assistant's statistics, and the Energy dashboard's hours, are as exact
    as the meter (within one cycle).
    """

    entity_description: HomeSentrySensorEntityDescription[Any, Any]
    _last_read: Any = None  # the value read last cycle

    @cached_property
    def step(self) -> float | None:
        """The smallest move worth a state row, in the native unit."""
        return publish_step(self.entity_description)

    def _moved(self, shown: Any, read: Any) -> bool:
        relative = self.entity_description.relative_step
        # A value with a relative step that stopped moving shows where it stopped (an outage's downtime, once
        # the line is back), even within the step: two cycles reading the same is news of its own.
        settled = relative is not None and read == self._last_read and read != shown
        self._last_read = read
        return settled or moved(shown, read, self.step, relative) or self._meter_due(shown, read)

    def _meter_due(self, shown: Any, read: Any) -> bool:
        """Whether a meter that counted something is due to show it.

        It is on the last cycle of each statistics period (the state the
        statistics take for the period), or when a whole period went by without.
        """
        if self.entity_description.state_class not in _METERS or shown == read:
            return False
        now, interval = dt_util.utcnow(), self.coordinator.update_interval
        if interval is not None and _period(now + interval) != _period(now):
            return True
        return self._shown_at is None or _period(self._shown_at) < _period(now) - 1

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The value the state shows: the last reading that moved by the description's step."""
        value: StateType | datetime = self.shown_value
        return value
