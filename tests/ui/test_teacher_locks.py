"""Teacher mode: locked controls show a lock and the reason; unlocking is deliberate."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QPushButton

from nnstudio.core.locks import Locks
from nnstudio.core.templates import TEMPLATES

REASON = "Today we study the learning rate only."


def locked_window(make_window):
    project = TEMPLATES.get("xor_mlp").build()
    project.locks = Locks(frozenset({"learning_rate"}), network=True, reason=REASON)
    return make_window(project)


def test_only_the_allowed_setting_stays_editable_and_the_reason_shows(make_window):
    window = locked_window(make_window)
    form = window.settings_panel.training_form
    assert form.editors["learning_rate"].isEnabled()
    batch = form.editors["batch_size"]
    assert not batch.isEnabled()
    assert REASON in batch.toolTip()
    assert form.layout_.labelForField(batch).text().endswith("(locked)")
    assert not window.settings_panel.optimizer_form.editors["optimizer"].isEnabled()
    banner = window.teacher_locks.banner
    assert banner.isVisible() and REASON in window.teacher_locks.banner_text.text()
    assert "other than Learning rate" in window.teacher_locks.banner_text.text()
    nodes = set(window.document.graph.nodes)
    assert window.add_layer_at_centre("relu") is None
    assert set(window.document.graph.nodes) == nodes, "a locked network took a new layer"
    assert not window.palette.isEnabled()


def test_unlocking_asks_first_and_can_be_undone(make_window):
    window = locked_window(make_window)
    locks = window.teacher_locks
    locks.confirm = lambda: False
    assert not locks.ask_unlock()
    assert window.document.project.locks is not None
    locks.confirm = lambda: True
    assert locks.ask_unlock()
    assert window.document.project.locks is None
    assert window.settings_panel.training_form.editors["batch_size"].isEnabled()
    assert not locks.banner.isVisible() and window.palette.isEnabled()
    assert window.add_layer_at_centre("relu") is not None
    window.document.undo_stack.undo()  # the new layer
    window.document.undo_stack.undo()  # the unlock
    assert window.document.project.locks is not None
    assert not window.settings_panel.training_form.editors["batch_size"].isEnabled()


ONLY_RATE = "Today we study the learning rate only."


def _visible_settings(window) -> set[str]:
    """Every setting row a student can see in the Experiment panel right now."""
    panel = window.settings_panel
    seen = set()
    for form in (panel.optimizer_form, panel.training_form, panel.optimizer_params_form):
        seen |= {n for n, e in form.editors.items() if e.isVisibleTo(panel)}
    if panel.device_combo.isVisibleTo(panel):
        seen.add("device")
    if panel.dataset_combo.isVisibleTo(panel):
        seen.add("dataset")
    return seen


def hidden_window(make_window):
    project = TEMPLATES.get("xor_mlp").build()
    project.locks = Locks(
        frozenset({"learning_rate"}),
        network=True,
        dataset=True,
        reason=ONLY_RATE,
        visible=frozenset({"learning_rate"}),
        hidden_layers=frozenset({"lstm", "gru"}),
    )
    return make_window(project)


def test_a_project_that_hides_all_but_the_rate_shows_only_that_control(make_window):
    window = hidden_window(make_window)
    assert _visible_settings(window) == {"learning_rate"}
    assert window.settings_panel.training_form.editors["learning_rate"].isEnabled()
    assert "lstm" not in window.palette.visible_layers()
    assert "linear" in window.palette.visible_layers()
    window.palette.search.setText("lstm")  # a search does not bring a hidden layer back
    assert window.palette.visible_layers() == []
    window.palette.search.setText("")
    note = window.palette.hidden_note
    assert note.isVisible() and "2 layers hidden by your teacher" in note.text()
    banner = window.teacher_locks.banner_text.text()
    assert "Hidden by your teacher:" in banner
    assert "Batch size" in banner and "the Data settings" in banner and "LSTM" in banner
    assert ONLY_RATE in banner and window.teacher_locks.banner.isVisible()


def test_hiding_survives_save_and_reopen_and_unlock_restores_it(make_window, tmp_path):
    window = hidden_window(make_window)
    path = tmp_path / "class.nnstudio"
    assert window.save_as(path)
    window.teacher_locks.confirm = lambda: True
    assert window.teacher_locks.ask_unlock()
    assert "batch_size" in _visible_settings(window)
    assert window.open_file(path)
    assert _visible_settings(window) == {"learning_rate"}
    assert window.document.project.locks.hidden_layers == {"lstm", "gru"}
    assert window.teacher_locks.ask_unlock()
    shown = _visible_settings(window)
    assert {"learning_rate", "batch_size", "epochs", "optimizer", "device", "dataset"} <= shown
    assert "lstm" in window.palette.visible_layers()
    assert not window.palette.hidden_note.isVisible()
    assert not window.teacher_locks.banner.isVisible()
    window.document.undo_stack.undo()  # the unlock: hidden again
    assert _visible_settings(window) == {"learning_rate"}


def test_the_only_the_learning_rate_preset_hides_and_locks_the_rest(make_window):
    window = make_window("xor_mlp")
    assert "batch_size" in _visible_settings(window)
    window.findChild(QAction, "action_teacher_only_rate").trigger()
    assert _visible_settings(window) == {"learning_rate"}
    assert not window.palette.isEnabled()
    assert window.add_layer_at_centre("relu") is None
    window.document.undo_stack.undo()
    assert "batch_size" in _visible_settings(window)
    assert window.document.project.locks is None


def test_hidden_layers_leave_the_canvas_menus_and_cannot_be_added(make_window):
    from PySide6.QtCore import QPointF

    from nnstudio.ui.graph.context_menu import build_menu

    project = TEMPLATES.get("xor_mlp").build()
    project.locks = Locks(hidden_layers=frozenset({"lstm", "relu"}))  # the network stays free
    window = make_window(project)
    menu = build_menu(window.scene, window, QPointF(0, 0), None, None)
    add = next(a.menu() for a in menu.actions() if a.menu() and a.text() == "Add Layer Here")
    offered = {a.objectName() for sub in add.findChildren(QMenu) for a in sub.actions()}
    assert "layer_linear" in offered
    assert not {"layer_lstm", "layer_relu"} & offered
    assert window.add_layer_at_centre("relu") is None
    assert window.add_layer_at_centre("tanh") is not None


def test_the_teacher_dialog_writes_the_only_the_rate_preset(make_window):
    window = make_window("xor_mlp")
    teacher = window.teacher_locks
    seen = []

    def press_preset(dialog):
        seen.append(dialog)
        dialog.findChild(QPushButton, "teacher_only_rate").click()
        return True

    teacher.run_dialog = press_preset
    assert teacher.choose_locks()
    locks = window.document.project.locks
    assert locks.visible == {"learning_rate"} and locks.editable == {"learning_rate"}
    assert locks.network and locks.dataset and locks.reason
    assert _visible_settings(window) == {"learning_rate"}
    # Changing existing locks asks first, like Unlock; the dialog starts from them.
    teacher.confirm = lambda: False
    assert not teacher.choose_locks() and len(seen) == 1
    teacher.confirm = lambda: True

    def show_all(dialog):
        assert dialog.choices["batch_size"].currentData() == "hide"
        for name in dialog.choices:
            dialog.set_choice(name, "show")
        dialog.network.setChecked(False)
        return True

    teacher.run_dialog = show_all
    assert teacher.choose_locks()
    assert window.document.project.locks is None
    assert "batch_size" in _visible_settings(window)
