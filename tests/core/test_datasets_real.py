"""The real datasets from scikit-learn's bundled files: tables and the 8×8 digits."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nnstudio.core.datasets import DATASETS, DatasetConfig, load_dataset, normalize_splits
from nnstudio.core.datasets.info import dataset_info
from nnstudio.core.errors import DatasetError

SKLEARN_SETS = ["iris", "wine", "breast_cancer", "diabetes", "digits"]
EXPECTED = {
    "iris": ((4,), "classification", 3, 150),
    "wine": ((13,), "classification", 3, 178),
    "breast_cancer": ((30,), "classification", 2, 569),
    "diabetes": ((10,), "regression", 0, 442),
    "digits": ((1, 8, 8), "classification", 10, 1797),
}


@pytest.fixture
def no_sklearn(monkeypatch):
    """Make `import sklearn` fail, as on a machine without the extra."""
    for name in list(sys.modules):
        if name == "sklearn" or name.startswith("sklearn."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)


@pytest.mark.parametrize("name", SKLEARN_SETS)
def test_shapes_and_sizes(name: str) -> None:
    pytest.importorskip("sklearn")
    shape, task, classes, total = EXPECTED[name]
    config = DatasetConfig(name)
    data = load_dataset(config)
    assert data.feature_shape == shape and data.task == task and data.num_classes == classes
    sizes = (len(data.x_train), len(data.x_val), len(data.x_test))
    assert sum(sizes) == total
    assert sizes[1] == round(total * 0.2) and sizes[2] == round(total * 0.2)
    assert data.x_train.dtype == np.float32 and np.isfinite(data.x_train).all()
    assert not data.is_2d
    info = dataset_info(config)
    assert (info.input_shape, info.task, info.num_classes) == (shape, task, classes)
    if task == "classification":
        assert len(data.class_names) == classes
        assert set(np.unique(np.concatenate([data.y_train, data.y_test]))) == set(range(classes))


@pytest.mark.parametrize("name", SKLEARN_SETS)
def test_same_seed_same_split_other_seed_other_split(name: str) -> None:
    pytest.importorskip("sklearn")
    a = load_dataset(DatasetConfig(name, {"seed": 1}))
    b = load_dataset(DatasetConfig(name, {"seed": 1}))
    c = load_dataset(DatasetConfig(name, {"seed": 2}))
    assert a.x_train.tobytes() == b.x_train.tobytes()
    assert a.x_train.tobytes() != c.x_train.tobytes()


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "diabetes"])
def test_tables_are_standardized_with_train_statistics_only(name: str) -> None:
    pytest.importorskip("sklearn")
    data = load_dataset(DatasetConfig(name))
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1.0, atol=1e-4)
    # The held-out splits are shifted with the train numbers, so they are not exactly 0 / 1.
    assert np.abs(data.x_test.mean(axis=0)).max() > 1e-3


def test_diabetes_target_is_standardized_on_train() -> None:
    pytest.importorskip("sklearn")
    data = load_dataset(DatasetConfig("diabetes"))
    assert data.y_train.shape[1] == 1
    assert abs(float(data.y_train.mean())) < 1e-5 and abs(float(data.y_train.std()) - 1) < 1e-4


def test_digits_are_one_channel_images_in_0_to_1() -> None:
    pytest.importorskip("sklearn")
    data = load_dataset(DatasetConfig("digits"))
    assert data.x_train.shape[1:] == (1, 8, 8)
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert data.kind == "image" and data.class_names[3] == "3"


def test_normalize_splits_uses_only_the_first_split() -> None:
    train = np.array([[0.0, 5.0], [2.0, 5.0]], dtype=np.float32)
    test = np.array([[4.0, 6.0]], dtype=np.float32)
    std_train, std_test = normalize_splits([train, test], "standardize")
    np.testing.assert_allclose(std_train, [[-1, 0], [1, 0]])
    np.testing.assert_allclose(std_test, [[3, 1]])  # the constant column is only shifted
    mm_train, mm_test = normalize_splits([train, test], "minmax", np.array([True, False]))
    np.testing.assert_allclose(mm_train, [[0, 5], [1, 5]])
    np.testing.assert_allclose(mm_test, [[2, 6]])


@pytest.mark.parametrize("name", SKLEARN_SETS)
def test_without_sklearn_the_sets_stay_listed_and_say_how_to_install(no_sklearn, name) -> None:
    assert name in DATASETS
    config = DatasetConfig(name)
    # Shapes are constants: the network can still be built and checked.
    assert dataset_info(config).input_shape == EXPECTED[name][0]
    with pytest.raises(DatasetError, match="install scikit-learn to use it"):
        load_dataset(config)


def test_every_dataset_declares_help_and_a_kind() -> None:
    for spec in DATASETS:
        assert spec.help and spec.display_name and spec.category
        assert spec.kind in ("points", "table", "image", "sequence")
        assert spec.is_2d == (spec.kind == "points")


def test_extra_inputs_are_refused_for_data_that_is_not_2d() -> None:
    with pytest.raises(DatasetError, match="2D points"):
        DatasetConfig("iris", features=("x1_sq",)).validate()
    with pytest.raises(DatasetError, match="2D points"):
        DatasetConfig.from_dict({"name": "parity", "features": ["x1_sq"]})


@pytest.mark.parametrize("name", [s.name for s in DATASETS])
def test_every_config_round_trips_through_a_dict(name: str) -> None:
    config = DatasetConfig(name, dict(DATASETS.get(name).params.defaults()))
    assert DatasetConfig.from_dict(config.to_dict()) == config
