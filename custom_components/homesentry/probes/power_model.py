"""Estimated power: a documented model, calibrated against a measurement when there is one.

**The model.** ``P = idle + (max - idle) x u + disks + GPUs``, with ``u`` the
CPU utilisation (0-1), each disk drawing its *active* watts for the share of
the interval it was busy and its *idle* watts otherwise, and GPUs counted as
measured. The defaults by machine class are published figures:

- Raspberry Pi 4: 2.7 W idle, 6.4 W with all four cores loaded (measured at
  the USB input: 540 mA / 1280 mA at 5 V);
- Raspberry Pi 5: 3.0 W idle, 8.0 W loaded (approximate community figures);
- Intel N100 mini PC: 7 W idle, 25 W loaded, at the wall;
- typical desktop or small tower server: 40 W idle, 150 W loaded;
- disks: 3.5" hard disk 4.5 W idle / 6.5 W active; SSDs are left out (~ 0.1 W).

**Calibration.** When the whole server is measured (a smart plug or a UPS's
power as a Home Assistant entity, or RAPL's *psys* platform counter), each
cycle adds a sample (u, watts) to a rolling window and the model becomes a
least-squares fit ``P = a + b·u + c·u² + d·√u``: √u follows the step from deep
idle to light load (C-states), u² the steeper top (turbo). It is used only
when the window spans enough utilisation to pin the curve (20 points of
utilisation and 30 samples); until then a straight line through the samples'
mean shifts the default model. Fit quality is R² and RMSE over the window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Final


class MachineClass(StrEnum):
    """Machines with published power figures."""

    RASPBERRY_PI_4 = "raspberry_pi_4"
    RASPBERRY_PI_5 = "raspberry_pi_5"
    INTEL_N100 = "intel_n100"
    DESKTOP = "desktop"


@dataclass(frozen=True, slots=True)
class ModelParameters:
    """What the estimate needs to know about the machine."""

    idle_watts: float
    max_watts: float
    disk_idle_watts: float = 0.0
    disk_active_watts: float = 0.0


DEFAULTS: Final = {
    MachineClass.RASPBERRY_PI_4: ModelParameters(2.7, 6.4),
    MachineClass.RASPBERRY_PI_5: ModelParameters(3.0, 8.0),
    MachineClass.INTEL_N100: ModelParameters(7.0, 25.0),
    MachineClass.DESKTOP: ModelParameters(40.0, 150.0, 4.5, 6.5),
}
MIN_SAMPLES: Final = 30
MIN_SPREAD: Final = 0.2
WINDOW: Final = 2880  # a day of 30-second cycles


def estimate(parameters: ModelParameters, utilisation: float, disks_busy: Sequence[float], gpu_watts: float) -> float:
    """The model's watts for a CPU utilisation (0-1), each hard disk's busy share (0-1) and the GPUs' draw."""
    cpu = parameters.idle_watts + (parameters.max_watts - parameters.idle_watts) * utilisation
    disks = sum(
        parameters.disk_idle_watts + (parameters.disk_active_watts - parameters.disk_idle_watts) * busy
        for busy in disks_busy
    )
    return round(cpu + disks + gpu_watts, 2)


