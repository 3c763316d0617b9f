"""Derived input features: extra columns computed from the raw (x1, x2) point.

They let a network without hidden layers solve curved problems, as in TensorFlow Playground.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import DatasetError
from nnstudio.core.registry import Registry


@dataclass(frozen=True)
class FeatureSpec:
    """One derived feature: a name for files, a label for the screen and the formula."""

    name: str
    label: str
    help: str
    fn: Callable[[np.ndarray], np.ndarray]
    """Maps raw points (N, 2) to one column (N,)."""


DERIVED_FEATURES: Registry[FeatureSpec] = Registry("derived feature")

DERIVED_FEATURES.register(
    FeatureSpec("x1_sq", "x1²", "The first coordinate squared.", lambda p: p[:, 0] * p[:, 0])
)
DERIVED_FEATURES.register(
    FeatureSpec("x2_sq", "x2²", "The second coordinate squared.", lambda p: p[:, 1] * p[:, 1])
)
DERIVED_FEATURES.register(
    FeatureSpec(
        "x1_x2", "x1·x2", "The product of the two coordinates.", lambda p: p[:, 0] * p[:, 1]
    )
)
DERIVED_FEATURES.register(
    FeatureSpec("sin_x1", "sin(x1)", "The sine of the first coordinate.", lambda p: np.sin(p[:, 0]))
)
DERIVED_FEATURES.register(
    FeatureSpec(
        "sin_x2", "sin(x2)", "The sine of the second coordinate.", lambda p: np.sin(p[:, 1])
    )
)


def check_feature_names(names: Sequence[str]) -> tuple[str, ...]:
    """Return the names as a tuple, or raise DatasetError naming the unknown or repeated one."""
    seen: list[str] = []
    for name in names:
        if not isinstance(name, str) or name not in DERIVED_FEATURES:
            known = ", ".join(DERIVED_FEATURES.names())
            raise DatasetError(f"Unknown derived feature {name!r}. Known features: {known}.")
        if name in seen:
            raise DatasetError(f"Derived feature {name!r} is listed twice.")
        seen.append(name)
    return tuple(seen)


def feature_labels(names: Sequence[str]) -> list[str]:
    """Column labels: the raw coordinates first, then each derived feature."""
    return ["x1", "x2", *(DERIVED_FEATURES.get(name).label for name in names)]


def build_features(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Raw points (M, 2) to the float32 input matrix (M, 2 + len(names))."""
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[1] != 2:
        raise DatasetError(f"Expected points of shape (N, 2), got {points.shape}.")
    points = points.astype(np.float32, copy=False)
    columns = [points[:, 0], points[:, 1]]
    columns += [DERIVED_FEATURES.get(name).fn(points) for name in names]
    return np.stack(columns, axis=1).astype(np.float32, copy=False)
