"""The metric curves of a training run, kept in bounded memory and saved in bounded size.

A long run makes millions of batch losses; the curves only need a few thousand points to look
right. Each series keeps every `stride`-th point and doubles the stride (dropping every
other kept point) when it grows past its cap, so memory stays flat however long training runs.
The first point and the latest point are always kept, so a curve starts and ends where the
run did. Saving spreads at most `MAX_SAVED_POINTS` points evenly along each series.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from nnstudio.core.errors import ProjectFileError
from nnstudio.core.history_guard import MAX_STEP, checked_step, checked_value

HISTORY_VERSION = 1
MAX_SAVED_POINTS = 5000
"""Points per series written to history.json."""
MEMORY_POINTS = 2 * MAX_SAVED_POINTS
"""Points per series held in memory before the series halves itself."""
MAX_FILE_POINTS = 100_000
"""A history.json series longer than this is refused as damaged or hostile."""
MAX_SERIES = 512
MAX_NAME_LENGTH = 200

BATCH_LOSS = "batch_loss"
TRAIN_LOSS = "train_loss"
VAL_LOSS = "val_loss"
TRAIN_ACCURACY = "train_accuracy"
VAL_ACCURACY = "val_accuracy"
LEARNING_RATE = "learning_rate"
SNAPSHOT_SERIES = (TRAIN_LOSS, VAL_LOSS, TRAIN_ACCURACY, VAL_ACCURACY, LEARNING_RATE)
"""The usual series with one value per report; `BATCH_LOSS` gets one value per step."""


def evenly_spaced(length: int, count: int) -> np.ndarray:
    """`count` indices into `length` items, spread evenly, always including the first and last."""
    if length <= count:
        return np.arange(length)
    if count <= 1:
        return np.array([length - 1]) if count == 1 else np.zeros(0, dtype=int)
    return np.unique(np.round(np.linspace(0, length - 1, count)).astype(np.int64))


class Series:
    """One curve: x (usually the step) against y, thinned by stride doubling past `cap` points."""

    __slots__ = ("_count", "_last", "_stride", "_x", "_y", "cap", "name")

    def __init__(self, name: str, cap: int = MEMORY_POINTS) -> None:
        if cap < 4:
            raise ValueError("a series needs a cap of at least 4 points")
        self.name = name
        self.cap = cap
        self._x: list[float] = []
        self._y: list[float] = []
        self._stride = 1
        self._count = 0
        """How many points were ever appended; point i is kept when i % stride == 0."""
        self._last: tuple[float, float] | None = None

    def __len__(self) -> int:
        return len(self._x) + (1 if self._has_tail() else 0)

    def _has_tail(self) -> bool:
        return self._count > 0 and (self._count - 1) != (len(self._x) - 1) * self._stride

    def _halve(self) -> None:
        self._x = self._x[::2]
        self._y = self._y[::2]
        self._stride *= 2

    def append(self, x: float, y: float) -> None:
        if self._count % self._stride == 0:
            self._x.append(float(x))
            self._y.append(float(y))
            if len(self._x) > self.cap:
                self._halve()
        self._last = (float(x), float(y))
        self._count += 1

    def extend(self, xs: Iterable[float], ys: Iterable[float]) -> None:
        """Append many points at once; cheaper than a loop of `append` for long chunks."""
        x = np.asarray(list(xs) if not isinstance(xs, np.ndarray) else xs, dtype=np.float64)
        y = np.asarray(list(ys) if not isinstance(ys, np.ndarray) else ys, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("x and y must be 1-D and of the same length")
        n = len(x)
        if n == 0:
            return
        while True:
            first = (-self._count) % self._stride  # first index in the chunk that is on stride
            on_stride = 0 if first >= n else (n - 1 - first) // self._stride + 1
            if len(self._x) + on_stride <= self.cap:
                break
            self._halve()
        self._x.extend(x[first :: self._stride].tolist())
        self._y.extend(y[first :: self._stride].tolist())
        self._last = (float(x[-1]), float(y[-1]))
        self._count += n

    def points(self) -> tuple[list[float], list[float]]:
        """Every kept point plus the latest one, as plain lists."""
        if self._has_tail() and self._last is not None:
            return [*self._x, self._last[0]], [*self._y, self._last[1]]
        return list(self._x), list(self._y)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The curve as float64 arrays, ready to plot."""
        x, y = self.points()
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    @property
    def last(self) -> tuple[float, float] | None:
        return self._last

    @classmethod
    def from_points(cls, name: str, xs: list[float], ys: list[float], cap: int) -> Series:
        series = cls(name, cap)
        keep = evenly_spaced(len(xs), cap)
        series._x = [float(xs[i]) for i in keep]
        series._y = [float(ys[i]) for i in keep]
        series._count = len(series._x)
        if series._x:
            series._last = (series._x[-1], series._y[-1])
        return series


def _json_number(value: float) -> float | int | None:
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


