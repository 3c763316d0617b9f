"""Behaviour of the 2D toy datasets: determinism, splits, labels, features and config checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nnstudio.core.datasets import (
    DATASETS,
    DERIVED_FEATURES,
    Dataset,
    DatasetConfig,
    load_dataset,
    split_indices,
)
from nnstudio.core.errors import DatasetError

# The generated 2D sets; real, image, CSV and sequence sets are tested in their own files.
ALL_NAMES = [s.name for s in DATASETS if s.is_2d]
CLASSIFIERS = [s.name for s in DATASETS if s.is_2d and s.task == "classification"]
REGRESSORS = [s.name for s in DATASETS if s.is_2d and s.task == "regression"]
ALL_FEATURES = tuple(DERIVED_FEATURES.names())


def _arrays(d: Dataset) -> list[np.ndarray]:
    return [d.x_train, d.y_train, d.x_val, d.y_val, d.x_test, d.y_test]


def _all_points_and_labels(d: Dataset) -> tuple[np.ndarray, np.ndarray]:
    points = np.concatenate([d.points_train, d.points_val, d.points_test])
    labels = np.concatenate([d.y_train, d.y_val, d.y_test])
    return points, labels


def test_catalog_has_the_seven_toy_sets() -> None:
    assert set(ALL_NAMES) == {
        "circle", "xor", "gaussians", "spiral", "moons", "plane", "multi_gaussian",
    }  # fmt: skip
    assert set(REGRESSORS) == {"plane", "multi_gaussian"}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_same_config_gives_identical_arrays(name: str) -> None:
    config = DatasetConfig(name, params={"seed": 3}, features=ALL_FEATURES)
    a, b = load_dataset(config), load_dataset(config)
    for left, right in zip(_arrays(a), _arrays(b), strict=True):
        assert left.dtype == right.dtype
        assert left.tobytes() == right.tobytes()


@pytest.mark.parametrize("name", ALL_NAMES)
def test_different_seed_gives_different_points(name: str) -> None:
    a = load_dataset(DatasetConfig(name, params={"seed": 1}))
    b = load_dataset(DatasetConfig(name, params={"seed": 2}))
    assert not np.array_equal(a.x_train, b.x_train)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_noise_setting_changes_the_data(name: str) -> None:
    clean = load_dataset(DatasetConfig(name, params={"noise": 0.0}))
    noisy = load_dataset(DatasetConfig(name, params={"noise": 0.5}))
    same_x = np.array_equal(clean.x_train, noisy.x_train)
    same_y = np.array_equal(clean.y_train, noisy.y_train)
    assert not (same_x and same_y)


def test_split_indices_sizes_and_disjoint() -> None:
    train, val, test = split_indices(100, (0.6, 0.2, 0.2), np.random.default_rng(0))
    assert (len(train), len(val), len(test)) == (60, 20, 20)
    joined = np.concatenate([train, val, test])
    assert sorted(joined.tolist()) == list(range(100))


def test_split_indices_zero_fraction_gives_empty_split() -> None:
    train, val, test = split_indices(50, (0.8, 0.0, 0.2), np.random.default_rng(0))
    assert (len(train), len(val), len(test)) == (40, 0, 10)


def test_tiny_dataset_still_gets_every_positive_split() -> None:
    config = DatasetConfig("circle", params={"n_samples": 10}, train=0.9, val=0.05, test=0.05)
    d = load_dataset(config)
    assert len(d.y_val) >= 1 and len(d.y_test) >= 1 and len(d.y_train) >= 1
    assert len(d.y_train) + len(d.y_val) + len(d.y_test) == 10


@pytest.mark.parametrize("name", ALL_NAMES)
def test_load_splits_follow_ratios_and_keep_every_point_once(name: str) -> None:
    d = load_dataset(DatasetConfig(name, params={"n_samples": 500}, train=0.7, val=0.1, test=0.2))
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (350, 50, 100)
    points, _ = _all_points_and_labels(d)
    assert len(np.unique(points, axis=0)) == 500


@pytest.mark.parametrize(
    "ratios",
    [(0.0, 0.5, 0.5), (0.5, 0.2, 0.2), (0.6, 0.3, 0.3), (1.2, -0.1, -0.1), (0.8, -0.1, 0.3)],
)
def test_bad_ratios_are_refused(ratios: tuple[float, float, float]) -> None:
    with pytest.raises(DatasetError):
        split_indices(100, ratios, np.random.default_rng(0))
    train, val, test = ratios
    with pytest.raises(DatasetError):
        load_dataset(DatasetConfig("xor", train=train, val=val, test=test))


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("n", [600, 101])
def test_classification_sets_are_balanced(name: str, n: int) -> None:
    d = load_dataset(DatasetConfig(name, params={"n_samples": n}))
    _, labels = _all_points_and_labels(d)
    counts = np.bincount(labels, minlength=2)
    assert len(counts) == 2
    assert abs(int(counts[0]) - int(counts[1])) <= 1


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_arrays_have_promised_types(name: str) -> None:
    d = load_dataset(DatasetConfig(name))
    assert d.x_train.dtype == np.float32 and d.x_train.shape[1] == 2
    assert d.y_train.dtype == np.int64 and d.y_train.ndim == 1
    assert d.points_train is not None and d.points_train.dtype == np.float32
    assert d.feature_shape == (2,) and d.target_dim == 2 and d.num_classes == 2


@pytest.mark.parametrize("name", REGRESSORS)
def test_regression_targets_are_float_columns(name: str) -> None:
    d = load_dataset(DatasetConfig(name))
    for x, y in ((d.x_train, d.y_train), (d.x_val, d.y_val), (d.x_test, d.y_test)):
        assert y.dtype == np.float32
        assert y.shape == (len(x), 1)
    assert d.target_dim == 1 and d.num_classes == 0
    assert float(d.y_train.std()) > 0.1


def test_plane_without_noise_is_exactly_linear() -> None:
    params = {"noise": 0.0, "slope_x1": 2.0, "slope_x2": -1.0}
    d = load_dataset(DatasetConfig("plane", params=params))
    expected = 2.0 * d.points_train[:, 0].astype(float) - d.points_train[:, 1]
    np.testing.assert_allclose(d.y_train[:, 0], expected, atol=1e-5)


def test_multi_gaussian_has_hills_and_valleys() -> None:
    d = load_dataset(DatasetConfig("multi_gaussian", params={"noise": 0.0}))
    assert d.y_train.max() > 0.3 and d.y_train.min() < -0.3


def test_clean_circle_is_separable_by_radius() -> None:
    d = load_dataset(DatasetConfig("circle", params={"noise": 0.0}))
    points, labels = _all_points_and_labels(d)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert radius[labels == 0].max() < radius[labels == 1].min()


def test_clean_xor_labels_follow_the_signs() -> None:
    d = load_dataset(DatasetConfig("xor", params={"noise": 0.0}))
    points, labels = _all_points_and_labels(d)
    assert np.array_equal(labels, (points[:, 0] * points[:, 1] > 0).astype(np.int64))
    assert np.abs(points).min() > 0.01  # a margin keeps points off the axes


@pytest.mark.parametrize("name", ALL_NAMES)
def test_points_stay_in_a_small_box(name: str) -> None:
    d = load_dataset(DatasetConfig(name))
    points, _ = _all_points_and_labels(d)
    assert np.abs(points).max() < 1.6


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_default_classification_sets_are_learnable(name: str) -> None:
    """A 5-nearest-neighbour vote gets them almost all right, so the classes do not overlap much."""
    d = load_dataset(DatasetConfig(name))
    dist = ((d.x_test[:, None, :] - d.x_train[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argsort(dist, axis=1)[:, :5]
    vote = (d.y_train[nearest].mean(axis=1) > 0.5).astype(np.int64)
    assert (vote == d.y_test).mean() >= 0.95


def test_derived_features_match_their_formulas() -> None:
    d = load_dataset(DatasetConfig("moons", features=ALL_FEATURES))
    p = d.points_train
    x1, x2 = p[:, 0], p[:, 1]
    expected = np.stack([x1, x2, x1 * x1, x2 * x2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(d.x_train, expected, rtol=1e-6, atol=1e-7)
    assert d.feature_names == ["x1", "x2", "x1²", "x2²", "x1·x2", "sin(x1)", "sin(x2)"]
    assert d.feature_shape == (7,)


def test_feature_order_follows_the_config() -> None:
    d = load_dataset(DatasetConfig("circle", features=("sin_x2", "x1_sq")))
    p = d.points_train
    np.testing.assert_allclose(d.x_train[:, 2], np.sin(p[:, 1]), rtol=1e-6)
    np.testing.assert_allclose(d.x_train[:, 3], p[:, 0] ** 2, rtol=1e-6)


@pytest.mark.parametrize("features", [(), ("x1_x2",), ALL_FEATURES])
def test_featurize_reproduces_the_training_inputs(features: tuple[str, ...]) -> None:
    d = load_dataset(DatasetConfig("spiral", features=features))
    out = d.featurize(d.points_train)
    assert out.dtype == np.float32
    assert out.tobytes() == d.x_train.tobytes()


def test_featurize_refuses_wrong_shapes_and_non_2d_data() -> None:
    d = load_dataset(DatasetConfig("xor"))
    with pytest.raises(DatasetError):
        d.featurize(np.zeros((4, 3)))
    image_like = Dataset(
        name="digits", task="classification", num_classes=10, feature_names=[],
        x_train=np.zeros((2, 64), np.float32), y_train=np.zeros(2, np.int64),
        x_val=np.zeros((1, 64), np.float32), y_val=np.zeros(1, np.int64),
        x_test=np.zeros((1, 64), np.float32), y_test=np.zeros(1, np.int64),
    )  # fmt: skip
    with pytest.raises(DatasetError):
        image_like.featurize(np.zeros((4, 2)))
    with pytest.raises(DatasetError):
        image_like.bounds()


def test_bounds_cover_every_point_with_padding() -> None:
    d = load_dataset(DatasetConfig("moons"))
    xmin, xmax, ymin, ymax = d.bounds(pad=0.1)
    points, _ = _all_points_and_labels(d)
    assert xmin < points[:, 0].min() and xmax > points[:, 0].max()
    assert ymin < points[:, 1].min() and ymax > points[:, 1].max()
    assert d.bounds(pad=0.0) == pytest.approx(
        (points[:, 0].min(), points[:, 0].max(), points[:, 1].min(), points[:, 1].max())
    )


def test_config_round_trips_through_a_dict() -> None:
    config = DatasetConfig(
        "spiral", params={"turns": 2.0, "seed": 5}, train=0.7, val=0.1, test=0.2,
        features=("x1_sq", "sin_x2"),
    )  # fmt: skip
    again = DatasetConfig.from_dict(config.to_dict())
    assert again == config
    assert again.resolved_params()["turns"] == 2.0
    assert (
        again.resolved_params()["n_samples"]
        == DATASETS.get("spiral").params.defaults()["n_samples"]
    )


def test_from_dict_fills_missing_fields_with_defaults() -> None:
    config = DatasetConfig.from_dict({"name": "moons"})
    assert config == DatasetConfig("moons")


@pytest.mark.parametrize(
    "data",
    [
        "spiral",
        {"name": 3},
        {"name": "mnist_from_the_moon"},
        {"name": "spiral", "params": [1, 2]},
        {"name": "spiral", "params": {"turns": "many"}},
        {"name": "spiral", "params": {"n_samples": True}},
        {"name": "spiral", "params": {"n_samples": 5}},
        {"name": "spiral", "params": {"noise": 2.0}},
        {"name": "spiral", "params": {"colour": 1}},
        {"name": "spiral", "train": "0.6"},
        {"name": "spiral", "train": True, "val": 0.0, "test": 0.0},
        {"name": "spiral", "train": 0.5, "val": 0.2, "test": 0.2},
        {"name": "spiral", "train": 0.0, "val": 0.5, "test": 0.5},
        {"name": "spiral", "train": float("nan")},
        {"name": "spiral", "features": "x1_sq"},
        {"name": "spiral", "features": ["x3_sq"]},
        {"name": "spiral", "features": ["x1_sq", "x1_sq"]},
        {"name": "spiral", "features": [1]},
        {"name": "spiral", "shuffle": True},
    ],
)
def test_from_dict_refuses_bad_data(data: Any) -> None:
    with pytest.raises(DatasetError):
        DatasetConfig.from_dict(data)


def test_unknown_dataset_and_setting_raise_dataset_error_on_load() -> None:
    with pytest.raises(DatasetError, match="Known datasets"):
        load_dataset(DatasetConfig("nope"))
    with pytest.raises(DatasetError, match="colour"):
        load_dataset(DatasetConfig("circle", params={"colour": 1}))
    with pytest.raises(DatasetError):
        load_dataset(DatasetConfig("circle", features=("x9",)))


@pytest.mark.parametrize("name", ALL_NAMES)
def test_declared_settings_are_sound(name: str) -> None:
    spec = DATASETS.get(name)
    for param in spec.params:
        assert param.coerce(param.default) == param.default
        assert param.help
    n_samples, noise, seed = (spec.params.get(k) for k in ("n_samples", "noise", "seed"))
    assert n_samples is not None and n_samples.kind == "int"
    assert (n_samples.minimum, n_samples.maximum) == (10, 100_000)
    assert noise is not None and (noise.minimum, noise.maximum) == (0.0, 1.0)
    assert seed is not None and seed.default == 0
    assert spec.is_2d and spec.help and spec.display_name
    assert (spec.num_classes == 2) == (spec.task == "classification")
