"""Turning a config into arrays: generate, shuffle, split into train / validation / test."""

from __future__ import annotations

import numpy as np

from nnstudio.core.datasets.edited import split_points
from nnstudio.core.datasets.features import build_features, feature_labels
from nnstudio.core.datasets.spec import (
    Dataset,
    DatasetConfig,
    DatasetSpec,
    Scaling,
    check_ratios,
)
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
    """Make or read the data of `config` and split it; the same config gives identical arrays."""
    config.validate()
    spec = config.spec()
    values = config.resolved_params()
    rng = np.random.default_rng(values.get("seed", 0))
    if spec.load is not None:
        return _load_raw(config, spec, values, rng)
    assert spec.generate is not None
    if config.points is not None:
        raw, ys = split_points(config.points, spec.task)
    else:
        points, targets = spec.generate(values, rng)
        _check_generated(spec, points, targets)
        points = np.asarray(points, dtype=np.float32)
        targets = _targets(spec.display_name, targets, spec.task, spec.num_classes)
        parts = split_indices(len(points), config.ratios(), rng)
        raw = [points[idx] for idx in parts]
        ys = [targets[idx] for idx in parts]
    xs = [build_features(p, config.features) for p in raw]
    return Dataset(
        name=spec.name,
        task=spec.task,
        num_classes=spec.num_classes,
        feature_names=feature_labels(config.features),
        **_splits(xs, ys),
        points_train=raw[0],
        points_val=raw[1],
        points_test=raw[2],
        features=tuple(config.features),
    )


def _splits(xs: list[np.ndarray], ys: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Train, validation and test arrays (in that order) as Dataset's keyword arguments."""
    names = ("train", "val", "test")
    return {
        **{f"x_{name}": x for name, x in zip(names, xs, strict=True)},
        **{f"y_{name}": y for name, y in zip(names, ys, strict=True)},
    }


def _targets(label: str, targets: np.ndarray, task: str, num_classes: int) -> np.ndarray:
    """Regression targets as a float32 column, class labels as int64 checked against the count."""
    if task == "regression":
        return np.asarray(targets, dtype=np.float32).reshape(-1, 1)
    targets = np.asarray(targets).astype(np.int64)
    if targets.size and (targets.min() < 0 or targets.max() >= num_classes):
        raise DatasetError(f"{label} made labels outside 0..{num_classes - 1}.")
    return targets


def _inputs(label: str, x: np.ndarray, shape: tuple[int, ...], integer: bool) -> np.ndarray:
    """Inputs in the promised shape and type: int64 token ids or float32 numbers."""
    x = np.asarray(x)
    if tuple(x.shape[1:]) != tuple(shape):
        raise DatasetError(f"{label} made samples of shape {x.shape[1:]}, not {shape}.")
    if integer:
        return x.astype(np.int64, copy=False)
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise DatasetError(f"{label} made values that are not finite numbers.")
    return x


def _fixed_test_parts(
    n_pool: int, n_test_pool: int, total: int, ratios: tuple[float, float, float], rng
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train and validation drawn from the pool, test from the separate test set.

    The sizes follow the ratios of `total` samples, each capped by what the files hold.
    """
    n_train, n_val, n_test = split_sizes(total, ratios)
    if n_train + n_val > n_pool:
        scale = n_pool / (n_train + n_val)
        n_val = round(n_val * scale)
        n_train = n_pool - n_val
    n_test = min(n_test, n_test_pool)
    order = rng.permutation(n_pool)[: n_train + n_val]
    test = np.sort(rng.permutation(n_test_pool)[:n_test])
    return order[:n_train], order[n_train:], test


def _load_raw(
    config: DatasetConfig, spec: DatasetSpec, values: dict, rng: np.random.Generator
) -> Dataset:
    assert spec.load is not None
    info = spec.info(values)
    raw = spec.load(values, rng)
    label = spec.display_name
    x, y = np.asarray(raw.x), np.asarray(raw.y)
    if len(x) != len(y):
        raise DatasetError(f"{label} has {len(x)} samples but {len(y)} targets.")
    ratios = config.ratios()
    if raw.x_test is None or raw.y_test is None:
        total = min(len(x), values.get("n_samples", len(x)))
        chosen = rng.permutation(len(x))[:total] if total < len(x) else np.arange(len(x))
        parts = [chosen[idx] for idx in split_indices(total, ratios, rng)]
        picked = [(x[idx], y[idx]) for idx in parts]
    else:
        x_test, y_test = np.asarray(raw.x_test), np.asarray(raw.y_test)
        if len(x_test) != len(y_test):
            raise DatasetError(
                f"{label}'s test set has {len(x_test)} samples but {len(y_test)} targets."
            )
        total = values.get("n_samples", len(x) + len(x_test))
        train, val, test = _fixed_test_parts(len(x), len(x_test), total, ratios, rng)
        picked = [(x[train], y[train]), (x[val], y[val]), (x_test[test], y_test[test])]
    xs = [_inputs(label, px, info.input_shape, info.integer_input) for px, _py in picked]
    if raw.value_scale != 1.0:
        xs = [px * np.float32(raw.value_scale) for px in xs]
    ys = [_targets(label, py, info.task, info.num_classes) for _px, py in picked]
    input_scaling = target_scaling = None
    if raw.normalize != "none":
        input_scaling = fit_scaling(xs[0], raw.normalize, raw.scaled_columns)
        xs = [input_scaling.apply(x) for x in xs]
    if raw.normalize_target != "none" and info.task == "regression":
        target_scaling = fit_scaling(ys[0], raw.normalize_target)
        ys = [target_scaling.apply(y) for y in ys]
    return Dataset(
        name=spec.name,
        task=info.task,
        num_classes=info.num_classes,
        feature_names=list(raw.feature_names),
        **_splits(xs, ys),
        class_names=tuple(raw.class_names),
        kind=spec.kind,
        input_scaling=input_scaling,
        target_scaling=target_scaling,
        token_count=raw.token_count,
        source_columns=tuple(raw.source_columns),
    )


def fit_scaling(train: np.ndarray, method: str, columns: np.ndarray | None = None) -> Scaling:
    """The shift and scale `method` takes from the train split's columns (those in `columns`)."""
    mask = np.ones(train.shape[1], dtype=bool) if columns is None else np.asarray(columns, bool)
    if train.ndim != 2 or mask.shape != (train.shape[1],):
        raise DatasetError("Only tables of numbers (samples, columns) can be normalized.")
    part = train[:, mask].astype(np.float64)
    if not mask.any() or len(train) == 0:
        shift, scale = np.zeros(int(mask.sum())), np.ones(int(mask.sum()))
    elif method == "standardize":
        shift, scale = part.mean(axis=0), part.std(axis=0)
    elif method == "minmax":
        shift, scale = part.min(axis=0), part.max(axis=0) - part.min(axis=0)
    else:
        raise DatasetError(f"Unknown normalization {method!r}; use standardize or minmax.")
    scale = np.where(scale > 1e-12, scale, 1.0)  # a constant column stays put, not NaN
    return Scaling(mask, shift, scale)


def normalize_splits(
    xs: list[np.ndarray], method: str, columns: np.ndarray | None = None
) -> list[np.ndarray]:
    """Rescale every split with statistics of the train split (xs[0]) only, so nothing about
    the validation or test data leaks into training."""
    scaling = fit_scaling(xs[0], method, columns)
    return [scaling.apply(x) for x in xs]
