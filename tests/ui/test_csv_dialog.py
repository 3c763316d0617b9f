"""The Import CSV dialog, driven through its widgets, and its hook in the settings panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.ui.csv_import_dialog import CsvImportDialog
from tests.ui.editor_helpers import choose

# Combo popups make the offscreen platform say it cannot raise or grab; harmless here.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")

TABLE = """height,weight,city,kind
1.2,30,Rome,cat
1.5,45,Oslo,dog
1.1,28,Rome,cat
1.7,50,Lima,dog
1.3,33,Oslo,cat
1.6,48,Lima,dog
1.0,25,Rome,cat
1.8,55,Oslo,dog
"""


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "animals.csv"
    path.write_text(TABLE)
    return str(path)


def type_path(qtbot, dialog: CsvImportDialog, path: str) -> None:
    dialog.path_edit.setFocus()
    dialog.path_edit.selectAll()
    qtbot.keyClicks(dialog.path_edit, path)
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)


def feature_item(dialog: CsvImportDialog, name: str):
    for i in range(dialog.feature_list.count()):
        item = dialog.feature_list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == name:
            return item
    return None


@pytest.fixture
def dialog(qtbot):
    dialog = CsvImportDialog(DatasetConfig("spiral", train=0.7, val=0.1, test=0.2))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_choosing_a_file_shows_a_preview_and_default_roles(qtbot, dialog, csv_file):
    assert not dialog.ok_button.isEnabled()
    type_path(qtbot, dialog, csv_file)
    assert dialog.preview.rowCount() == 8 and dialog.preview.columnCount() == 4
    assert dialog.preview.horizontalHeaderItem(2).text() == "city"
    assert dialog.preview.item(1, 2).text() == "Oslo"
    assert dialog.target_combo.currentData() == "kind"
    assert dialog.task_combo.currentData() == "classification"
    assert dialog.feature_names() == ["height", "weight", "city"]
    assert "one-hot" in feature_item(dialog, "city").text()
    assert "2 classes" in dialog.status.text() and "5 inputs" in dialog.status.text()
    assert dialog.ok_button.isEnabled()


def test_widgets_set_target_task_features_and_normalization(qtbot, dialog, csv_file):
    type_path(qtbot, dialog, csv_file)
    choose(qtbot, dialog.target_combo, "weight")
    assert feature_item(dialog, "weight") is None and feature_item(dialog, "kind") is not None
    choose(qtbot, dialog.task_combo, "regression")
    feature_item(dialog, "city").setCheckState(Qt.CheckState.Unchecked)
    choose(qtbot, dialog.normalization_combo, "minmax")
    assert "a number to predict" in dialog.status.text()
    config = dialog.config()
    assert config.name == "csv" and (config.train, config.val, config.test) == (0.7, 0.1, 0.2)
    assert config.params["target"] == "weight" and config.params["task"] == "regression"
    assert config.params["features"] == "height,kind"
    assert config.params["normalization"] == "minmax"
    data = load_dataset(config)
    assert data.task == "regression"
    assert data.feature_names == ["height", "kind=cat", "kind=dog"]


def test_a_bad_choice_disables_ok_and_says_why(qtbot, dialog, csv_file):
    type_path(qtbot, dialog, csv_file)
    choose(qtbot, dialog.target_combo, "city")
    choose(qtbot, dialog.task_combo, "regression")
    assert not dialog.ok_button.isEnabled()
    assert "must be all numbers" in dialog.status.text()
    for name in ("height", "weight", "kind"):
        feature_item(dialog, name).setCheckState(Qt.CheckState.Unchecked)
    choose(qtbot, dialog.task_combo, "classification")
    assert "at least one feature" in dialog.status.text()
    assert not dialog.ok_button.isEnabled()


def test_an_unreadable_file_is_reported(qtbot, dialog, tmp_path):
    type_path(qtbot, dialog, str(tmp_path / "missing.csv"))
    assert "cannot be read" in dialog.status.text()
    assert dialog.preview.rowCount() == 0 and not dialog.ok_button.isEnabled()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    type_path(qtbot, dialog, str(bad))
    assert "Line 3" in dialog.status.text()


def test_reopening_starts_from_the_current_csv_settings(qtbot, csv_file):
    current = DatasetConfig("csv", {"path": csv_file, "target": "height", "task": "regression",
                                    "features": "weight", "normalization": "none"})  # fmt: skip
    dialog = CsvImportDialog(current)
    qtbot.addWidget(dialog)
    assert dialog.target_combo.currentData() == "height"
    assert dialog.task_combo.currentData() == "regression"
    assert dialog.feature_names() == ["weight"]
    assert dialog.normalization_combo.currentData() == "none"
    assert dialog.config() == DatasetConfig("csv", {**current.params, "delimiter": "auto",
                                                    "header": True, "max_categories": 20,
                                                    "seed": 0, "skip_lines": 0,
                                                    "bad_values": "refuse"})  # fmt: skip


def test_settings_panel_button_imports_with_undo(make_window, qtbot, csv_file):
    window = make_window("spiral_mlp")
    panel, doc = window.settings_panel, window.document
    qtbot.mouseClick(panel.import_csv_button, Qt.MouseButton.LeftButton)
    dialog = panel.csv_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    type_path(qtbot, dialog, csv_file)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.csv_dialog is None)
    assert doc.project.dataset.name == "csv"
    assert doc.project.dataset.params["path"] == csv_file
    assert panel.dataset_combo.currentData() == "csv"
    # The 2-output spiral network does not fit 5 inputs... its Input follows the file at once.
    assert doc.shape_context().input_shape == (5,)
    window.action_undo.trigger()
    assert doc.project.dataset.name == "spiral"


def test_cancel_changes_nothing(make_window, qtbot, csv_file):
    window = make_window("spiral_mlp")
    panel = window.settings_panel
    panel.open_csv_import()
    dialog = panel.csv_dialog
    type_path(qtbot, dialog, csv_file)
    dialog.reject()
    qtbot.waitUntil(lambda: panel.csv_dialog is None)
    assert window.document.project.dataset.name == "spiral"
    assert window.document.undo_stack.count() == 0
