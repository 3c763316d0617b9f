"""The predictions probe: confusion counts, predicted vs true pairs, sample images, cadence."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES, mlp
from nnstudio.training import ProbeOptions, Trainer, probes

XOR = DatasetConfig("xor", {"n_samples": 100})
PLANE = DatasetConfig("plane", {"n_samples": 100})


def make_trainer(dataset=XOR, graph=None, options=None, **values) -> Trainer:
    settings = {"batch_size": 10, "epochs": 3, "learning_rate": 0.05, "seed": 3, **values}
    return Trainer(
        graph or mlp([8], "tanh"),
        load_dataset(dataset),
        TrainingSettings(settings),
        options or ProbeOptions(snapshot_every_steps=1),
    )


def fake_outputs(trainer: Trainer, x_val, y_val, out) -> None:
    """Pin the validation split and what the network answers, for a hand-checked case."""
    trainer.x_val = torch.as_tensor(x_val, dtype=torch.float32)
    trainer.y_val = torch.as_tensor(y_val)
    trainer.predict = lambda _x: torch.as_tensor(out, dtype=torch.float32)


def test_bce_confusion_matches_a_hand_count() -> None:
    trainer = make_trainer()
    # true 0,0,1,1,1 ; logits -1,2,3,-0.5,0.1 -> predicted 0,1,1,0,1
    fake_outputs(
        trainer,
        np.zeros((5, 2)),
        np.array([[0.0], [0.0], [1.0], [1.0], [1.0]]),
        [[-1.0], [2.0], [3.0], [-0.5], [0.1]],
    )
    result = trainer.predictions()
    assert result is not None and result.confusion is not None
    np.testing.assert_array_equal(result.confusion, [[1, 1], [1, 2]])
    assert result.confusion.dtype == np.int64
    assert result.accuracy == pytest.approx(3 / 5)
    assert result.true is None and result.images is None


def test_cross_entropy_confusion_uses_the_argmax() -> None:
    trainer = make_trainer(graph=mlp([8], "tanh", task="multiclass", loss="cross_entropy"))
    fake_outputs(
        trainer,
        np.zeros((4, 2)),
        np.array([0, 1, 1, 0]),
        [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]],
    )
    result = trainer.predictions()
    assert result is not None
    np.testing.assert_array_equal(result.confusion, [[2, 0], [1, 1]])


def test_confusion_of_a_real_run_sums_to_the_validation_size() -> None:
    trainer = make_trainer()
    snaps = list(trainer.run())
    final = snaps[-1].predictions
    assert final is not None and final.confusion is not None
    n_val = len(trainer.x_val)
    assert final.confusion.shape == (2, 2) and final.confusion.sum() == n_val
    # The probe and the trainer's own accuracy agree on the same weights.
    _loss, accuracy = trainer.evaluate("val")
    assert final.accuracy == pytest.approx(accuracy)


def test_confusion_is_capped_at_eval_max_samples() -> None:
    trainer = make_trainer(options=ProbeOptions(snapshot_every_steps=1, eval_max_samples=7))
    result = trainer.predictions()
    assert result is not None and result.confusion.sum() == 7


def test_regression_gives_matching_true_and_predicted_arrays() -> None:
    trainer = make_trainer(PLANE, mlp([8], "tanh", task="regression", loss="mse"))
    result = trainer.predictions()
    assert result is not None and result.confusion is None and result.images is None
    n = min(len(trainer.x_val), probes.SCATTER_POINTS)
    assert result.true.shape == result.predicted.shape == (n,)
    np.testing.assert_allclose(result.true, trainer.dataset.y_val[:n].reshape(-1), rtol=1e-6)
    expected = trainer.predict(trainer.x_val[:n])[:, 0].numpy()
    np.testing.assert_allclose(result.predicted, expected, rtol=1e-5)


def test_regression_keeps_at_most_500_points() -> None:
    trainer = make_trainer(
        DatasetConfig("plane", {"n_samples": 2000}, train=0.4, val=0.5, test=0.1),
        mlp([4], "tanh", task="regression", loss="mse"),
    )
    assert len(trainer.x_val) > probes.SCATTER_POINTS
    result = trainer.predictions()
    assert result is not None and len(result.true) == probes.SCATTER_POINTS


def test_no_validation_split_gives_no_predictions() -> None:
    trainer = make_trainer()
    trainer.x_val, trainer.y_val = trainer.x_val[:0], trainer.y_val[:0]
    assert trainer.predictions() is None


def test_images_come_only_with_image_data() -> None:
    pytest.importorskip("sklearn")
    project = TEMPLATES.get("digits_cnn").build()
    trainer = Trainer(
        project.graph,
        load_dataset(project.dataset),
        project.training.replace(epochs=1),
        ProbeOptions(snapshot_every_steps=1),
    )
    result = trainer.predictions()
    assert result is not None and result.images is not None
    assert result.images.shape == (16, 1, 8, 8)
    np.testing.assert_array_equal(result.images, trainer.dataset.x_val[:16])
    np.testing.assert_array_equal(result.image_true, trainer.dataset.y_val[:16])
    guesses = trainer.predict(trainer.x_val[:16]).argmax(dim=1).numpy()
    np.testing.assert_array_equal(result.image_predicted, guesses)
    assert result.confusion.shape == (10, 10)
    assert result.class_names == tuple(str(d) for d in range(10))
    # 2D points are no images.
    assert make_trainer().predictions().images is None


@pytest.mark.parametrize("every", [0, 1, 3])
def test_predictions_follow_their_cadence_and_always_come_with_the_final_snapshot(
    every: int,
) -> None:
    trainer = make_trainer(options=ProbeOptions(snapshot_every_steps=1, predictions_every=every))
    snaps = list(trainer.run())
    carried = [i for i, s in enumerate(snaps[:-1]) if s.predictions is not None]
    if every == 0:
        assert carried == [] and snaps[-1].predictions is None
        return
    assert carried == list(range(0, len(snaps) - 1, every))
    assert snaps[-1].predictions is not None
