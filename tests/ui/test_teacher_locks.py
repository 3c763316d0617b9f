"""Teacher mode: locked controls show a lock and the reason; unlocking is deliberate."""

from __future__ import annotations

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
