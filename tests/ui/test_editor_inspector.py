"""The inspector and the Problems list, driven with clicks and typing."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QSpinBox

from nnstudio.ui.commands import AddNodeCommand, SetParamCommand
from nnstudio.ui.inspector import HINT
from tests.ui.editor_helpers import node_pos


def select_by_click(qtbot, window, node_id: str) -> None:
    qtbot.mouseClick(
        window.view.viewport(), Qt.MouseButton.LeftButton, pos=node_pos(window, node_id)
    )
    assert window.scene.selected_node_ids() == [node_id]


def type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def first_of(window, layer_type: str) -> str:
    return next(n.id for n in window.document.graph.nodes.values() if n.type == layer_type)


def test_hint_when_nothing_or_several_selected(make_window):
    window = make_window("spiral_mlp")
    inspector = window.inspector
    assert inspector.hint.isVisible() and inspector.hint.text() == HINT
    assert inspector.form is None
    window.scene.select_nodes(list(window.document.graph.nodes)[:2])
    assert inspector.hint.text() == "2 nodes selected." and inspector.form is None


def test_edit_units_by_typing_then_undo_redo(make_window, qtbot):
    window = make_window("spiral_mlp")
    graph = window.document.graph
    linear = first_of(window, "linear")
    select_by_click(qtbot, window, linear)
    assert window.inspector_dock.isVisible()
    box = window.inspector.findChild(QSpinBox, "param_units")
    assert box is not None and box.value() == 16
    assert "1 to 65536" in box.toolTip()
    assert "neurons" in box.toolTip()
    type_into(qtbot, box, "32")
    assert graph.nodes[linear].params["units"] == 32
    assert window.scene.nodes[linear].title == "Linear · 32"
    labels = [window.scene.edges[e].label for e in graph.edges]
    assert labels[1] == "(32)"  # shape inference re-ran at once
    assert "32" in window.inspector.shapes.text()
    window.action_undo.trigger()
    assert graph.nodes[linear].params["units"] == 16 and box.value() == 16
    window.action_redo.trigger()
    assert graph.nodes[linear].params["units"] == 32 and box.value() == 32


def shown(label: QLabel) -> bool:
    """Shown in its form (the Inspector's dock may sit behind another tab)."""
    return label.isVisibleTo(label.parentWidget())


def test_out_of_range_values_say_what_is_allowed_and_stay_visible(make_window, qtbot):
    """Issue 15 item 7: no silent revert or clamp; the field says the range until fixed."""
    window = make_window("spiral_mlp")
    doc = window.document
    doc.push(AddNodeCommand(doc, "dropout", (0.0, 200.0)))
    dropout = first_of(window, "dropout")
    linear = first_of(window, "linear")
    depth = doc.undo_stack.count()

    select_by_click(qtbot, window, linear)
    units = window.inspector.findChild(QSpinBox, "param_units")
    note = window.inspector.findChild(QLabel, "note_units")
    type_into(qtbot, units, "0")  # below the minimum of 1
    assert doc.graph.nodes[linear].params["units"] == 16
    assert doc.undo_stack.count() == depth
    assert units.text() == "0"  # what the user typed is still there
    assert shown(note) and "1 to 65536" in note.text()
    assert "1 to 65536" in units.toolTip()
    type_into(qtbot, units, "1000000000")  # 10^9 units: too many, said so, not clamped
    assert units.value() == 10**9 and "too large" in note.text()
    assert doc.graph.nodes[linear].params["units"] == 16
    type_into(qtbot, units, "64")  # fixed: committed, the note goes away
    assert doc.graph.nodes[linear].params["units"] == 64
    assert not shown(note) and "65536" in units.toolTip()

    window.scene.select_nodes([dropout])
    rate = window.inspector.findChild(QDoubleSpinBox, "param_p")
    p_note = window.inspector.findChild(QLabel, "note_p")
    type_into(qtbot, rate, "-0.5")
    assert doc.graph.nodes[dropout].params["p"] == 0.5
    assert rate.text() == "-0.5" and shown(p_note) and "at least 0" in p_note.text()
    assert doc.undo_stack.count() == depth + 1  # only the units edit
    type_into(qtbot, rate, "0.25")
    assert doc.graph.nodes[dropout].params["p"] == 0.25 and not shown(p_note)


def test_checkbox_and_choice_edits(make_window, qtbot):
    window = make_window("spiral_mlp")
    graph = window.document.graph
    linear = first_of(window, "linear")
    window.scene.select_nodes([linear])
    bias = window.inspector.findChild(QCheckBox, "param_bias")
    count = window.document.analysis.param_counts[linear]
    qtbot.mouseClick(bias, Qt.MouseButton.LeftButton, pos=QPoint(8, bias.height() // 2))
    assert graph.nodes[linear].params["bias"] is False
    assert window.document.analysis.param_counts[linear] == count - 16

    output = first_of(window, "output")
    window.scene.select_nodes([output])
    task = window.inspector.findChild(QComboBox, "param_task")
    assert [task.itemData(i) for i in range(task.count())] == [
        "binary",
        "multiclass",
        "regression",
    ]
    task.setFocus()
    qtbot.keyClick(task, Qt.Key.Key_Down)
    assert graph.nodes[output].params["task"] == "multiclass"
    assert "Output · Multi-class" in window.scene.nodes[output].title


def test_inspector_shows_node_problems_and_problems_list_selects(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc = window.document
    last_linear = [n.id for n in doc.graph.nodes.values() if n.type == "linear"][-1]
    output = first_of(window, "output")
    doc.push(SetParamCommand(doc, last_linear, "units", 4))
    problems = window.problems
    row = next(i for i in range(problems.count()) if "needs 1 value" in problems.item(i).text())
    rect = problems.visualItemRect(problems.item(row))
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.scene.selected_node_ids() == [output]
    assert window.inspector.node_id == output
    assert "needs 1 value" in window.inspector.problems.text()
    assert window.inspector.problems.isVisible()


def test_removing_the_shown_node_clears_the_inspector(make_window):
    window = make_window("spiral_mlp")
    node = first_of(window, "tanh")
    window.scene.select_nodes([node])
    assert window.inspector.node_id == node
    window.action_delete.trigger()
    assert window.inspector.node_id is None and window.inspector.hint.isVisible()
