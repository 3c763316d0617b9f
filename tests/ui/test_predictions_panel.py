"""The Predictions panel draws real snapshots: confusion matrix, predicted vs true, samples."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES, mlp
from nnstudio.training import ProbeOptions, Snapshot, Trainer
from nnstudio.training.snapshot import Predictions
from nnstudio.ui import theme
from nnstudio.ui.panels.predictions import PredictionsPanel, row_shares
from nnstudio.ui.training.dashboard import TrainingDashboard
from nnstudio.ui.training.mailbox import merge
from nnstudio.ui.training.worker import PreparedRun


def run_snapshots(graph, dataset, **values) -> tuple[Trainer, list[Snapshot]]:
    settings = {"batch_size": 32, "epochs": 2, "learning_rate": 0.05, "seed": 1, **values}
    trainer = Trainer(
        graph, dataset, TrainingSettings(settings), ProbeOptions(snapshot_every_steps=5)
    )
    return trainer, list(trainer.run())


def prepared(trainer: Trainer) -> PreparedRun:
    return PreparedRun(trainer.dataset, [], trainer.total_steps, "cpu")


@pytest.fixture
def dashboard(qtbot):
    board = TrainingDashboard()
    qtbot.addWidget(board)
    board.resize(1100, 700)
    board.show()
    qtbot.waitExposed(board)
    return board


def in_front(panel) -> bool:
    """Whether a tabified panel is the shown tab (the one behind stays "visible" to Qt)."""
    return panel.isVisible() and not panel.visibleRegion().isEmpty()


def feed(panel: PredictionsPanel, trainer: Trainer, snaps: list[Snapshot]) -> Predictions:
    panel.prepare(prepared(trainer))
    for snap in snaps:
        panel.take(snap)
    panel.redraw()
    final = snaps[-1].predictions
    assert final is not None
    return final


def test_binary_run_draws_its_confusion_matrix(qtbot, dashboard) -> None:
    panel = dashboard.predictions
    data = load_dataset(DatasetConfig("spiral", {"n_samples": 200}))
    trainer, snaps = run_snapshots(mlp([16, 16], "tanh"), data)
    final = feed(panel, trainer, snaps)
    assert panel.mode == "confusion" and panel.k == 2
    np.testing.assert_allclose(panel.image.image, row_shares(final.confusion))
    counts = [text.toPlainText() for text in panel.cell_texts]
    assert counts == [str(c) if c else "" for c in final.confusion.ravel()]
    assert f"{100 * final.accuracy:.1f} %" in panel.info.text()
    assert not panel.grid.isVisible() and not panel.scatter.isVisible()
    ticks = panel.plot.getAxis("bottom")._tickLevels[0]
    assert [label for _pos, label in ticks] == ["0", "1"]
    # Spiral is 2D, so the boundary keeps the front tab.
    assert in_front(dashboard.boundary) and not in_front(panel)


def test_regression_run_draws_predicted_against_true(qtbot, dashboard) -> None:
    panel = dashboard.predictions
    data = load_dataset(DatasetConfig("plane", {"n_samples": 200}))
    graph = mlp([8], "tanh", task="regression", loss="mse")
    trainer, snaps = run_snapshots(graph, data)
    final = feed(panel, trainer, snaps)
    assert panel.mode == "scatter"
    xs, ys = panel.scatter.getData()
    np.testing.assert_allclose(xs, final.true)
    np.testing.assert_allclose(ys, final.predicted)
    assert panel.scatter.isVisible() and panel.diagonal.isVisible()
    assert not panel.image.isVisible() and panel.cell_texts == []
    lo, hi = panel.scatter_range
    assert lo < final.true.min() and hi > final.true.max()
    assert "R²" in panel.info.text()


def test_digits_run_shows_samples_and_brings_the_panel_forward(qtbot, dashboard) -> None:
    pytest.importorskip("sklearn")
    panel = dashboard.predictions
    project = TEMPLATES.get("digits_cnn").build()
    trainer = Trainer(
        project.graph,
        load_dataset(project.dataset),
        project.training.replace(epochs=1),
        ProbeOptions(snapshot_every_steps=10),
    )
    snaps = list(trainer.run())
    final = feed(panel, trainer, snaps)
    # Digits are not 2D: preparing the run raised the Predictions tab over the boundary.
    qtbot.waitUntil(lambda: in_front(panel), timeout=2000)
    assert not in_front(dashboard.boundary)
    assert panel.k == 10 and len(panel.cell_texts) == 100
    np.testing.assert_allclose(panel.image.image, row_shares(final.confusion))
    assert panel.grid.isVisible()
    assert len(panel.grid.captions) == 16
    wrong = final.image_true != final.image_predicted
    for caption, color, true, guess, bad in zip(
        panel.grid.captions,
        panel.grid.caption_colors,
        final.image_true,
        final.image_predicted,
        wrong,
        strict=True,
    ):
        assert caption == f"{true} → {guess}"
        assert color == (theme.ERROR if bad else theme.TEXT)
    # Back to 2D data: the boundary comes forward again.
    spiral = load_dataset(DatasetConfig("spiral", {"n_samples": 100}))
    panel.prepare(PreparedRun(spiral, [], 1, "cpu"))
    qtbot.waitUntil(lambda: in_front(dashboard.boundary), timeout=2000)
    assert not in_front(panel)


def test_wrong_predictions_have_red_captions(qtbot) -> None:
    panel = PredictionsPanel()
    qtbot.addWidget(panel)
    panel.show()
    images = np.zeros((3, 1, 4, 4), np.float32)
    pred = Predictions(
        confusion=np.array([[1, 1], [0, 1]]),
        images=images,
        image_true=np.array([0, 0, 1]),
        image_predicted=np.array([0, 1, 1]),
        class_names=("cat", "dog"),
    )
    panel.take(Snapshot(5, 0, 0.5, predictions=pred))
    panel.redraw()
    assert panel.grid.captions == ["cat → cat", "cat → dog", "dog → dog"]
    assert panel.grid.caption_colors == [theme.TEXT, theme.ERROR, theme.TEXT]
    ticks = panel.plot.getAxis("left")._tickLevels[0]
    assert [label for _pos, label in ticks] == ["cat", "dog"]


def test_redraw_updates_existing_items_and_clear_forgets(qtbot) -> None:
    panel = PredictionsPanel()
    qtbot.addWidget(panel)
    panel.show()
    first = Predictions(confusion=np.array([[3, 1], [2, 4]]))
    panel.take(Snapshot(1, 0, 0.1, predictions=first))
    panel.redraw()
    texts = list(panel.cell_texts)
    second = Predictions(confusion=np.array([[4, 0], [1, 5]]))
    panel.take(Snapshot(2, 0, 0.2, predictions=second))
    panel.take(Snapshot(3, 0, 0.3))  # a snapshot without predictions keeps the last ones
    panel.redraw()
    assert panel.cell_texts == texts, "cell labels were rebuilt instead of updated"
    assert [t.toPlainText() for t in texts] == ["4", "", "1", "5"]
    assert "90.0 %" in panel.info.text()
    panel.clear()
    assert panel.last is None and panel.image.image is None and panel.info.text() == ""


def test_mailbox_merge_keeps_the_latest_predictions() -> None:
    older = Snapshot(1, 0, 0.1, predictions=Predictions(confusion=np.eye(2, dtype=np.int64)))
    merged = merge(older, Snapshot(2, 0, 0.2))
    assert merged.predictions is older.predictions
    newest = Predictions(confusion=np.ones((2, 2), np.int64))
    assert merge(older, Snapshot(3, 0, 0.3, predictions=newest)).predictions is newest
