"""The experiment settings panel: dataset, split, extra inputs, optimizer and training knobs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QSpinBox

from nnstudio.core.datasets import DATASETS
from nnstudio.core.settings import TRAINING_PARAMS
from tests.ui.editor_helpers import choose

# Combo popups make the offscreen platform say it cannot raise or grab; harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")


def type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_every_declared_training_setting_has_an_editor(make_window):
    panel = make_window("spiral_mlp").settings_panel
    for spec in TRAINING_PARAMS:
        name = "device_combo" if spec.name == "device" else f"param_{spec.name}"
        assert panel.findChild(object, name) is not None, spec.name
    combo = panel.dataset_combo
    listed = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)]
    assert listed == DATASETS.names()
    assert panel.findChild(QSpinBox, "param_batch_size").specialValueText() == "Full batch"


def test_choose_dataset_then_undo(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc, panel = window.document, window.settings_panel
    choose(qtbot, panel.dataset_combo, "plane")
    assert doc.project.dataset.name == "plane"
    assert doc.is_modified() and "*" in window.display_title()
    # Issue 15 item 12: the Output's task and loss follow the data, in the same undo step
    output = doc.graph.nodes_of_role("output")[0]
    assert (output.params["task"], output.params["loss"]) == ("regression", "mse")
    assert doc.analysis.ok
    assert panel.dataset_form.findChild(QDoubleSpinBox, "param_noise") is not None
    window.action_undo.trigger()
    assert doc.project.dataset.name == "spiral"
    assert panel.dataset_combo.currentData() == "spiral"
    assert (output.params["task"], output.params["loss"]) == ("binary", "bce")
    assert doc.analysis.ok and not doc.is_modified()


def test_dataset_param_split_and_extra_inputs(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc, panel = window.document, window.settings_panel
    type_into(qtbot, panel.dataset_form.findChild(QDoubleSpinBox, "param_noise"), "0.3")
    assert doc.project.dataset.params["noise"] == 0.3
    type_into(qtbot, panel.split_val, "30")
    dataset = doc.project.dataset
    assert (dataset.train, dataset.val, dataset.test) == (0.5, 0.3, 0.2)
    assert panel.split_train.text().startswith("50 %")
    check = panel.findChild(QCheckBox, "feature_x1_sq")
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert doc.project.dataset.features == ("x1_sq",)
    first_edge = doc.graph.edges[0]
    assert window.scene.edges[first_edge].label == "(3)"  # the Input now has three features
    assert doc.undo_stack.count() == 3
    for _ in range(3):
        window.action_undo.trigger()
    assert doc.project.dataset.to_dict() == dataset.__class__("spiral").to_dict()


def test_split_cannot_leave_too_little_to_train(make_window, qtbot):
    window = make_window("spiral_mlp")
    panel = window.settings_panel
    type_into(qtbot, panel.split_test, "80")
    assert window.document.project.dataset.test == 0.2
    assert "at most 90 %" in window.status_text()
    assert panel.split_test.value() == 20


def test_optimizer_and_its_params_and_learning_rate(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc, panel = window.document, window.settings_panel
    choose(qtbot, panel.findChild(QComboBox, "param_optimizer"), "sgd")
    assert doc.project.training["optimizer"] == "sgd"
    form = panel.optimizer_params_form
    assert set(form.editors) == {"momentum", "nesterov"}
    type_into(qtbot, form.findChild(QDoubleSpinBox, "param_momentum"), "0.9")
    assert doc.project.training.optimizer_values("sgd")["momentum"] == 0.9
    lr = panel.findChild(QDoubleSpinBox, "param_learning_rate")
    type_into(qtbot, lr, "1e-3")
    assert doc.project.training["learning_rate"] == 0.001
    lr.setFocus()
    qtbot.keyClick(lr, Qt.Key.Key_Up)  # log-scale step: 0.001 -> 0.002
    assert doc.project.training["learning_rate"] == 0.002
    window.action_undo.trigger()
    window.action_undo.trigger()
    window.action_undo.trigger()
    assert doc.project.training.optimizer_params.get("sgd", {}).get("momentum", 0.0) == 0.0
    window.action_undo.trigger()
    assert doc.project.training["optimizer"] == "adam"
    assert set(panel.optimizer_params_form.editors) >= {"beta1", "beta2", "eps"}


def test_device_list_comes_from_torch_after_start(make_window, qtbot):
    from nnstudio.ui.device_probe import DeviceProbe

    window = make_window("spiral_mlp")
    panel = window.settings_panel
    probe = DeviceProbe(window)
    probe.found.connect(panel.set_devices)
    with qtbot.waitSignal(probe.found, timeout=60_000) as blocker:
        probe.start()
    probe.thread.join(timeout=10)
    devices = blocker.args[0]
    assert devices[:2] == [("auto", "Auto"), ("cpu", "CPU")]
    combo = panel.device_combo
    assert [combo.itemData(i) for i in range(combo.count())] == [d[0] for d in devices]


def test_choosing_a_device_and_a_missing_saved_device(make_window, qtbot):
    window = make_window("spiral_mlp")
    panel = window.settings_panel
    panel.set_devices([("auto", "Auto"), ("cpu", "CPU"), ("cuda:0", "CUDA 0: Test GPU")])
    choose(qtbot, panel.device_combo, "cuda:0")
    assert window.document.project.training["device"] == "cuda:0"
    panel.set_devices([("auto", "Auto"), ("cpu", "CPU")])
    assert "not available" in panel.device_combo.currentText()


def test_preview_draws_train_filled_and_test_hollow(make_window, qtbot):
    window = make_window("spiral_mlp")
    preview = window.settings_panel.preview
    preview.ensure_plot()
    preview.refresh()
    assert preview.counts == {"train": 360, "val": 120, "test": 120}
    train = preview._items["train"].data
    test = preview._items["test"].data
    assert len(train) == 360 and len(test) == 120
    assert train["brush"][0].color() != test["brush"][0].color()
    assert test["brush"][0].color().name() == "#ffffff"  # hollow: white fill, coloured ring
    choose(qtbot, window.settings_panel.dataset_combo, "circle")
    preview.refresh()
    assert preview.counts["train"] == 360
    assert "train 360" in preview.legend.text()


def test_learning_rate_of_100_is_allowed_and_1000_says_why_not(make_window, qtbot):
    """Issue 15 item 7: a lesson may diverge on purpose; beyond the cap the field says so."""
    window = make_window("spiral_mlp")
    window.show()
    doc, panel = window.document, window.settings_panel
    box = panel.findChild(QDoubleSpinBox, "param_learning_rate")
    type_into(qtbot, box, "100")
    assert doc.project.training["learning_rate"] == 100
    type_into(qtbot, box, "1000")
    assert doc.project.training["learning_rate"] == 100  # not committed, not clamped
    assert box.text() == "1000"
    note = panel.findChild(QLabel, "note_learning_rate")
    assert note.isVisible() and "1e-06 to 100" in note.text()


def test_three_classes_make_the_output_multiclass_with_cross_entropy(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc, panel = window.document, window.settings_panel
    choose(qtbot, panel.dataset_combo, "iris")
    output = doc.graph.nodes_of_role("output")[0]
    assert (output.params["task"], output.params["loss"]) == ("multiclass", "cross_entropy")
    # Changing the task by hand picks a loss that fits it.
    window.scene.select_nodes([output.id])
    task = window.inspector.findChild(QComboBox, "param_task")
    choose(qtbot, task, "regression")
    assert (output.params["task"], output.params["loss"]) == ("regression", "mse")
    window.action_undo.trigger()
    assert (output.params["task"], output.params["loss"]) == ("multiclass", "cross_entropy")
