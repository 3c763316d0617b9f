"""Asking the trained network in the app: hover, pin, draw, edit data; bad input shows a
message and the app keeps going."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from nnstudio.core.datasets import load_dataset
from nnstudio.core.project_files import load_project
from nnstudio.core.templates import TEMPLATES
from nnstudio.training import ProbeOptions, Trainer

QUIET = ProbeOptions(boundary_every=0, predictions_every=0, weights_every=0, grad_norms=False)


def train_headless(project, epochs: int = 3) -> Trainer:
    data = load_dataset(project.dataset)
    trainer = Trainer(project.graph, data, project.training.replace(epochs=epochs), QUIET)
    for _snap in trainer.run():
        pass
    return trainer


def adopt(window, trainer) -> None:
    """Make the headless trainer's weights the window's current run, as if trained there."""
    from nnstudio.core.run import Run, freeze

    run = window.document.runs.add(Run(freeze(window.document.project)))
    run.weights = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
    run.status = "finished"


def ask_window(make_window, name: str, trained: bool = True):
    window = make_window(name)
    trainer = None
    if trained:
        trainer = train_headless(window.document.project)
        adopt(window, trainer)
    window.training.ensure_dashboard()
    window.training.tabs.setCurrentIndex(1)
    return window, trainer


def show_boundary(window) -> None:
    panel = window.training.dashboard.boundary
    window.training.dashboard.docks[panel.title].raise_()
    panel.prepare(SimpleNamespace(dataset=window.ask.session.dataset()))
    QApplication.processEvents()


def plot_position(panel, x1: float, x2: float):
    """Widget (viewport) position of view point (x1, x2) on the boundary plot."""
    scene = panel.plot.vb.mapViewToScene(QPointF(x1, x2))
    return panel.plot_widget.mapFromScene(scene)


def view_point(panel, pos) -> tuple[float, float]:
    point = panel.plot.vb.mapSceneToView(panel.plot_widget.mapToScene(pos))
    return point.x(), point.y()


def test_hovering_the_boundary_shows_the_models_probability_there(make_window, qtbot) -> None:
    window, trainer = ask_window(make_window, "spiral_mlp")
    show_boundary(window)
    panel = window.training.dashboard.boundary
    for x1, x2 in [(0.4, 0.3), (-0.6, -0.2)]:
        pos = plot_position(panel, x1, x2)
        qtbot.mouseMove(panel.plot_widget.viewport(), pos)
        QApplication.processEvents()
        text = window.ask.boundary.hover_label.text()
        shown = float(re.search(r"P\(class 1\) = (\d\.\d{3})", text).group(1))
        # The answer is for the point under the mouse (to within a pixel or two: showing the
        # answer may nudge the plot's layout), and it is what the trained model itself says
        # at exactly that point.
        x, y = window.ask.boundary.hover_point
        px, py = view_point(panel, pos)
        assert (x, y) == (pytest.approx(px, abs=0.03), pytest.approx(py, abs=0.03))
        features = torch.as_tensor(trainer.dataset.featurize(np.array([[x, y]])))
        expected = float(torch.sigmoid(trainer.predict(features))[0, 0])
        assert shown == pytest.approx(expected, abs=5e-4)
        assert f"x1 {x:.2f}, x2 {y:.2f}" in text


def test_clicking_pins_the_point_and_shows_every_layers_activations(make_window, qtbot) -> None:
    window, trainer = ask_window(make_window, "spiral_mlp")
    show_boundary(window)
    panel = window.training.dashboard.boundary
    window.ask.dock.raise_()
    pos = plot_position(panel, 0.5, -0.5)
    qtbot.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    x, y = view_point(panel, pos)
    np.testing.assert_allclose(window.ask.boundary.pin.getData(), [[x], [y]], atol=1e-9)
    qtbot.waitUntil(lambda: bool(window.ask.panel.activations.layers), timeout=5000)
    layers = window.ask.panel.activations.layers
    assert layers[0].label == "Input"
    assert len(layers) == 1 + len(trainer.model._steps)
    expected = trainer.predict(torch.as_tensor(trainer.dataset.featurize(np.array([[x, y]]))))
    np.testing.assert_allclose(layers[-1].values, expected[0].numpy(), atol=1e-6)


def test_without_weights_hovering_says_what_to_do(make_window) -> None:
    window, _trainer = ask_window(make_window, "xor_mlp", trained=False)
    text = window.ask.boundary.hover_at(0.1, 0.1)
    assert "no trained weights" in text


def drag(widget, points) -> None:
    """Press at the first point, move through the rest with the button held, release."""
    press = QMouseEvent(
        QEvent.Type.MouseButtonPress,
        points[0],
        widget.mapToGlobal(points[0]),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, press)
    for p in points[1:]:
        move = QMouseEvent(
            QEvent.Type.MouseMove,
            p,
            widget.mapToGlobal(p),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(widget, move)
    release = QMouseEvent(
        QEvent.Type.MouseButtonRelease,
        points[-1],
        widget.mapToGlobal(points[-1]),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, release)


def test_drawing_on_the_pad_shows_the_models_answer_for_that_image(make_window) -> None:
    window, trainer = ask_window(make_window, "digits_cnn")
    window.ask.dock.raise_()
    QApplication.processEvents()
    pad = window.ask.panel.image_page.pad
    assert pad.ink.shape == (8, 8)
    square = pad._square()
    left, top, side = square.left(), square.top(), square.width()
    # A "7": a bar along the top, then a stroke down to the lower left.
    drag(
        pad,
        [
            QPointF(left + side * 0.2, top + side * 0.2),
            QPointF(left + side * 0.8, top + side * 0.2),
        ],
    )
    drag(
        pad,
        [
            QPointF(left + side * 0.8, top + side * 0.2),
            QPointF(left + side * 0.5, top + side * 0.6),
            QPointF(left + side * 0.35, top + side * 0.9),
        ],
    )
    image = pad.image()
    assert image[1, 2:6].min() > 0.5 and image[6:, :].sum() > 0  # the strokes are on the grid
    assert image[5:, 6:].max() == 0.0  # and nowhere near the lower right
    expected = torch.softmax(trainer.predict(torch.as_tensor(image[None, None])), dim=1)[0]
    np.testing.assert_allclose(window.ask.panel.bars.probabilities, expected.numpy(), atol=1e-6)
    window.ask.panel.image_page.pad.clear()
    assert window.ask.panel.image_page.pad.image().max() == 0.0


def test_a_test_sample_and_a_picture_file_can_be_asked(make_window, tmp_path) -> None:
    window, trainer = ask_window(make_window, "digits_cnn")
    window.ask.dock.raise_()
    QApplication.processEvents()
    page = window.ask.panel.image_page
    page.picker.spin.setValue(3)
    page.picker.picked.emit(3)
    np.testing.assert_array_equal(page.pad.image(), trainer.dataset.x_test[3][0])
    assert page.picker.truth.text() == f"true class: {int(trainer.dataset.y_test[3])}"
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nrubbish")
    page.load_picture(str(tmp_path / "broken.png"))
    assert "cannot be read" in window.ask.panel.message.text()
    np.testing.assert_array_equal(page.pad.image(), trainer.dataset.x_test[3][0])  # unchanged
    from PySide6.QtGui import QImage

    picture = QImage(40, 40, QImage.Format.Format_Grayscale8)
    picture.fill(255)
    for y in range(5, 35):
        for x in range(18, 22):
            picture.setPixel(x, y, 0)
    picture.save(str(tmp_path / "one.png"))
    page.load_picture(str(tmp_path / "one.png"))
    assert page.pad.image()[1:7, 3:5].min() > 0.3 and page.pad.image()[:, 0].max() == 0.0
    as_png = page.pad.image()
    page.pad.clear()
    picture.save(str(tmp_path / "one.jpg"), "JPEG", 95)
    page.load_picture(str(tmp_path / "one.jpg"))
    np.testing.assert_allclose(page.pad.image(), as_png, atol=0.05)
    huge = QImage(3000, 2000, QImage.Format.Format_Grayscale8)
    huge.fill(255)
    huge.save(str(tmp_path / "huge.png"))
    page.load_picture(str(tmp_path / "huge.png"))
    assert "3000×2000 pixels; pictures of up to 4,000,000" in window.ask.panel.message.text()
    np.testing.assert_allclose(page.pad.image(), as_png, atol=0.05)  # kept, not replaced


def free_spots(window, panel, count: int) -> list[tuple[float, float]]:
    """Places on the plot with no data point near them (so a click adds, not removes)."""
    spots = []
    for x1 in np.linspace(-1.0, 1.0, 9):
        for x2 in np.linspace(-1.0, 1.0, 9):
            if window.ask.boundary.point_near(x1, x2) is None:
                far = all(abs(x1 - a) + abs(x2 - b) > 0.3 for a, b in spots)
                if far and panel.plot.vb.viewRect().contains(QPointF(x1, x2)):
                    spots.append((float(x1), float(x2)))
    assert len(spots) >= count
    return spots[:count]


def sparse_xor():
    project = TEMPLATES.get("xor_mlp").build()
    project.dataset.params["n_samples"] = 60  # room on the plot to click beside the points
    return project


def test_five_points_added_two_undone_three_saved_and_reopened(make_window, qtbot, tmp_path):
    window, _trainer = ask_window(make_window, sparse_xor(), trained=False)
    before = len(load_dataset(window.document.project.dataset).x_train)
    show_boundary(window)
    panel = window.training.dashboard.boundary
    boundary = window.ask.boundary
    boundary.edit_button.setChecked(True)
    boundary.class_box.setCurrentIndex(1)
    spots = free_spots(window, panel, 5)
    for x1, x2 in spots:
        pos = plot_position(panel, x1, x2)
        qtbot.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    data = window.ask.session.dataset()
    assert len(data.x_train) == before + 5
    assert data.y_train[-5:].tolist() == [1] * 5
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert len(window.ask.session.dataset().x_train) == before + 3
    path = tmp_path / "edited.nnstudio"
    assert window.save_as(path)
    reopened = load_project(path).project
    again = load_dataset(reopened.dataset)
    assert len(again.x_train) == before + 3
    np.testing.assert_allclose(
        again.points_train[-3:],
        [view_point(panel, plot_position(panel, *s)) for s in spots[:3]],
        atol=1e-6,
    )


def test_clicking_a_point_in_edit_mode_removes_it_and_reset_brings_the_generator_back(
    make_window, qtbot
):
    window, _trainer = ask_window(make_window, sparse_xor(), trained=False)
    show_boundary(window)
    panel = window.training.dashboard.boundary
    boundary = window.ask.boundary
    data = window.ask.session.dataset()
    target = data.points_train[7]
    boundary.edit_button.setChecked(True)
    pos = plot_position(panel, float(target[0]), float(target[1]))
    qtbot.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    after = window.ask.session.dataset()
    assert len(after.x_train) == len(data.x_train) - 1
    assert not any(np.array_equal(p, target) for p in after.points_train)
    assert boundary.reset_button.isEnabled()
    boundary.reset_button.click()
    assert window.document.project.dataset.points is None
    np.testing.assert_array_equal(window.ask.session.dataset().x_train, data.x_train)


def test_training_goes_on_with_points_added_while_it_runs(make_window, qtbot) -> None:
    window = make_window("xor_mlp")
    project = window.document.project
    project.training = project.training.replace(epochs=100000)
    controller = window.training.controller
    with qtbot.waitSignal(controller.run_prepared, timeout=30000):
        controller.start(project)

    def trainer_now():
        return controller.worker.session.trainer_of(controller.current_run)

    n_before = trainer_now().n_train
    show_boundary(window)
    boundary = window.ask.boundary
    boundary.edit_button.setChecked(True)
    for x in (0.1, 0.2, 0.3):
        boundary.add_point(x, 0.95)
    qtbot.waitUntil(lambda: trainer_now().n_train == n_before + 3, timeout=10000)
    assert controller.state == "running"
    with qtbot.waitSignal(controller.run_finished, timeout=10000):
        controller.stop()
    assert len(window.document.project.dataset.points) > 0
    # The run says what it trained on, so Train continues it on the edited data.
    assert controller.current_run.project.dataset == window.document.project.dataset
    assert controller.continues(window.document.project)


def test_table_form_shows_original_units_and_names_bad_values(make_window) -> None:
    from nnstudio.core.datasets import DatasetConfig
    from nnstudio.core.project import Project
    from nnstudio.core.templates import mlp

    graph = mlp([8], "tanh", "multiclass", "cross_entropy")
    [n for n in graph.nodes.values() if n.type == "linear"][-1].params["units"] = 3
    window, trainer = ask_window(make_window, Project(graph, DatasetConfig("iris")))
    window.ask.dock.raise_()
    QApplication.processEvents()
    panel = window.ask.panel
    page = panel.table_page
    assert panel.stack.currentWidget() is page
    page.picker.picked.emit(0)
    original = trainer.dataset.input_scaling.invert(trainer.dataset.x_test[:1])[0]
    assert [float(f.text()) for f in page.fields] == pytest.approx(original, rel=1e-5)
    expected = torch.softmax(trainer.predict(torch.as_tensor(trainer.dataset.x_test[:1])), 1)[0]
    np.testing.assert_allclose(panel.bars.probabilities, expected.numpy(), atol=1e-4)
    page.fields[2].setText("abc")
    page.fields[2].textEdited.emit("abc")
    assert "'petal length (cm)' is 'abc', not a number" in panel.message.text()
    page.fields[2].setText("")
    page.fields[2].textEdited.emit("")
    assert "is missing" in panel.message.text()


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # the popup
def test_a_text_column_is_one_list_of_its_categories(make_window, qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QComboBox, QLineEdit

    from nnstudio.core.datasets import inputs as enc
    from tests.data.colour_table import COLOURS, colour_project
    from tests.ui.editor_helpers import choose

    window, trainer = ask_window(make_window, colour_project(tmp_path))
    window.ask.dock.raise_()
    QApplication.processEvents()
    panel = window.ask.panel
    page = panel.table_page
    assert panel.stack.currentWidget() is page
    labels = [page.form.labelForField(f).text() for f in page.fields]
    assert labels == ["length", "width", "colour"]
    assert [type(f) for f in page.fields] == [QLineEdit, QLineEdit, QComboBox]
    combo = page.fields[2]
    assert [combo.itemText(i) for i in range(combo.count())] == list(COLOURS)
    # A test sample fills the form in the data's own terms: its colour by name.
    data = trainer.dataset
    page.picker.picked.emit(0)
    sample = enc.decode_table_rows(data, data.x_test[:1])[0]
    assert combo.currentText() == sample[2]
    assert [float(f.text()) for f in page.fields[:2]] == pytest.approx(sample[:2], rel=1e-5)

    def model_says(colour: str) -> np.ndarray:
        x = data.x_test[:1].copy()
        x[0, 2:] = [float(c == colour) for c in COLOURS]
        return torch.softmax(trainer.predict(torch.as_tensor(x)), 1)[0].numpy()

    np.testing.assert_allclose(panel.bars.probabilities, model_says(sample[2]), atol=1e-4)
    # Choosing another colour asks again: the bars show the model's answer for that row.
    other = next(c for c in COLOURS if c != sample[2])
    before = panel.bars.probabilities.copy()
    choose(qtbot, combo, other)  # opens the list and clicks the colour, as a user does
    np.testing.assert_allclose(panel.bars.probabilities, model_says(other), atol=1e-4)
    assert not np.allclose(panel.bars.probabilities, before)
    assert not panel.message.isVisible()


def test_sequence_box_shows_the_answer_and_attention(make_window, qtbot) -> None:
    window, trainer = ask_window(make_window, "transformer_copy")
    window.ask.dock.raise_()
    QApplication.processEvents()
    panel = window.ask.panel
    page = panel.sequence_page
    page.picker.picked.emit(2)
    sample = trainer.dataset.x_test[2]
    assert page.box.text() == " ".join(str(int(t)) for t in sample)
    expected = torch.softmax(trainer.predict(torch.as_tensor(sample[None])), 1)[0]
    np.testing.assert_allclose(panel.bars.probabilities, expected.numpy(), atol=1e-5)
    qtbot.waitUntil(lambda: panel.attention.isVisible() and bool(panel.attention.layers))
    page.box.setText("1 2 99")
    page.box.textEdited.emit("1 2 99")
    assert "has 3 steps, but the network reads 10" in panel.message.text()
    page.box.setText(" ".join(["99"] * 10))
    page.box.textEdited.emit("")
    assert "'99' is not a known token" in panel.message.text()
