"""2D data edited by hand: explicit points that replace a generator's draw.

A project whose dataset carries points trains on exactly those, each in the split it was
given, so adding or removing one point never reshuffles the others. The generator's settings
stay in the config, so "Reset data" simply drops the points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnstudio.core.errors import DatasetError

SPLITS = ("train", "val", "test")
MAX_POINTS = 100_000
"""As many as the generators may draw."""

Point = tuple[float, float, float, int]
"""(x1, x2, target, split index into SPLITS); the target is a class index or a value."""


def _number(value: Any, what: str, row: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DatasetError(f"Edited point {row + 1}: {what} must be a number, not {value!r}.")
    number = float(value) if abs(value) <= 1e308 else math.inf
    if not math.isfinite(number):
        raise DatasetError(f"Edited point {row + 1}: {what} must be a finite number.")
    return number


def check_points(rows: Any, task: str, num_classes: int) -> tuple[Point, ...]:
    """Points from untrusted data (a project file): [[x1, x2, target, split name], ...]."""
    if not isinstance(rows, (list, tuple)):
        raise DatasetError(f"Edited points must be a list, not {type(rows).__name__}.")
    if len(rows) > MAX_POINTS:
        raise DatasetError(f"{len(rows):,} edited points; at most {MAX_POINTS:,} are allowed.")
    points: list[Point] = []
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) != 4:
            raise DatasetError(f"Edited point {i + 1} must be [x1, x2, target, split].")
        x1, x2 = _number(row[0], "x1", i), _number(row[1], "x2", i)
        target = _number(row[2], "the target", i)
        if task != "regression" and (target != int(target) or not 0 <= target < num_classes):
            raise DatasetError(
                f"Edited point {i + 1}: class {row[2]!r} is not one of 0..{num_classes - 1}."
            )
        split = row[3]
        if split not in SPLITS:
            raise DatasetError(
                f"Edited point {i + 1}: split {split!r} is not one of {', '.join(SPLITS)}."
            )
        points.append((x1, x2, target, SPLITS.index(split)))
    return tuple(points)


def points_to_rows(points: Sequence[Point]) -> list[list[Any]]:
    """The JSON form of `points`."""
    return [[x1, x2, target, SPLITS[split]] for x1, x2, target, split in points]


def split_points(points: Sequence[Point], task: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Raw points and targets of each split (train, validation, test), in the given order."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 4)
    raws, targets = [], []
    for index in range(len(SPLITS)):
        rows = array[array[:, 3] == index]
        raws.append(rows[:, :2].astype(np.float32))
        if task == "regression":
            targets.append(rows[:, 2].astype(np.float32).reshape(-1, 1))
        else:
            targets.append(rows[:, 2].astype(np.int64))
    if len(raws[0]) == 0:
        raise DatasetError(
            "The edited data has no training points: add some, or press Reset "
            "data to draw the points again."
        )
    return raws, targets


def points_of(dataset: Any) -> tuple[Point, ...]:
    """The points of a loaded 2D Dataset as explicit points, each in its own split."""
    result: list[Point] = []
    for index, name in enumerate(SPLITS):
        raw = getattr(dataset, f"points_{name}")
        target = np.asarray(getattr(dataset, f"y_{name}")).reshape(len(raw), -1)[:, 0]
        result += [
            (float(p[0]), float(p[1]), float(t), index) for p, t in zip(raw, target, strict=True)
        ]
    return tuple(result)
