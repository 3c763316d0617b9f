"""The main window: title and unsaved marks, files, templates, locking, docks, names."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QListWidget,
    QToolBar,
    QTreeWidget,
    QWidget,
)

from nnstudio.core.project import Project, project_to_dict, save_project_json
from nnstudio.core.templates import TEMPLATES
from nnstudio.ui import settings_store
from nnstudio.ui.commands import AddNodeCommand


def test_title_marks_unsaved_changes_from_the_undo_stack(make_window):
    window = make_window("spiral_mlp")
    assert window.display_title() == "Spiral MLP — NN Studio"
    window.document.push(AddNodeCommand(window.document, "relu", (0.0, 300.0)))
    assert window.display_title() == "Spiral MLP* — NN Studio"
    assert window.isWindowModified()
    window.action_undo.trigger()
    assert window.display_title() == "Spiral MLP — NN Studio"
    assert "Add ReLU" in window.action_redo.text()


def test_save_then_open_round_trip(make_window, tmp_path):
    window = make_window("residual_mlp")
    window.document.push(AddNodeCommand(window.document, "dropout", (0.0, 300.0)))
    path = tmp_path / "net.nnstudio"
    assert window.save_as(path)
    assert path.is_file()
    assert window.display_title() == "net.nnstudio — NN Studio"
    assert str(path.resolve()) in settings_store.recent_files()
    other = make_window(Project())
    assert other.open_file(path)
    assert other.document.graph.to_dict() == window.document.graph.to_dict()
    assert project_to_dict(other.document.project) == project_to_dict(window.document.project)
    assert other.display_title() == "net.nnstudio — NN Studio"
    assert other.document.undo_stack.count() == 0
    window.recent_menu.aboutToShow.emit()
    assert "net.nnstudio" in [a.text() for a in window.recent_menu.actions()]


def test_plain_json_projects_open_as_imports(make_window, tmp_path):
    path = tmp_path / "old.json"
    save_project_json(TEMPLATES.get("xor_mlp").build(), path)
    window = make_window(Project())
    assert window.open_file(path)
    assert window.document.project.dataset.name == "xor"
    from nnstudio.ui import project_io

    assert not project_io.is_native(window.document.path)  # Save will ask for a .nnstudio name


def test_broken_file_shows_error_and_keeps_document(make_window, tmp_path):
    window = make_window("spiral_mlp")
    window.document.push(AddNodeCommand(window.document, "relu", (0.0, 300.0)))
    before = project_to_dict(window.document.project)
    depth = window.document.undo_stack.count()
    bad = tmp_path / "broken.nnstudio"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert not window.open_file(bad)
    assert window.errors and window.errors[0][0] == "Cannot open project"
    assert project_to_dict(window.document.project) == before
    assert window.document.undo_stack.count() == depth
    assert window.document.is_modified()


def test_failed_save_says_so_and_stays_dirty(make_window, tmp_path):
    window = make_window("spiral_mlp")
    window.document.push(AddNodeCommand(window.document, "relu", (0.0, 300.0)))
    assert not window.save_as(tmp_path / "missing-folder" / "x.nnstudio")
    assert window.errors and "could not be saved" in window.errors[0][1]
    assert window.document.is_modified()


@pytest.mark.parametrize("name", TEMPLATES.names())
def test_templates_open_valid_and_clean(make_window, name):
    window = make_window(Project())
    window.template_actions[name].trigger()
    doc = window.document
    assert doc.analysis.ok, doc.analysis.errors
    assert not doc.is_modified() and doc.undo_stack.count() == 0
    assert set(window.scene.nodes) == set(doc.graph.nodes)
    assert all(item.label for item in window.scene.edges.values())
    assert window.problems_label.text() == "✓ Ready to train"


def test_replacing_a_modified_project_asks_first(make_window):
    window = make_window("spiral_mlp")
    window.document.push(AddNodeCommand(window.document, "relu", (0.0, 300.0)))
    window.ask_unsaved = lambda: "cancel"
    window.action_new.trigger()
    assert len(window.document.graph.nodes) == 8
    window.ask_unsaved = lambda: "discard"
    window.action_new.trigger()
    assert window.document.graph.nodes == {} and not window.document.is_modified()


def test_editing_lock_blocks_every_edit(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc = window.document
    doc.push(AddNodeCommand(doc, "relu", (0.0, 300.0)))
    before = project_to_dict(doc.project)
    window.set_editing_locked(True)
    assert not window.palette.isEnabled()
    assert not window.settings_panel.widget().isEnabled()
    assert not window.action_undo.isEnabled() and not window.action_delete.isEnabled()
    assert not window.action_new.isEnabled() and not window.templates_menu.isEnabled()
    window.scene.select_all()
    window.action_delete.trigger()
    window.action_undo.trigger()
    window.delete_selection()
    window.undo()
    assert window.scene.add_node_at("linear", window.view.center_scene_pos()) is None
    node = next(iter(window.scene.nodes.values()))
    assert not node.flags() & node.GraphicsItemFlag.ItemIsMovable
    window.scene.select_nodes([next(iter(doc.graph.nodes))])
    assert window.inspector.form is None or not window.inspector.form.isEnabled()
    assert project_to_dict(doc.project) == before
    window.set_editing_locked(False)
    assert window.action_undo.isEnabled() and window.palette.isEnabled()
    window.action_undo.trigger()
    assert len(doc.graph.nodes) == 7


def test_panel_dock_and_training_toolbar_hooks(make_window):
    window = make_window(Project())
    assert isinstance(window.training_toolbar, QToolBar)
    assert window.training_toolbar.objectName() == "training_toolbar"
    panel = QLabel("loss")
    panel.setObjectName("loss_panel")
    dock = window.add_panel_dock(panel, "Loss", Qt.DockWidgetArea.BottomDockWidgetArea)
    assert dock.objectName() == "loss_panel_dock" and dock.widget() is panel
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    toggles = [a.objectName() for a in window.panels_menu.actions()]
    assert "toggle_loss_panel_dock" in toggles


def test_layout_is_remembered_in_the_test_settings_folder(make_window, isolated_settings):
    window = make_window(Project())
    window.problems_dock.hide()
    window.close()
    ini = Path(isolated_settings) / "nnstudio.ini"
    assert ini.is_file() and "geometry" in ini.read_text()
    again = make_window(Project())
    again.restore_layout()
    assert not again.problems_dock.isVisible()


def test_shortcuts_follow_platform_conventions(make_window):
    window = make_window(Project())
    assert window.action_undo.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert window.action_save.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert window.action_open.shortcut().toString() == "Ctrl+O"
    assert window.action_new.shortcut().toString() == "Ctrl+N"
    assert window.action_save_as.shortcut().toString() == "Ctrl+Shift+S"
    assert window.action_quit.shortcut().toString() == "Ctrl+Q"
    from nnstudio.ui.help_dialogs import ShortcutsDialog

    actions = [*window.actions(), *window.view.actions()]
    dialog = ShortcutsDialog(actions, window)
    rows = [
        (dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text())
        for r in range(dialog.table.rowCount())
    ]
    assert ("Ctrl+Z", "Undo") in rows and ("F", "Fit to View") in rows
    dialog.deleteLater()


def test_interactive_widgets_have_object_names(make_window):
    window = make_window("spiral_mlp")
    window.scene.select_nodes([next(iter(window.document.graph.nodes))])
    kinds = (
        QAbstractButton,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QTreeWidget,
        QListWidget,
        QDockWidget,
        QToolBar,
    )
    unnamed = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, kinds):
            continue
        parent = widget.parentWidget()
        if isinstance(parent, (QAbstractSpinBox, QComboBox, QDockWidget, QToolBar, QLineEdit)):
            continue  # Qt's own parts of a compound widget
        if widget.__class__.__name__ in ("QToolButton",) and isinstance(parent, QToolBar):
            continue
        if not widget.objectName():
            unnamed.append(
                f"{type(widget).__name__} in {type(parent).__name__} {parent.objectName()!r}"
            )
    assert unnamed == []
