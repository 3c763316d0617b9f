"""Issue 15 item 11: editing without rewiring, driven with the mouse."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from tests.ui.editor_helpers import node_pos, wire
from tests.ui.test_editor_canvas import drop_layer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")


def of_type(window, layer_type: str) -> list[str]:
    graph = window.document.graph
    return [n.id for n in graph.nodes.values() if n.type == layer_type]


def right_click(qtbot, window, at: QPoint) -> QMenu:
    """Right-click the canvas viewport at `at` and return the menu that pops up."""
    viewport = window.view.viewport()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at), Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(viewport, event)
    menu = window.scene.context_menu
    qtbot.waitUntil(menu.isVisible)
    return menu


def pick(menu: QMenu, *path: str) -> None:
    """Follow submenus by their titles, then trigger the last entry."""
    for title in path[:-1]:
        menu = next(a.menu() for a in menu.actions() if a.menu() and a.text() == title)
    action = next(a for a in menu.actions() if a.text() == path[-1])
    action.trigger()
    top = QApplication.activePopupWidget()
    if top is not None:
        top.close()


def edge_point(window, edge) -> QPoint:
    item = window.scene.edges[edge]
    return window.view.mapFromScene(item.path().pointAtPercent(0.5))


def test_change_layer_type_keeps_the_connections(qtbot, make_window):
    window = make_window("spiral_mlp")
    doc = window.document
    tanh = of_type(window, "tanh")[0]
    before = {(e.src.node, e.dst.node) for e in doc.graph.edges}
    menu = right_click(qtbot, window, node_pos(window, tanh))
    pick(menu, "Change Layer Type", "Activations", "ReLU")
    assert doc.graph.node(tanh).type == "relu"
    assert {(e.src.node, e.dst.node) for e in doc.graph.edges} == before
    assert doc.analysis.ok
    window.action_undo.trigger()
    assert doc.graph.node(tanh).type == "tanh"


def test_insert_a_layer_into_a_connection_from_the_menu_and_by_dropping(qtbot, make_window):
    window = make_window("spiral_mlp")
    doc = window.document
    edges = len(doc.graph.edges)
    edge = doc.graph.edges[1]
    menu = right_click(qtbot, window, edge_point(window, edge))
    pick(menu, "Insert Layer Here", "Regularization", "Dropout")
    (dropout,) = of_type(window, "dropout")
    assert len(doc.graph.edges) == edges + 1
    assert doc.graph.edge_into_port(dropout, "in").src.node == edge.src.node
    assert doc.analysis.ok

    edge = doc.graph.edges[0]
    drop_layer(window, "batchnorm", edge_point(window, edge))
    (norm,) = of_type(window, "batchnorm")
    assert doc.graph.edge_into_port(norm, "in").src.node == edge.src.node
    assert len(doc.graph.edges) == edges + 2
    window.action_undo.trigger()
    assert not of_type(window, "batchnorm") and len(doc.graph.edges) == edges + 1


def test_a_wire_into_a_taken_input_replaces_the_old_one(qtbot, make_window):
    window = make_window("spiral_mlp")
    doc = window.document
    graph = doc.graph
    inp = of_type(window, "input")[0]
    tanhs = of_type(window, "tanh")
    second_linear = graph.edge_into_port(tanhs[1], "in").src.node
    old_source = graph.edge_into_port(second_linear, "in").src.node
    count = doc.undo_stack.count()
    wire(qtbot, window, (inp, "out", False), (second_linear, "in", True))
    assert graph.edge_into_port(second_linear, "in").src.node == inp
    assert doc.undo_stack.count() == count + 1, "one undoable step"
    window.action_undo.trigger()
    assert graph.edge_into_port(second_linear, "in").src.node == old_source


def test_set_a_parameter_on_several_selected_nodes(qtbot, make_window):
    window = make_window("spiral_mlp")
    doc = window.document
    linears = of_type(window, "linear")[:2]
    window.scene.select_nodes(linears)
    bias = window.inspector.findChild(type(window.inspector.form.editors["bias"]), "param_bias")
    assert "2 Linear layers" in window.inspector.hint.text()
    bias.click()
    assert all(doc.graph.node(n).params["bias"] is False for n in linears)
    window.action_undo.trigger()
    assert all(doc.graph.node(n).params["bias"] is True for n in linears)


def test_clicking_a_node_brings_back_a_closed_inspector(qtbot, make_window):
    window = make_window("spiral_mlp")
    window.inspector_dock.close()
    tanh = of_type(window, "tanh")[0]
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=node_pos(window, tanh))
    qtbot.waitUntil(window.inspector_dock.isVisible)
    assert window.inspector.node_id == tanh