class History:
    """All curves of one training run, recorded as plain (step, name -> value) points."""

    def __init__(self, cap: int = MEMORY_POINTS) -> None:
        self.cap = cap
        self.series: dict[str, Series] = {}
        self.last_step = 0

    def __contains__(self, name: str) -> bool:
        return name in self.series

    def __iter__(self) -> Iterator[Series]:
        return iter(self.series.values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def get(self, name: str) -> Series | None:
        return self.series.get(name)

    def _series(self, name: str) -> Series:
        series = self.series.get(name)
        if series is None:
            series = self.series[name] = Series(name, self.cap)
        return series

    def append(self, name: str, x: float, y: float) -> None:
        self._series(name).append(x, y)
        self.last_step = max(self.last_step, int(x))

    def record(
        self,
        step: int,
        losses: np.ndarray | Iterable[float] = (),
        metrics: Mapping[str, float] | None = None,
    ) -> None:
        """Record a report at `step`: the batch losses of the steps that end at `step` (one
        per step), and named values measured at `step`. Non-finite metrics are skipped, and a
        repeated report at the same step (a pause, then a stop) is recorded once."""
        values = np.asarray(list(losses) if not isinstance(losses, np.ndarray) else losses)
        values = values.astype(np.float64).reshape(-1)
        if len(values):
            xs = np.arange(step - len(values) + 1, step + 1, dtype=np.float64)
            self._series(BATCH_LOSS).extend(xs, values)
        for name, value in (metrics or {}).items():
            if value is None or not math.isfinite(value):
                continue
            series = self._series(name)
            if series.last is not None and series.last[0] == step:
                continue
            series.append(step, value)
        self.last_step = max(self.last_step, step)

    def clear(self) -> None:
        """Forget every curve."""
        self.series.clear()
        self.last_step = 0

    def thinned(self, max_points: int) -> History:
        """A copy with at most `max_points` per series (the first and last kept)."""
        return History.from_dict(self.to_dict(max_points), self.cap)

    # -- plain data -----------------------------------------------------------------------
    def to_dict(self, max_points: int = MAX_SAVED_POINTS) -> dict[str, Any]:
        """JSON-ready curves with at most `max_points` per series; NaN and inf become null."""
        out: dict[str, Any] = {}
        for name, series in self.series.items():
            xs, ys = series.points()
            keep = evenly_spaced(len(xs), max_points)
            out[name] = {
                "x": [_json_number(xs[i]) for i in keep],
                "y": [_json_number(ys[i]) for i in keep],
            }
        return {"version": HISTORY_VERSION, "last_step": self.last_step, "series": out}

    @classmethod
    def from_dict(cls, data: Any, cap: int = MEMORY_POINTS) -> History:
        """Read curves from untrusted data (history.json); any problem is a ProjectFileError."""

        def fail(why: str) -> ProjectFileError:
            return ProjectFileError(f"The training history is damaged: {why}")

        if not isinstance(data, dict):
            raise fail("it is not a JSON object.")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise fail("it has no whole-number 'version'.")
        if version > HISTORY_VERSION:
            raise ProjectFileError(
                f"The training history is in version {version}, but this NN Studio reads up "
                f"to version {HISTORY_VERSION}. Update NN Studio to open it."
            )
        last_step = data.get("last_step", 0)
        if (
            not isinstance(last_step, int)
            or isinstance(last_step, bool)
            or not 0 <= last_step <= MAX_STEP
        ):
            raise fail(f"'last_step' must be a whole number from 0 to {MAX_STEP}.")
        series = data.get("series")
        if not isinstance(series, dict):
            raise fail("'series' must be an object.")
        if len(series) > MAX_SERIES:
            raise fail(f"it has {len(series)} curves; at most {MAX_SERIES} are allowed.")
        history = cls(cap)
        history.last_step = last_step
        for name, item in series.items():
            if not name or len(name) > MAX_NAME_LENGTH:
                raise fail("a curve has an empty or overlong name.")
            if not isinstance(item, dict):
                raise fail(f"curve {name!r} is not an object.")
            xs, ys = item.get("x"), item.get("y")
            if not isinstance(xs, list) or not isinstance(ys, list) or len(xs) != len(ys):
                raise fail(f"curve {name!r} needs 'x' and 'y' lists of the same length.")
            if len(xs) > MAX_FILE_POINTS:
                raise fail(f"curve {name!r} has {len(xs):,} points; at most {MAX_FILE_POINTS:,}.")
            try:
                steps = [checked_step(x) for x in _numbers(xs, name, fail)]
            except ValueError:
                raise fail(f"curve {name!r} has a step that is not from 0 to {MAX_STEP}.") from None
            values = [checked_value(y) for y in _numbers(ys, name, fail)]
            history.series[name] = Series.from_points(name, steps, values, cap)
        return history


def _numbers(values: list[Any], name: str, fail: Any) -> list[float]:
    out = []
    for value in values:
        if value is None:
            out.append(math.nan)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                out.append(float(value))
            except OverflowError:
                raise fail(f"curve {name!r} holds a number too large to use.") from None
        else:
            raise fail(f"curve {name!r} holds {type(value).__name__} where numbers belong.")
    return out
