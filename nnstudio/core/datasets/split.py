"""Turning a config into arrays: generate, shuffle, split into train / validation / test."""

from __future__ import annotations

import numpy as np

from nnstudio.core.datasets.features import build_features, feature_labels
from nnstudio.core.datasets.spec import Dataset, DatasetConfig, DatasetSpec, check_ratios
from nnstudio.core.errors import DatasetError


def split_sizes(n: int, ratios: tuple[float, float, float]) -> tuple[int, int, int]:
    """Sizes of the three splits; any split with a fraction above 0 gets at least one sample."""
    train_r, val_r, test_r = check_ratios(*ratios)
    sizes = [0, 0]
    for i, ratio in enumerate((val_r, test_r)):
        if ratio > 0:
            sizes[i] = max(1, round(n * ratio))
    n_val, n_test = sizes
    n_train = n - n_val - n_test
    if n_train < 1:
        raise DatasetError(
            f"{n} samples are too few to split {train_r:g}/{val_r:g}/{test_r:g}; "
            "use more samples or a larger train fraction."
        )
    return n_train, n_val, n_test


def split_indices(
    n: int, ratios: tuple[float, float, float], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle 0..n-1 and cut it into disjoint train, validation and test index arrays."""
    n_train, n_val, _ = split_sizes(n, ratios)
    order = rng.permutation(n)
    return order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]


def _check_generated(spec: DatasetSpec, points: np.ndarray, targets: np.ndarray) -> None:
    """A generator's output must have the promised shapes, so a broken one fails here, clearly."""
    points, targets = np.asarray(points), np.asarray(targets)
    if points.ndim != 2 or points.shape[1] != 2:
        raise DatasetError(f"{spec.display_name} made points of shape {points.shape}, not (N, 2).")
    if targets.shape != (points.shape[0],):
        raise DatasetError(
            f"{spec.display_name} made targets of shape {targets.shape}, not ({points.shape[0]},)."
        )
    if not (np.isfinite(points).all() and np.isfinite(targets).all()):
        raise DatasetError(f"{spec.display_name} made values that are not finite numbers.")


def load_dataset(config: DatasetConfig) -> Dataset:
    """Generate the data of `config` and split it; the same config gives bit-identical arrays."""
    config.validate()
    spec = config.spec()
    values = config.resolved_params()
    rng = np.random.default_rng(values.get("seed", 0))
    points, targets = spec.generate(values, rng)
    _check_generated(spec, points, targets)
    points = np.asarray(points, dtype=np.float32)
    if spec.task == "regression":
        targets = np.asarray(targets, dtype=np.float32).reshape(-1, 1)
    else:
        targets = np.asarray(targets).astype(np.int64)
        if targets.min() < 0 or targets.max() >= spec.num_classes:
            raise DatasetError(
                f"{spec.display_name} made labels outside 0..{spec.num_classes - 1}."
            )
    parts = split_indices(len(points), config.ratios(), rng)
    raw = [points[idx] for idx in parts]
    xs = [build_features(p, config.features) for p in raw]
    ys = [targets[idx] for idx in parts]
    return Dataset(
        name=spec.name,
        task=spec.task,
        num_classes=spec.num_classes,
        feature_names=feature_labels(config.features),
        x_train=xs[0],
        y_train=ys[0],
        x_val=xs[1],
        y_val=ys[1],
        x_test=xs[2],
        y_test=ys[2],
        points_train=raw[0],
        points_val=raw[1],
        points_test=raw[2],
        features=tuple(config.features),
    )
