"""The textbook's claims, checked on the real trainer: XOR needs a hidden layer; deep sigmoid
stacks starve their first layers of gradient while ReLU with He init does not."""

from __future__ import annotations

import statistics

import pytest

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import mlp
from nnstudio.training import ProbeOptions, Trainer

QUIET = ProbeOptions(min_interval_s=1e9, weights_every=0, boundary_every=0)
# Clean XOR with plenty of points near the axes, so a boundary that fits the training set
# also fits the held-out test set.
XOR = DatasetConfig("xor", {"n_samples": 2000, "noise": 0.0}, train=0.8, val=0.1, test=0.1)
XOR_SETTINGS = {"optimizer": "adam", "learning_rate": 0.03, "batch_size": 64, "epochs": 150}


@pytest.fixture(scope="module")
def xor_data():
    return load_dataset(XOR)


def xor_test_accuracy(hidden: list[int], dataset, seed: int) -> float:
    settings = TrainingSettings({**XOR_SETTINGS, "seed": seed})
    trainer = Trainer(mlp(hidden, "tanh"), dataset, settings, QUIET)
    *_, last = trainer.run()
    assert last.status == "finished"
    _loss, accuracy = trainer.evaluate("test")
    assert accuracy is not None
    return accuracy


@pytest.mark.parametrize("seed", [0, 1])
def test_xor_without_hidden_layer_stays_at_or_below_75_percent(xor_data, seed: int) -> None:
    assert xor_test_accuracy([], xor_data, seed) <= 0.75


def test_xor_with_four_tanh_units_reaches_100_percent(xor_data) -> None:
    assert xor_test_accuracy([4], xor_data, seed=0) == 1.0


CIRCLE = load_dataset(DatasetConfig("circle"))
SEEDS = range(8)


def first_to_last_ratio(activation: str, initializer: str, seed: int) -> float:
    """Last layer's gradient norm over the first's, after one full-batch backward pass."""
    settings = TrainingSettings(
        {"optimizer": "sgd", "batch_size": 0, "epochs": 1, "seed": seed, "initializer": initializer}
    )
    trainer = Trainer(
        mlp([16] * 10, activation),
        CIRCLE,
        settings,
        ProbeOptions(snapshot_every_steps=1, weights_every=0, boundary_every=0),
    )
    first_snapshot = next(trainer.run())  # one step: the gradients of the initial weights
    norms = list(first_snapshot.grad_norms.values())
    assert len(norms) == 11  # ten hidden layers and the output layer
    assert all(n > 0 for n in norms)
    return norms[-1] / norms[0]


def test_deep_sigmoid_gradients_vanish_but_relu_he_keeps_them() -> None:
    sigmoid = [first_to_last_ratio("sigmoid", "default", s) for s in SEEDS]
    relu = [first_to_last_ratio("relu", "he_uniform", s) for s in SEEDS]
    # Sigmoid: the first layer gets orders of magnitude less gradient than the last, every time.
    assert min(sigmoid) >= 100
    # ReLU + He: within one order of magnitude (the median over seeds, as single draws of a
    # 16-wide network scatter), and never near the sigmoid's gap.
    assert 0.1 <= statistics.median(relu) <= 10
    assert max(relu) < 100 <= min(sigmoid)
