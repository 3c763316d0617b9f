"""The Runs panel and Train Variants: started from the dialog, compared, renamed, deleted."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from nnstudio.core.project_files import load_project
from nnstudio.ui.threads import running_qthreads


@pytest.fixture
def window(make_window):
    win = make_window("xor_mlp")
    project = win.document.project
    project.training = project.training.replace(epochs=3)
    yield win
    win.training.controller.shutdown(3000)


def open_dialog(window, qtbot):
    window.training.actions.variants.trigger()
    dialog = window.training.variants_dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_three_variants_from_the_dialog_train_and_are_compared(qtbot, window, tmp_path):
    training = window.training
    dialog = open_dialog(window, qtbot)
    values = dialog.rows[0][1]
    qtbot.keyClicks(values, "0.003, 0.03, 0.3")
    assert "3 variants" in dialog.summary.text()
    with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    panel = training.runs_panel
    assert panel.model.rowCount() == 3
    assert [r.changes for r in window.document.runs.runs] == [
        {"Learning rate": "0.003"},
        {"Learning rate": "0.03"},
        {"Learning rate": "0.3"},
    ]
    assert all(r.status == "finished" for r in window.document.runs.runs)
    panel.redraw()
    assert panel.overlay.curve_count == 3
    drawn = [item for item in panel.overlay.loss_plot.listDataItems() if item.name()]
    assert len(drawn) == 3, "one labelled loss curve per run, in the legend"
    assert training.variants_view.tiles.keys() == {r.id for r in window.document.runs.runs}
    assert not running_qthreads()

    # Delete one (the Delete key on the table), then undo: it comes back in its place.
    second = window.document.runs.runs[1]
    panel.table.selectRow(1)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert panel.model.rowCount() == 2 and window.document.runs.get(second.id) is None
    panel.redraw()
    assert panel.overlay.curve_count == 2
    window.document.undo_stack.undo()
    assert panel.model.rowCount() == 3 and window.document.runs.runs[1] is second

    # Rename through the table, undoably; the file keeps every run.
    panel.model.setData(panel.model.index(0, 0), "slow")
    assert window.document.runs.runs[0].label == "slow"
    window.document.undo_stack.undo()
    assert window.document.runs.runs[0].label != "slow"
    assert window.save_as(tmp_path / "v.nnstudio")
    assert len(load_project(tmp_path / "v.nnstudio").runs.runs) == 3


def test_the_dialog_refuses_values_out_of_range_and_says_why(qtbot, window):
    dialog = open_dialog(window, qtbot)
    setting, values, note = dialog.rows[0]
    qtbot.keyClicks(values, "0.01, 500")
    assert not ok_button(dialog).isEnabled()
    assert "at most" in note.text() and "500" in note.text()
    values.clear()
    qtbot.keyClicks(values, "0.01")
    assert not ok_button(dialog).isEnabled(), "one value is nothing to compare"
    setting.setCurrentIndex(setting.findData("activation"))
    values.clear()
    qtbot.keyClicks(values, "relu, tanh")
    assert ok_button(dialog).isEnabled()
    dialog.reject()


def test_apply_settings_puts_a_run_back_in_one_undo_step(qtbot, window):
    training = window.training
    doc = window.document
    with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
        training.actions.train.trigger()
    first = doc.runs.current_run
    doc.project.training = doc.project.training.replace(learning_rate=0.5, seed=9)
    panel = training.runs_panel
    panel.table.selectRow(0)
    depth = doc.undo_stack.count()
    panel.buttons["apply"].click()
    assert doc.undo_stack.count() == depth + 1
    assert doc.project.training.to_dict() == first.project.training.to_dict()


def test_train_after_an_init_change_starts_a_new_run_and_keeps_the_old(qtbot, window):
    training = window.training
    doc = window.document
    with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
        training.actions.train.trigger()
    first = doc.runs.current_run
    assert first.weights is not None
    doc.project.training = doc.project.training.replace(initializer="zeros")
    with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
        training.actions.train.trigger()
    assert len(doc.runs.runs) == 2 and doc.runs.current_run is not first
    assert doc.runs.current_run.changes == {"Initializer": "Zeros"} or doc.runs.current_run.changes
    assert first.weights is not None and first.status == "finished"
    # Continue Training goes on with the same run, and its epochs count the whole run.
    second = doc.runs.current_run
    with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
        training.actions.continue_.trigger()
    assert doc.runs.current_run is second
    assert second.epochs_done == 6 and second.total_epochs == 6
    assert "6/6" in training.actions.progress.label.text() or second.steps_done > 0
