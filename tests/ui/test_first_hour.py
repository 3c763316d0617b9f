"""Issue 15: what a newcomer did in their first hour, replayed with mouse and keyboard."""

from __future__ import annotations

import re

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from tests.ui.editor_helpers import choose

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")


@pytest.fixture
def short_spiral(make_window):
    window = make_window("spiral_mlp")
    project = window.document.project
    project.training = project.training.replace(epochs=2)
    yield window
    window.training.controller.shutdown(3000)


def first_hidden_weight(state: dict[str, torch.Tensor]) -> torch.Tensor:
    return next(v for k, v in state.items() if k.endswith("weight") and v.dim() == 2)


def train_to_the_end(qtbot, window, action) -> None:
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=60000):
        action.trigger()


def test_changing_the_initializer_after_a_run_trains_a_new_run_from_fresh_weights(
    qtbot, short_spiral
):
    window, training = short_spiral, short_spiral.training
    combo = window.settings_panel.findChild(QComboBox, "param_initializer")
    choose(qtbot, combo, "zeros")
    train_to_the_end(qtbot, window, training.actions.train)
    zeros_run = training.controller.current_run
    rows = first_hidden_weight(zeros_run.weights)
    assert torch.equal(rows, rows[:1].expand_as(rows)), "zeros keep every unit the same"

    training.tabs.setCurrentIndex(0)
    choose(qtbot, combo, "xavier_uniform")
    train_to_the_end(qtbot, window, training.actions.train)

    book = window.document.runs
    xavier_run = training.controller.current_run
    assert xavier_run is not zeros_run and len(book.runs) == 2
    assert book.get(zeros_run.id) is zeros_run and zeros_run.weights is not None
    assert xavier_run.project.training["initializer"] == "xavier_uniform"
    assert xavier_run.steps_done == 2 * xavier_run.steps_per_epoch, "counted from step 0"
    rows = first_hidden_weight(xavier_run.weights)
    assert not torch.equal(rows, rows[:1].expand_as(rows)), "Xavier broke the symmetry"
    assert "fresh weights" in window.status_text() and "Initializer" in window.status_text()


def test_continue_counts_epochs_over_the_whole_run(qtbot, short_spiral):
    window, training = short_spiral, short_spiral.training
    train_to_the_end(qtbot, window, training.actions.train)
    run = training.controller.current_run
    assert run.epochs_done == 2

    labels: list[str] = []
    training.controller.snapshot.connect(
        lambda _s: labels.append(training.actions.progress.label.text())
    )
    train_to_the_end(qtbot, window, training.actions.continue_)
    assert training.controller.current_run is run and len(window.document.runs.runs) == 1
    assert run.epochs_done == 4
    epochs = [re.match(r"Epoch (\d+)/(\d+)", text) for text in labels]
    assert epochs and all(m is not None and m.group(2) == "4" for m in epochs), labels
    assert int(epochs[0].group(1)) >= 3, "the count goes on from the first session"

    # A plain Train after Finish says that it continues, and from where.
    training.tabs.setCurrentIndex(0)
    train_to_the_end(qtbot, window, training.actions.train)
    assert training.controller.current_run is run and run.epochs_done == 6
    assert window.status_text().startswith(f"Continuing {run.label} from epoch 4")


def test_the_lr_panel_draws_each_runs_own_plan(qtbot, short_spiral):
    window, training = short_spiral, short_spiral.training
    train_to_the_end(qtbot, window, training.actions.train)
    first = training.controller.current_run
    panel = training.dashboard.learning_rate
    assert panel.plan.start == 0 and panel.plan.total == first.total_steps

    # A changed learning rate continues the run: its new plan starts where the run stopped.
    project = window.document.project
    box = window.settings_panel.findChild(QDoubleSpinBox, "param_learning_rate")
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "0.05")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert project.training["learning_rate"] == 0.05
    assert panel.plan.start == first.steps_done, "the next plan begins at the run's end"
    x, _y = panel.planned.getData()
    assert x[0] > first.steps_done

    train_to_the_end(qtbot, window, training.actions.train)
    assert training.controller.current_run is first
    assert panel.plan.start == first.plan_start > 0
    assert panel.plan.settings["learning_rate"] == 0.05


