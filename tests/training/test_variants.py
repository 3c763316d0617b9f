"""Variants trained together: stacked runs equal runs trained one by one; failures stay local."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.project import Project
from nnstudio.core.run import Run
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.stacked_optim import RULES
from nnstudio.core.templates import TEMPLATES, mlp
from nnstudio.core.variants import expand, parse_axis
from nnstudio.training.control import TrainingControl
from nnstudio.training.session import TrainingSession
from nnstudio.training.stacked import StackedTrainer
from nnstudio.training.trainer import ProbeOptions

QUIET = ProbeOptions(
    snapshot_every_steps=10, weights_every=0, boundary_every=0, predictions_every=0
)


def spiral(**values):
    project = TEMPLATES.get("spiral_mlp").build()
    project.training = project.training.replace(batch_size=10, **values)
    return project


def train(projects, stacked: bool, options=QUIET) -> list[Run]:
    runs = [Run(p, id=f"r{i}") for i, p in enumerate(projects)]
    session = TrainingSession(runs, options, batch_variants=stacked)
    for _ in session.run():
        pass
    session.adopt_final_weights()
    return runs


def batch_losses(run: Run) -> np.ndarray:
    return run.history.get("batch_loss").arrays()[1]


def test_every_optimizer_has_a_stacked_rule() -> None:
    assert set(OPTIMIZERS.names()) == set(RULES)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "adamw", "lion", "adagrad"])
def test_stacked_variants_match_one_by_one_over_50_steps(optimizer: str) -> None:
    base = spiral(optimizer=optimizer, epochs=3, l2=0.001, clip_norm=2.0, lr_schedule="cosine")
    axes = [parse_axis(base, "seed=1,2"), parse_axis(base, "learning_rate=0.003,0.02")]
    projects = [v.project for v in expand(base, axes)]
    stacked = train(projects, stacked=True)
    alone = train(projects, stacked=False)
    assert all(r.steps_done >= 50 for r in stacked)
    for a, b in zip(stacked, alone, strict=True):
        xa, ya = a.history.get("batch_loss").arrays()
        xb, yb = b.history.get("batch_loss").arrays()
        assert np.array_equal(xa, xb)
        np.testing.assert_allclose(ya[:50], yb[:50], rtol=1e-4, atol=1e-6)
        for key in b.weights:
            torch.testing.assert_close(a.weights[key], b.weights[key], rtol=1e-3, atol=1e-4)


def test_numeric_variants_train_in_one_stacked_engine() -> None:
    base = spiral(epochs=1)
    runs = [
        Run(v.project, id=f"r{i}")
        for i, v in enumerate(
            expand(base, [parse_axis(base, "init_scale=0.5,1,2"), parse_axis(base, "l1=0,0.001")])
        )
    ]
    session = TrainingSession(runs, QUIET)
    session.prepare()
    assert len(session.engines) == 1 and isinstance(session.engines[0][0], StackedTrainer)


def test_different_architectures_train_interleaved_in_one_session() -> None:
    base = spiral(epochs=2)
    projects = [v.project for v in expand(base, [parse_axis(base, "activation=relu,tanh")])]
    runs = [Run(p, id=f"r{i}") for i, p in enumerate(projects)]
    session = TrainingSession(runs, QUIET)
    session.prepare()
    assert len(session.engines) == 2
    seen: set[str] = set()
    for reports in session.run():
        seen |= set(reports)
    assert seen == {"r0", "r1"}
    assert all(r.status == "finished" and r.steps_done == runs[0].total_steps for r in runs)


@pytest.mark.parametrize("stacked", [True, False])
def test_a_diverging_variant_is_marked_and_the_others_go_on(stacked: bool) -> None:
    settings = TrainingSettings({"optimizer": "sgd", "epochs": 4, "batch_size": 10})
    base = Project(mlp([8], "relu", "regression", "mse"), DatasetConfig("plane"), settings)
    projects = [v.project for v in expand(base, [parse_axis(base, "learning_rate=0.01,10")])]
    if not stacked:
        projects[1].training = projects[1].training.replace(batch_size=11)  # another loop
    good, bad = train(projects, stacked=True)
    assert bad.status == "diverged" and "at step" in bad.message
    assert bad.weights is None, "NaN weights are never kept"
    assert good.status == "finished" and good.steps_done == good.total_steps
    assert good.weights is not None


def test_pause_step_and_stop_act_on_every_variant() -> None:
    base = spiral(epochs=50)
    projects = [v.project for v in expand(base, [parse_axis(base, "seed=1,2,3")])]
    runs = [Run(p, id=f"r{i}") for i, p in enumerate(projects)]
    control = TrainingControl()
    control.pause()
    session = TrainingSession(runs, QUIET, control)
    loop = session.run()
    first = next(loop)
    assert set(first) == {"r0", "r1", "r2"} and all(s.status == "paused" for s in first.values())
    control.step()
    stepped = next(loop)
    assert {s.step for s in stepped.values()} == {1}
    control.stop()
    last = next(loop)
    assert all(s.status == "stopped" for s in last.values())
    assert all(r.status == "stopped" and r.steps_done == 1 for r in runs)
