"""The generated sequence tasks: their answers follow their rules, and their shapes are known
without generating anything."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.datasets import DATASETS, DatasetConfig, load_dataset
from nnstudio.core.datasets.info import dataset_info
from nnstudio.core.errors import DatasetError
from nnstudio.core.graph import Graph
from nnstudio.core.templates import chain
from nnstudio.core.validation import analyze

SEQUENCES = [s.name for s in DATASETS if s.kind == "sequence"]


def all_splits(name: str, **values) -> tuple[np.ndarray, np.ndarray]:
    d = load_dataset(DatasetConfig(name, values))
    return np.concatenate([d.x_train, d.x_val, d.x_test]), np.concatenate(
        [d.y_train, d.y_val, d.y_test]
    )


def test_the_five_tasks_are_declared() -> None:
    assert set(SEQUENCES) == {"parity", "copy_token", "sorting", "adding", "sort_positions"}


def test_sort_positions_answers_read_the_tokens_in_increasing_order() -> None:
    x, y = all_splits("sort_positions", length=7, vocab=9)
    assert x.shape[1] == 7 and y.shape == x.shape and y.dtype == np.int64
    assert all(len(set(row)) == 7 for row in x)  # different tokens: one right answer
    picked = np.take_along_axis(x, y, axis=1)
    assert (np.diff(picked, axis=1) > 0).all()
    info = DatasetConfig("sort_positions", {"length": 7, "vocab": 9}).spec()
    assert info.info({"length": 7, "vocab": 9, "n_samples": 50, "seed": 0}).target_steps == 7


def test_sort_positions_needs_enough_tokens() -> None:
    with pytest.raises(DatasetError, match="at least 8 tokens"):
        load_dataset(DatasetConfig("sort_positions", {"length": 8, "vocab": 5}))


def test_parity_label_is_the_count_of_ones_mod_two() -> None:
    x, y = all_splits("parity", length=12)
    assert x.dtype == np.int64 and x.shape[1] == 12 and set(np.unique(x)) == {0, 1}
    np.testing.assert_array_equal(y, x.sum(axis=1) % 2)
    assert 0.4 < y.mean() < 0.6


def test_copy_label_is_the_token_at_the_position() -> None:
    x, y = all_splits("copy_token", length=6, vocab=5, position=4)
    assert x.max() == 4 and x.min() == 0
    np.testing.assert_array_equal(y, x[:, 4])


def test_copy_position_beyond_the_sequence_is_refused() -> None:
    config = DatasetConfig("copy_token", {"length": 4, "position": 4})
    with pytest.raises(DatasetError, match="Position 4"):
        load_dataset(config)
    with pytest.raises(DatasetError, match="Position 4"):
        dataset_info(config)


def test_sorted_label_says_whether_the_tokens_never_go_down() -> None:
    x, y = all_splits("sorting", length=8, vocab=10, n_samples=3000)
    is_sorted = np.all(x[:, 1:] >= x[:, :-1], axis=1)
    np.testing.assert_array_equal(y, is_sorted.astype(np.int64))
    assert 0.45 < y.mean() < 0.55
    # Some unsorted sequences differ from sorted order by only one swap of neighbours.
    unsorted = x[y == 0]
    near = np.sum(unsorted[:, 1:] < unsorted[:, :-1], axis=1) == 1
    assert 0.3 < near.mean() < 0.9


def test_adding_target_is_the_sum_of_the_two_marked_values() -> None:
    x, y = all_splits("adding", length=7)
    assert x.dtype == np.float32 and x.shape[1:] == (7, 2)
    assert np.all(x[:, :, 1].sum(axis=1) == 2)
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * x[:, :, 1]).sum(axis=1), rtol=1e-5)


@pytest.mark.parametrize("name", ["parity", "copy_token", "sorting", "adding"])
def test_info_matches_the_generated_data(name: str) -> None:
    config = DatasetConfig(name, {"length": 9, "n_samples": 100})
    info = dataset_info(config)
    data = load_dataset(config)
    assert info.input_shape == data.feature_shape
    assert info.task == data.task and info.num_classes == data.num_classes
    assert info.integer_input == (name != "adding")
    again = load_dataset(config)
    assert again.x_train.tobytes() == data.x_train.tobytes()


def test_embedding_accepts_tokens_and_refuses_real_numbers() -> None:
    graph = Graph()
    layers = [("input", {}), ("embedding", {"vocab": 2, "dim": 4}), ("lstm", {}),
              ("linear", {"units": 1}), ("output", {"task": "binary", "loss": "bce"})]  # fmt: skip
    chain(graph, layers)
    assert analyze(graph, dataset_info(DatasetConfig("parity"))).ok
    adding = DatasetConfig("adding")
    problems = analyze(graph, dataset_info(adding)).problems
    assert any("token ids" in p.message for p in problems)