def test_a_reopened_trained_project_shows_its_panels(qtbot, tmp_path, short_spiral, make_window):
    window = short_spiral
    train_to_the_end(qtbot, window, window.training.actions.train)
    path = tmp_path / "spiral.nnstudio"
    assert window.save_as(path)

    other = make_window()
    assert other.open_file(path)
    other.training.ensure_dashboard()
    dash = other.training.dashboard
    qtbot.waitUntil(lambda: dash.boundary.last is not None, timeout=30000)
    qtbot.waitUntil(lambda: other.training.controller.state == "idle", timeout=30000)
    assert dash.weights.weights, "weight heatmaps from the saved weights"
    assert dash.gradients.latest is not None, "gradient bars from one look at a batch"
    assert dash.predictions.last is not None
    run = other.training.controller.current_run
    assert run.steps_done == window.training.controller.current_run.steps_done
    assert not other.editing_locked and not other.training.banner.isVisible()


def test_regression_is_shown_as_a_regression_surface(qtbot, make_window):
    from nnstudio.core.datasets import DatasetConfig
    from nnstudio.core.project import Project
    from nnstudio.core.settings import TrainingSettings
    from nnstudio.core.templates import mlp

    project = Project(
        mlp([8], "tanh", task="regression", loss="mse"),
        DatasetConfig("plane"),
        TrainingSettings({"epochs": 2}),
    )
    window = make_window(project)
    assert window.document.analysis.ok, window.document.analysis.errors
    train_to_the_end(qtbot, window, window.training.actions.train)
    dash = window.training.dashboard
    panel = dash.boundary
    assert dash.docks[panel.title].windowTitle() == "Regression surface"
    assert "predicted value" in panel.colorbar.getAxis("left").labelText
    data_y = [b.color().getRgb() for b in panel.test_points.data["brush"]]
    assert len(set(data_y)) > 3, "test points are coloured by their target, not hollow"
    assert panel.image.levels is not None and tuple(panel.image.levels) == panel.levels
    window.training.controller.shutdown(3000)