def _features(u: float) -> tuple[float, float, float, float]:
    return (1.0, u, u * u, math.sqrt(max(u, 0.0)))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting; None when the system is singular."""
    size = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(size)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        if abs(rows[pivot][column]) < 1e-12:
            return None
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in range(column + 1, size):
            factor = rows[row][column] / rows[column][column]
            for k in range(column, size + 1):
                rows[row][k] -= factor * rows[column][k]
    solution = [0.0] * size
    for row in range(size - 1, -1, -1):
        known = sum(rows[row][k] * solution[k] for k in range(row + 1, size))
        solution[row] = (rows[row][size] - known) / rows[row][row]
    return solution


@dataclass(frozen=True, slots=True)
class Fit:
    """A calibrated curve and how well it follows the measurements."""

    coefficients: tuple[float, ...]
    r_squared: float
    rmse_watts: float
    samples: int
    spread: float  # the utilisation range the samples cover (0-1)

    def watts(self, utilisation: float) -> float:
        """The fitted watts at a utilisation (0-1)."""
        return sum(c * f for c, f in zip(self.coefficients, _features(utilisation), strict=True))


class _Sums:
    """Running sums of the normal equations, so a sample is added or dropped in constant time."""

    def __init__(self) -> None:
        self.normal = [[0.0] * 4 for _ in range(4)]
        self.right = [0.0] * 4
        self.count = 0
        self.watts = 0.0
        self.watts_squared = 0.0

    def update(self, u: float, watts: float, sign: float) -> None:
        features = _features(u)
        for i in range(4):
            self.right[i] += sign * features[i] * watts
            for j in range(4):
                self.normal[i][j] += sign * features[i] * features[j]
        self.count += int(sign)
        self.watts += sign * watts
        self.watts_squared += sign * watts * watts

    def solve(self, spread: float) -> Fit | None:
        if self.count < MIN_SAMPLES or spread < MIN_SPREAD:
            return None
        coefficients = _solve(self.normal, self.right)
        if coefficients is None:
            return None
        # SSE = sum(w^2) - 2 c.(X^T w) + c.(X^T X).c ; SST = sum(w^2) - n mean^2
        explained = sum(c * r for c, r in zip(coefficients, self.right, strict=True))
        quadratic = sum(coefficients[i] * self.normal[i][j] * coefficients[j] for i in range(4) for j in range(4))
        residual = max(self.watts_squared - 2 * explained + quadratic, 0.0)
        total = self.watts_squared - self.watts * self.watts / self.count
        r_squared = 1.0 - residual / total if total > 1e-9 else 1.0
        rmse = math.sqrt(residual / self.count)
        return Fit(tuple(coefficients), round(r_squared, 4), round(rmse, 2), self.count, spread)


def fit(samples: Iterable[tuple[float, float]]) -> Fit | None:
    """Least-squares fit of ``a + b·u + c·u² + d·√u`` to (utilisation, watts) samples; None if it cannot be pinned."""
    sums = _Sums()
    us: list[float] = []
    for u, watts in samples:
        sums.update(u, watts, 1.0)
        us.append(u)
    return sums.solve(max(us) - min(us) if us else 0.0)


class Calibration:
    """A rolling window of (utilisation, measured watts) and the fit over it."""

    def __init__(self, window: int = WINDOW) -> None:
        """Keep the last ``window`` samples."""
        self.samples: deque[tuple[float, float]] = deque(maxlen=window)
        self.residuals: deque[float] = deque(maxlen=window)
        self.fit: Fit | None = None
        self.offset: float | None = None  # measured minus default model, mean over the window
        self._sums = _Sums()
        self._residual_sum = 0.0

    def add(self, utilisation: float, watts: float, modelled: float) -> None:
        """Record one cycle's measurement and refit (constant time: running sums)."""
        if len(self.samples) == self.samples.maxlen:
            old_u, old_w = self.samples[0]
            self._sums.update(old_u, old_w, -1.0)
            self._residual_sum -= self.residuals[0]
        self.samples.append((utilisation, watts))
        self.residuals.append(watts - modelled)
        self._sums.update(utilisation, watts, 1.0)
        self._residual_sum += watts - modelled
        self.offset = self._residual_sum / len(self.residuals)
        self.fit = self._sums.solve(self._spread())

    def _spread(self) -> float:
        if len(self.samples) < MIN_SAMPLES:
            return 0.0
        us = [u for u, _ in self.samples]
        return max(us) - min(us)

    def watts(self, utilisation: float, modelled: float) -> float | None:
        """The calibrated watts: the fit where it is pinned, else the model shifted by the mean residual."""
        if self.fit is not None:
            return round(max(self.fit.watts(utilisation), 0.0), 2)
        if self.offset is not None:
            return round(max(modelled + self.offset, 0.0), 2)
        return None


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The correlation coefficient of two equally long series; None when either does not vary."""
    count = len(xs)
    if count < 3 or count != len(ys):
        return None
    mean_x, mean_y = sum(xs) / count, sum(ys) / count
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    if var_x <= 1e-12 or var_y <= 1e-12:  # one series is flat (float rounding aside)
        return None
    return round(cov / math.sqrt(var_x * var_y), 3)
