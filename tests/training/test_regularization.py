"""Regularization and rate control inside the trainer: early stopping with best-weight
restore, learning-rate schedules, decoupled weight decay, gradient clipping, the initial
weight scale, and integer token inputs for Embedding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import Dataset, DatasetConfig, load_dataset
from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.schedules import learning_rate
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import chain, mlp
from nnstudio.training import ProbeOptions, Trainer

XOR = DatasetConfig("xor", {"n_samples": 50})  # 30 training samples


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny models: torch's thread hand-offs cost more than the math on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def make_trainer(
    graph: Graph | None = None,
    dataset: DatasetConfig | Dataset = XOR,
    options: ProbeOptions | None = None,
    **values: Any,
) -> Trainer:
    settings = {"batch_size": 10, "epochs": 10, "learning_rate": 0.05, "seed": 3, **values}
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    return Trainer(
        graph or mlp([8, 8], "tanh"),
        data,
        TrainingSettings(settings),
        options or ProbeOptions(snapshot_every_steps=1, eval_max_samples=10**6),
    )


def flat_weights(trainer: Trainer) -> torch.Tensor:
    return torch.cat([p.detach().flatten().clone() for p in trainer.model.parameters()])


# -- early stopping -----------------------------------------------------------------------

NOISY = DatasetConfig("xor", {"n_samples": 80, "noise": 0.5})


def overfitting_trainer(**values: Any) -> Trainer:
    """A wide network on little noisy data: the validation loss turns up after a while."""
    settings = {"batch_size": 0, "epochs": 300, "learning_rate": 0.03, "patience": 5, **values}
    trainer = make_trainer(
        mlp([64, 64], "relu"),
        NOISY,
        ProbeOptions(snapshot_every_steps=1, eval_max_samples=10**6, weights_every=0),
        **settings,
    )
    assert trainer.steps_per_epoch == 1  # full batch: every snapshot is an epoch end
    return trainer


def test_early_stopping_ends_after_patience_and_restores_the_best_weights() -> None:
    trainer = overfitting_trainer()
    snaps = list(trainer.run())
    final = snaps[-1]
    assert final.status == "finished"
    assert final.step < trainer.total_steps, "the run should have stopped early"
    history = np.array(trainer.early_stopping.losses)  # validation loss at each epoch end
    assert len(history) == final.epoch
    for snap in snaps[:-1]:  # the tracker saw the same losses the reports did
        assert snap.val_loss == pytest.approx(history[snap.epoch - 1], rel=1e-6)
    best_epoch = int(np.argmin(history)) + 1
    assert final.epoch == best_epoch + 5
    assert np.all(history[best_epoch:] >= history[best_epoch - 1])
    assert f"early at epoch {final.epoch}" in final.message
    assert f"epoch {best_epoch}" in final.message
    # The weights kept are the best epoch's: the final report and a fresh evaluation agree.
    assert final.val_loss == pytest.approx(history[best_epoch - 1], rel=1e-5)
    assert trainer.evaluate("val")[0] == pytest.approx(history[best_epoch - 1], rel=1e-5)


def test_early_stopping_without_restore_keeps_the_last_weights() -> None:
    keep = overfitting_trainer(restore_best=False)
    snaps = list(keep.run())
    assert snaps[-1].step < keep.total_steps and "early" in snaps[-1].message
    best = min(s.val_loss for s in snaps[:-1])
    assert keep.evaluate("val")[0] > best


def test_patience_zero_runs_every_epoch() -> None:
    trainer = overfitting_trainer(patience=0, epochs=40)
    snaps = list(trainer.run())
    assert snaps[-1].step == trainer.total_steps and snaps[-1].message == ""


def test_early_stopping_without_a_validation_split_says_so() -> None:
    config = DatasetConfig("xor", {"n_samples": 50}, train=0.8, val=0.0, test=0.2)
    trainer = make_trainer(dataset=config, patience=2, epochs=5)
    snaps = list(trainer.run())
    assert snaps[-1].step == trainer.total_steps
    assert "validation" in snaps[-1].message


# -- schedules in the loop ----------------------------------------------------------------


@pytest.mark.parametrize("schedule", ["cosine", "step", "one_cycle", "cyclic"])
def test_each_step_uses_the_scheduled_rate(schedule: str) -> None:
    values = {"lr_schedule": schedule, "warmup_steps": 4, "decay_every": 2, "cycle_epochs": 2}
    trainer = make_trainer(**values)
    snaps = list(trainer.run())
    settings = trainer.settings.values
    for snap in snaps:
        want = learning_rate(snap.step - 1, trainer.total_steps, 0.05, settings, 3)
        assert snap.learning_rate == pytest.approx(want)
    assert len({round(s.learning_rate, 12) for s in snaps}) > 3


# -- weight decay, clipping, initial scale ------------------------------------------------


@pytest.mark.parametrize("optimizer", ["adamw", "lion"])
def test_decoupled_weight_decay_shrinks_weights(optimizer: str) -> None:
    norms = []
    for decay in (0.0, 0.5):
        settings = TrainingSettings(
            {"optimizer": optimizer, "epochs": 30, "learning_rate": 0.01, "batch_size": 10},
            {optimizer: {"weight_decay": decay}},
        )
        trainer = Trainer(
            mlp([8, 8], "tanh"), load_dataset(XOR), settings, ProbeOptions(snapshot_every_steps=0)
        )
        list(trainer.run())
        norms.append(float(flat_weights(trainer).norm()))
    assert norms[1] < 0.9 * norms[0]


def test_clipping_bounds_each_update() -> None:
    sizes = {}
    for clip in (0.0, 0.01):
        trainer = make_trainer(
            optimizer="sgd", learning_rate=1.0, clip_norm=clip, epochs=1, init_scale=3.0
        )
        before = flat_weights(trainer)
        next(iter(trainer.run()))  # one step
        sizes[clip] = float((flat_weights(trainer) - before).norm())
    assert sizes[0.01] == pytest.approx(0.01, rel=1e-3)
    assert sizes[0.0] > 0.1


def _activation_spread(scale: float) -> float:
    graph = mlp([32] * 6, "relu")
    ctx = ShapeContext(input_shape=(2,), task="classification", num_classes=2)
    model = compile_graph(graph, ctx, "he_normal", scale, seed=0)
    with torch.no_grad():
        return float(model(torch.randn(256, 2, generator=torch.Generator().manual_seed(0))).std())


def test_init_scale_explodes_or_vanishes_the_signal() -> None:
    normal = _activation_spread(1.0)
    assert 1e-2 < normal < 1e2
    # Seven weight layers: each multiplies the signal by the scale once more.
    assert _activation_spread(10.0) > 1e5 * normal
    assert _activation_spread(0.1) < 1e-5 * normal


# -- integer tokens for Embedding ---------------------------------------------------------


def token_dataset(n: int = 300, steps: int = 5, seed: int = 0) -> Dataset:
    """Sequences of 0/1 tokens whose class is their last token."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(n, steps)).astype(np.int64)
    y = x[:, -1].copy()
    a, b = int(n * 0.7), int(n * 0.85)
    return Dataset(
        "tokens", "classification", 2, [f"t{i}" for i in range(steps)],
        x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:],
    )  # fmt: skip


def test_embedding_trains_on_integer_tokens() -> None:
    graph = Graph()
    chain(
        graph,
        [
            ("input", {}),
            ("embedding", {"vocab": 2, "dim": 8}),
            ("gru", {"hidden": 8}),
            ("linear", {"units": 2}),
            ("output", {"task": "binary", "loss": "cross_entropy"}),
        ],
    )
    trainer = make_trainer(
        graph,
        token_dataset(),
        ProbeOptions(snapshot_every_steps=1000),
        batch_size=32,
        epochs=15,
        learning_rate=0.02,
    )
    assert trainer.x_train.dtype == torch.int64
    snaps = list(trainer.run())
    assert snaps[-1].status == "finished"
    _loss, accuracy = trainer.evaluate("test")
    assert accuracy is not None and accuracy > 0.95