def drop_file(qtbot, window, path) -> bool:
    """Drag a file from a file manager onto the middle of the canvas and let go."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    target = window.view.viewport()
    at = QPoint(target.width() // 2, target.height() // 2)
    action = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at, action, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    QApplication.sendEvent(target, QDropEvent(QPointF(at), action, mime, buttons, mods))
    return enter.isAccepted()


def test_dropping_a_csv_on_the_window_opens_the_import_dialog(qtbot, tmp_path, make_window):
    window = make_window("spiral_mlp")
    table = tmp_path / "heights.csv"
    table.write_text("a,b,label\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(40)))
    assert drop_file(qtbot, window, table)
    panel = window.settings_panel
    qtbot.waitUntil(lambda: panel.csv_dialog is not None and panel.csv_dialog.isVisible())
    assert panel.csv_dialog.path_edit.text() == str(table)
    assert panel.csv_dialog.table is not None, "the dropped file was read"
    panel.csv_dialog.reject()


def test_dropping_another_file_says_why_not(qtbot, tmp_path, make_window):
    window = make_window("spiral_mlp")
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG")
    drop_file(qtbot, window, picture)
    qtbot.waitUntil(lambda: "photo.png" in window.status_text())
    assert ".csv" in window.status_text() and ".nnstudio" in window.status_text()
    assert window.settings_panel.csv_dialog is None


def test_panels_name_layers_and_show_kernels_as_tiles(qtbot, make_window):
    from nnstudio.core.templates import TEMPLATES

    project = TEMPLATES.get("digits_cnn").build()
    project.training = project.training.replace(epochs=1)
    window = make_window(project)
    train_to_the_end(qtbot, window, window.training.actions.train)
    dash = window.training.dashboard
    box = dash.weights.layer_box
    names = [box.itemText(i) for i in range(box.count())]
    assert names and not any(re.search(r"\bn\d+\b", n) for n in names), names
    assert names[0].startswith("Conv2d")
    box.setCurrentIndex(0)
    dash.docks["Weights"].raise_()
    dash.weights.redraw()
    image = dash.weights.image.image
    assert "kernels of 3 × 3" in dash.weights.info.text()
    assert image.shape[0] > 3 and image.shape[1] > 3, "a mosaic of small tiles"
    ticks = dash.gradients.bar_plot.getAxis("bottom")._tickLevels[0]
    assert not any(re.search(r"\bn\d+\b", text) for _pos, text in ticks), ticks
    window.training.controller.shutdown(3000)


def test_weight_axes_count_whole_units(qtbot, short_spiral):
    window = short_spiral
    train_to_the_end(qtbot, window, window.training.actions.train)
    dash = window.training.dashboard
    dash.docks["Weights"].raise_()
    qtbot.waitUntil(lambda: dash.weights.image.image is not None)
    axis = dash.weights.axes["left"]
    low, high = dash.weights.plot.getViewBox().viewRange()[1]
    for _spacing, values in axis.tickValues(low, high, 300):
        assert all(float(v).is_integer() for v in values), values


def test_confusion_matrix_names_do_not_overlap(qtbot, make_window):
    from nnstudio.core.datasets import DatasetConfig
    from nnstudio.core.project import Project
    from nnstudio.core.settings import TrainingSettings
    from nnstudio.core.templates import mlp

    graph = mlp([8], "relu", task="multiclass", loss="cross_entropy")
    last = [n for n in graph.nodes.values() if n.type == "linear"][-1]
    graph.set_param(last.id, "units", 3)
    window = make_window(Project(graph, DatasetConfig("iris"), TrainingSettings({"epochs": 2})))
    assert window.document.analysis.ok, window.document.analysis.errors
    train_to_the_end(qtbot, window, window.training.actions.train)
    panel = window.training.dashboard.predictions
    bottom = panel.plot.getAxis("bottom")._tickLevels[0]
    left = panel.plot.getAxis("left")._tickLevels[0]
    assert [t for _p, t in bottom] == ["0", "1", "2"], "numbers under narrow columns"
    assert "setosa" in left[0][1], "the left axis says which number is which"
    window.training.controller.shutdown(3000)


def test_export_the_plot_alone_at_a_scale_as_svg_and_the_curves_as_csv(
    qtbot, tmp_path, short_spiral, monkeypatch
):
    import csv as csv_module
    from pathlib import Path

    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QFileDialog, QMenu

    window = short_spiral
    assert window.save_as(tmp_path / "spiral.nnstudio")
    train_to_the_end(qtbot, window, window.training.actions.train)
    panel = window.training.dashboard.loss
    asked: list[str] = []

    def save_dialog(_parent, _title, start, _filter):
        asked.append(start)
        return str(tmp_path / "out" / Path(start).name), ""

    (tmp_path / "out").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    menu = panel.export_button.findChild(QMenu, "export_menu")
    actions = {a.objectName(): a for a in menu.actions()}
    actions["export_png_1x"].trigger()
    actions["export_png_2x"].trigger()
    actions["export_svg"].trigger()
    actions["export_metrics_csv"].trigger()
    assert all(Path(s).parent == tmp_path for s in asked), "dialogs open in the project folder"
    one = QImage(str(tmp_path / "out" / "loss-curves.png"))
    two = QImage(str(tmp_path / "out" / "loss-curves@2x.png"))
    assert two.width() == pytest.approx(2 * one.width(), abs=2)
    assert one.height() < panel.height(), "the plot alone, without the panel's buttons"
    svg = (tmp_path / "out" / "loss-curves.svg").read_text()
    assert "<svg" in svg
    with open(tmp_path / "out" / "metrics.csv", newline="") as handle:
        rows = list(csv_module.reader(handle))
    assert rows[0][0] == "step" and "train_loss" in rows[0] and len(rows) > 2


def test_export_the_curves_of_selected_runs(qtbot, tmp_path, short_spiral, monkeypatch):
    import csv as csv_module

    from PySide6.QtWidgets import QFileDialog

    window, training = short_spiral, short_spiral.training
    train_to_the_end(qtbot, window, training.actions.train)
    training.controller.reset()  # New Run
    train_to_the_end(qtbot, window, training.actions.train)
    assert len(window.document.runs.runs) == 2
    target = tmp_path / "runs.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    training.runs_panel.table.selectAll()
    window.findChild(type(window.action_fit), "export_runs_csv").trigger()
    with open(target, newline="") as handle:
        rows = list(csv_module.reader(handle))
    assert rows[0][:2] == ["run", "step"] and "val_loss" in rows[0]
    assert {row[0] for row in rows[1:]} == {run.label for run in window.document.runs.runs}
