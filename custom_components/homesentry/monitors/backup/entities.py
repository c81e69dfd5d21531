"""A backup job's entities: what its sensors show and how they read the coordinator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation, UnitOfTime

from ...entity import Attributes, HomeSentryBinarySensorEntityDescription, HomeSentrySensorEntityDescription, always
from ...health import PROBLEM_ON
from .coordinator import BackupCategory, BackupSnapshot


@dataclass(frozen=True, kw_only=True)
class BackupSensorDescription(HomeSentrySensorEntityDescription[BackupSnapshot, BackupCategory]):
    """A sensor of a backup job."""

    category: BackupCategory = BackupCategory.RUNS
    objects_fn: Callable[[BackupSnapshot], Mapping[str, str]] | None = always


@dataclass(frozen=True, kw_only=True)
class BackupBinarySensorDescription(HomeSentryBinarySensorEntityDescription[BackupSnapshot, BackupCategory]):
    """A binary sensor of a backup job."""

    category: BackupCategory = BackupCategory.RUNS
    objects_fn: Callable[[BackupSnapshot], Mapping[str, str]] | None = always


def _last(field_name: str) -> Any:
    def value(data: BackupSnapshot, _: str) -> Any:
        run = data.last_run
        return None if run is None else getattr(run, field_name)

    return value


def _result(data: BackupSnapshot, _: str) -> str | None:
    run = data.last_run
    return None if run is None else ("success" if run.success else "failed")


def _duration_attributes(data: BackupSnapshot, _: str) -> Attributes:
    run = data.last_run
    return {} if run is None else {f"{phase}_seconds": seconds for phase, seconds in run.phases.items()}


def _problem_attributes(data: BackupSnapshot, _: str) -> Attributes:
    problem = data.problem
    attributes: dict[str, Any] = {"expected_every_hours": data.expected.total_seconds() / 3600}
    if problem is not None:
        attributes["reason"] = problem.value
    if data.file_exists is False:
        attributes["file_missing"] = True
    return attributes


BACKUP_SENSORS: tuple[BackupSensorDescription, ...] = (
    BackupSensorDescription(
        key="last_backup_result",
        translation_key="last_backup_result",
        device_class=SensorDeviceClass.ENUM,
        options=["success", "failed"],
        value_fn=_result,
        attributes_fn=lambda data, _: {} if data.last_run is None else {"backup_id": data.last_run.backup_id},
    ),
    BackupSensorDescription(
        key="last_backup",
        translation_key="last_backup",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last("timestamp"),
    ),
    BackupSensorDescription(
        key="last_successful_backup",
        translation_key="last_successful_backup",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data, _: None if (run := data.last_success) is None else run.timestamp,
    ),
    BackupSensorDescription(
        key="backup_duration",
        translation_key="backup_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_last("duration_total"),
        attributes_fn=_duration_attributes,
    ),
    BackupSensorDescription(
        key="backup_size",
        translation_key="backup_size",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_last("size_bytes"),
    ),
    BackupSensorDescription(
        key="backup_success_rate",
        translation_key="backup_success_rate",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: data.success_rate,
    ),
    BackupSensorDescription(
        key="backup_runs",
        translation_key="backup_runs",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data, _: len(data.recent),
    ),
    BackupSensorDescription(
        key="malformed_lines",
        translation_key="malformed_lines",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data, _: data.malformed,
    ),
)

BACKUP_BINARY_SENSORS: tuple[BackupBinarySensorDescription, ...] = (
    BackupBinarySensorDescription(
        key="backup_problem",
        translation_key="backup_problem",
        health=PROBLEM_ON,
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data, _: data.problem is not None,
        attributes_fn=_problem_attributes,
    ),
)
