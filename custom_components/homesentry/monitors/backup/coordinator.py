"""The "Backup job" monitor: runs read from a metrics file or reported by an action.

Runs of the last 30 days (and the last success, however old) are kept in a
Store with where reading the file stood, so a restart loses nothing and reads
nothing twice; if the file was rotated or rewritten meanwhile it is read from
its start, and runs already known are recognised by timestamp and id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...const import DOMAIN
from ...coordinator import SubscribingCoordinator, entry_store
from ...probes.backup import BackupRun, MetricsFollower, parse_run
from .const import CONF_PATH
from .options import BackupOptions

if TYPE_CHECKING:
    from ... import HomeSentryConfigEntry

_LOGGER = logging.getLogger(__name__)

WINDOW: Final = timedelta(days=30)


class BackupCategory(StrEnum):
    """What the backup coordinator collects."""

    RUNS = "runs"


class BackupProblem(StrEnum):
    """Why a backup job needs attention."""

    LAST_RUN_FAILED = "last_run_failed"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class BackupSnapshot:
    """The runs known, sorted by time, and what follows from them now."""

    runs: tuple[BackupRun, ...]
    malformed: int
    file_exists: bool | None  # None: the job has no file (runs come by action only)
    watching_since: datetime
    expected: timedelta
    now: datetime

    @property
    def last_run(self) -> BackupRun | None:
        """The newest run."""
        return self.runs[-1] if self.runs else None

    @property
    def last_success(self) -> BackupRun | None:
        """The newest successful run."""
        return next((run for run in reversed(self.runs) if run.success), None)

    @property
    def recent(self) -> tuple[BackupRun, ...]:
        """Runs of the last 30 days."""
        return tuple(run for run in self.runs if run.timestamp >= self.now - WINDOW)

    @property
    def success_rate(self) -> float | None:
        """Successful runs of the last 30 days, percent."""
        recent = self.recent
        return round(100.0 * sum(run.success for run in recent) / len(recent), 1) if recent else None

    @property
    def problem(self) -> BackupProblem | None:
        """The last run failed, or no success within the expected interval."""
        last = self.last_run
        if last is not None and not last.success:
            return BackupProblem.LAST_RUN_FAILED
        success = self.last_success
        since = success.timestamp if success is not None else self.watching_since
        return BackupProblem.OVERDUE if self.now - since > self.expected else None


class BackupCoordinator(SubscribingCoordinator[BackupSnapshot, BackupCategory]):
    """Reads what the metrics file gained each cycle; takes runs from the action."""

    all_categories = frozenset(BackupCategory)

    config_entry: HomeSentryConfigEntry

    def __init__(self, hass: HomeAssistant, config_entry: HomeSentryConfigEntry, device_info: DeviceInfo) -> None:
        """Initialise from the entry's file and options."""
        options = BackupOptions.of(config_entry.options)
        super().__init__(hass, config_entry, f"backup {config_entry.title}", options.scan_interval, device_info)
        path = config_entry.data.get(CONF_PATH) or ""
        self.follower = MetricsFollower(Path(path)) if path else None
        self.expected = timedelta(hours=BackupOptions.of(config_entry.options).expected_hours)
        self.store = entry_store(hass, config_entry.entry_id, "backup")
        self._runs: dict[str, BackupRun] = {}
        self._malformed = 0
        self._watching_since = dt_util.utcnow()
        self._file_exists: bool | None = None

    async def async_load(self) -> None:
        """Restore the runs, the malformed count and since when the job is watched."""
        stored = await self.store.async_load() or {}
        for line in stored.get("runs", []):
            run = parse_run(line)
            self._runs[run.key] = run
        self._malformed = int(stored.get("malformed", 0))
        if "watching_since" in stored:
            self._watching_since = datetime.fromisoformat(stored["watching_since"])
        if self.follower is not None and stored.get("position"):
            await self.hass.async_add_executor_job(self.follower.resume, stored["position"])

    async def _async_save(self) -> None:
        now = dt_util.utcnow()
        last_success = max((r for r in self._runs.values() if r.success), key=lambda r: r.timestamp, default=None)
        self._runs = {
            key: run for key, run in self._runs.items() if run.timestamp >= now - WINDOW or run is last_success
        }
        await self.store.async_save(
            {
                "runs": [run.as_dict() for run in sorted(self._runs.values(), key=lambda r: r.timestamp)],
                "malformed": self._malformed,
                "watching_since": self._watching_since.isoformat(),
                "position": self.follower.position() if self.follower is not None else {},
            }
        )

    def _snapshot(self) -> BackupSnapshot:
        return BackupSnapshot(
            runs=tuple(sorted(self._runs.values(), key=lambda r: r.timestamp)),
            malformed=self._malformed,
            file_exists=self._file_exists,
            watching_since=self._watching_since,
            expected=self.expected,
            now=dt_util.utcnow(),
        )

    async def _async_cycle(self, wanted: frozenset[BackupCategory]) -> BackupSnapshot:
        changed = False
        if self.follower is not None:
            try:
                result = await self.hass.async_add_executor_job(self.follower.read)
            except OSError as err:  # not readable: permissions, a directory, an I/O error
                self.follower.close()
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="metrics_unreadable",
                    translation_placeholders={"path": str(self.follower.path), "error": str(err)},
                ) from err
            if result.exists != self._file_exists and not result.exists:
                _LOGGER.warning("%s: the metrics file %s is missing", self.name, self.follower.path)
            self._file_exists = result.exists
            new = {run.key: run for run in result.runs if run.key not in self._runs}
            self._runs |= new
            self._malformed += result.malformed
            changed = bool(new or result.malformed)
        if changed or self.data is None:
            await self._async_save()
        return self._snapshot()

    async def async_record(self, run: BackupRun) -> None:
        """A run reported by the ``record_backup`` action."""
        self._runs[run.key] = run
        await self._async_save()
        self.async_set_updated_data(self._snapshot())

    async def async_close(self) -> None:
        """Let go of the metrics file."""
        if self.follower is not None:
            await self.hass.async_add_executor_job(self.follower.close)


async def async_setup_backup(
    hass: HomeAssistant, entry: HomeSentryConfigEntry, device_info: DeviceInfo
) -> BackupCoordinator:
    """Restore, read the file once, and poll it."""
    coordinator = BackupCoordinator(hass, entry, device_info)
    await coordinator.async_load()
    await coordinator.async_config_entry_first_refresh()
    entry.async_on_unload(coordinator.async_close)
    return coordinator
