"""The canvas driven like a user: drops from the palette, wires drawn with the mouse, drags,
deletes, copy and paste, with every change checked on the graph model and through undo."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from nnstudio.core.project import Project
from tests.ui.editor_helpers import mouse_drag, node_pos, wire


def drop_layer(window, layer: str, at: QPoint) -> None:
    """Send the drag-enter / drag-move / drop sequence a real drag from the palette makes."""
    mime = window.palette.mime_data_for(layer)
    viewport = window.view.viewport()
    action = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at, action, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(at, action, mime, buttons, mods)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    drop = QDropEvent(QPointF(at), action, mime, buttons, mods)
    QApplication.sendEvent(viewport, drop)


def test_drop_from_palette_adds_node_at_drop_point_and_undo_redo(make_window):
    window = make_window(Project())
    graph = window.document.graph
    at = QPoint(300, 250)
    drop_layer(window, "linear", at)
    assert [n.type for n in graph.nodes.values()] == ["linear"]
    node = next(iter(graph.nodes.values()))
    expected = window.view.mapToScene(at)
    assert abs(node.pos[0] - expected.x()) <= 1 and abs(node.pos[1] - expected.y()) <= 1
    assert node.id in window.scene.nodes
    node_id = node.id
    window.action_undo.trigger()
    assert graph.nodes == {}
    assert window.scene.nodes == {}
    window.action_redo.trigger()
    assert list(graph.nodes) == [node_id]
    assert window.scene.nodes[node_id].pos() == QPointF(*graph.nodes[node_id].pos)


def test_drop_of_foreign_data_is_refused(make_window):
    from PySide6.QtCore import QMimeData

    window = make_window(Project())
    mime = QMimeData()
    mime.setText("linear")
    event = QDragEnterEvent(
        QPoint(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window.view.viewport(), event)
    assert not event.isAccepted()


def test_palette_double_click_adds_at_view_centre(make_window, qtbot):
    window = make_window(Project())
    item = window.palette.items["relu"]
    rect = window.palette.tree.visualItemRect(item)
    viewport = window.palette.tree.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.document.graph.nodes == {}  # a single click only selects
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    nodes = list(window.document.graph.nodes.values())
    assert [n.type for n in nodes] == ["relu"]
    centre = window.view.center_scene_pos()
    assert abs(nodes[0].pos[0] - centre.x()) <= 1 and abs(nodes[0].pos[1] - centre.y()) <= 1


def test_palette_search_filters_and_tooltips_hold_help(make_window, qtbot):
    window = make_window(Project())
    palette = window.palette
    qtbot.keyClicks(palette.search, "squash")
    visible = palette.visible_layers()
    assert "sigmoid" in visible and "tanh" in visible and "linear" not in visible
    palette.search.clear()
    assert "linear" in palette.visible_layers()
    assert "weighted sum" in palette.items["linear"].toolTip(0)


def _two_nodes(window):
    doc = window.document
    graph = doc.graph
    from nnstudio.ui.commands import AddNodeCommand

    doc.push(AddNodeCommand(doc, "input", (-150.0, 0.0)))
    doc.push(AddNodeCommand(doc, "linear", (150.0, 40.0), {"units": 16}))
    ids = list(graph.nodes)
    window.view.fit_to_view()
    return ids


def test_connect_ports_with_mouse_then_undo_redo(make_window, qtbot):
    window = make_window(Project())
    src, dst = _two_nodes(window)
    graph = window.document.graph
    wire(qtbot, window, (src, "out", False), (dst, "in", True))
    assert [(e.src.node, e.src.port, e.dst.node, e.dst.port) for e in graph.edges] == [
        (src, "out", dst, "in")
    ]
    edge = graph.edges[0]
    assert window.scene.edges[edge].label == "(2)"  # spiral: two input features
    assert "Connected" in window.status_text()
    window.action_undo.trigger()
    assert graph.edges == [] and window.scene.edges == {}
    window.action_redo.trigger()
    assert graph.edges == [edge] and edge in window.scene.edges


def test_connect_backwards_from_input_port_works_too(make_window, qtbot):
    window = make_window(Project())
    src, dst = _two_nodes(window)
    wire(qtbot, window, (dst, "in", True), (src, "out", False))
    assert len(window.document.graph.edges) == 1


def test_refused_connections_leave_model_unchanged_and_say_why(make_window, qtbot):
    from nnstudio.core.graph import Edge
    from nnstudio.ui.commands import AddNodeCommand, ConnectCommand

    window = make_window("spiral_mlp")
    doc, graph = window.document, window.document.graph
    ids = list(graph.nodes)
    first_linear, last_linear = ids[1], ids[5]
    doc.push(AddNodeCommand(doc, "linear", (600.0, 250.0)))
    extra = list(graph.nodes)[-1]
    doc.push(ConnectCommand(doc, Edge.of(last_linear, "out", extra, "in")))
    window.view.fit_to_view()
    before, depth = graph.to_dict(), doc.undo_stack.count()

    def drag(a, b):
        wire(qtbot, window, a, b)
        assert graph.to_dict() == before and doc.undo_stack.count() == depth
        return window.status_text()

    assert "cannot feed itself" in drag((extra, "out", False), (extra, "in", True))
    assert "already takes its input" in drag((ids[0], "out", False), (first_linear, "in", True))
    assert "Both ends are outputs" in drag((ids[0], "out", False), (extra, "out", False))


def test_cycle_and_type_mismatch_are_refused(make_window, qtbot):
    from nnstudio.core.graph import Edge
    from nnstudio.ui.commands import AddNodeCommand, ConnectCommand

    window = make_window(Project())
    doc, graph = window.document, window.document.graph
    doc.push(AddNodeCommand(doc, "input", (-300.0, 0.0)))
    doc.push(AddNodeCommand(doc, "relu", (0.0, 0.0)))
    doc.push(AddNodeCommand(doc, "add", (300.0, 0.0)))
    doc.push(AddNodeCommand(doc, "conv2d", (300.0, 200.0)))
    inp, relu, add, conv = list(graph.nodes)
    doc.push(ConnectCommand(doc, Edge.of(inp, "out", relu, "in")))
    doc.push(ConnectCommand(doc, Edge.of(relu, "out", add, "a")))
    window.view.fit_to_view()
    before, depth = graph.to_dict(), doc.undo_stack.count()
    wire(qtbot, window, (add, "out", False), (relu, "in", True))
    assert graph.to_dict() == before and doc.undo_stack.count() == depth
    assert "already takes" in window.status_text() or "loop" in window.status_text()
    # Add's free input B from Add itself would be a loop
    wire(qtbot, window, (add, "out", False), (add, "b", True))
    assert graph.to_dict() == before
    assert "cannot feed itself" in window.status_text()
    # a flat (2) tensor into a Conv2d, which needs an image
    wire(qtbot, window, (relu, "out", False), (conv, "in", True))
    assert graph.to_dict() == before and doc.undo_stack.count() == depth
    assert "image" in window.status_text()


def test_node_drag_is_one_move_command(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc = window.document
    node_id = list(doc.graph.nodes)[2]
    old = doc.graph.nodes[node_id].pos
    start = node_pos(window, node_id)
    mouse_drag(qtbot, window.view.viewport(), start, start + QPoint(40, 60), steps=6)
    new = doc.graph.nodes[node_id].pos
    assert new != old
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.command(0).text().startswith("Move")
    window.action_undo.trigger()
    assert doc.graph.nodes[node_id].pos == old
    assert window.scene.nodes[node_id].pos() == QPointF(*old)
    window.action_redo.trigger()
    assert doc.graph.nodes[node_id].pos == new


def test_delete_key_removes_selection_and_undo_restores_exactly(make_window, qtbot):
    window = make_window("residual_mlp")
    doc = window.document
    before = doc.graph.to_dict()
    add = next(n.id for n in doc.graph.nodes.values() if n.type == "add")
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=node_pos(window, add))
    assert window.scene.selected_node_ids() == [add]
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert add not in doc.graph.nodes
    assert all(add not in (e.src.node, e.dst.node) for e in doc.graph.edges)
    assert len(doc.graph.edges) == len(before["edges"]) - 3
    window.action_undo.trigger()
    assert doc.graph.to_dict() == before
    assert set(window.scene.nodes) == set(doc.graph.nodes)
    assert set(window.scene.edges) == set(doc.graph.edges)


def test_delete_a_selected_edge(make_window, qtbot):
    window = make_window("spiral_mlp")
    doc = window.document
    edge = doc.graph.edges[0]
    window.scene.edges[edge].setSelected(True)
    window.action_delete.trigger()
    assert edge not in doc.graph.edges and len(doc.graph.nodes) == 7
    window.action_undo.trigger()
    assert doc.graph.edges[0] == edge


def test_copy_paste_makes_new_ids_with_offset(make_window, qtbot):
    window = make_window("spiral_mlp")
    graph = window.document.graph
    original = graph.to_dict()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.scene.selected_node_ids()) == 7
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(graph.nodes) == 14 and len(graph.edges) == 12
    new_ids = window.scene.selected_node_ids()
    assert len(new_ids) == 7 and not set(new_ids) & {n["id"] for n in original["nodes"]}
    for old, new_id in zip(original["nodes"], new_ids, strict=True):
        node = graph.nodes[new_id]
        assert node.type == old["type"] and node.params == old["params"]
        assert node.pos[0] > old["pos"][0] and node.pos[1] > old["pos"][1]
    window.action_undo.trigger()
    assert graph.to_dict() == original


def test_cut_is_one_undo_step(make_window):
    window = make_window("spiral_mlp")
    graph = window.document.graph
    original = graph.to_dict()
    window.scene.select_nodes([list(graph.nodes)[3]])
    window.action_cut.trigger()
    assert len(graph.nodes) == 6
    window.action_undo.trigger()
    assert graph.to_dict() == original
    window.action_paste.trigger()
    assert len(graph.nodes) == 8


def test_rubber_band_selects_nodes(make_window, qtbot):
    window = make_window("spiral_mlp")
    viewport = window.view.viewport()
    ids = list(window.document.graph.nodes)
    first = window.scene.nodes[ids[0]].sceneBoundingRect()
    second = window.scene.nodes[ids[1]].sceneBoundingRect()
    start = window.view.mapFromScene(first.topLeft() - QPointF(15, 15))
    end = window.view.mapFromScene(second.center())
    mouse_drag(qtbot, viewport, start, end)
    assert sorted(window.scene.selected_node_ids()) == sorted(ids[:2])


def test_wheel_zoom_fit_and_auto_layout(make_window, qtbot):
    window = make_window("spiral_mlp")
    view = window.view
    before = view.zoom()
    view.zoom_by(1.5)
    assert view.zoom() > before
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F)  # F fits the network to the view
    assert abs(view.zoom() - before) < 1e-6
    doc = window.document
    ids = list(doc.graph.nodes)
    # move one node out of line with a drag, then lay the network out again
    start = node_pos(window, ids[3])
    mouse_drag(qtbot, view.viewport(), start, start + QPoint(0, 120))
    laid_out = {nid: doc.graph.nodes[nid].pos for nid in ids}
    window.action_auto_layout.trigger()
    assert doc.undo_stack.command(doc.undo_stack.count() - 1).text() == "Auto-layout"
    assert doc.graph.nodes[ids[3]].pos[1] == doc.graph.nodes[ids[2]].pos[1]
    window.action_undo.trigger()
    assert {nid: doc.graph.nodes[nid].pos for nid in ids} == laid_out


def test_error_nodes_are_red_with_the_message_on_hover(make_window):
    window = make_window("spiral_mlp")
    graph = window.document.graph
    last_linear = [n.id for n in graph.nodes.values() if n.type == "linear"][-1]
    from nnstudio.ui.commands import SetParamCommand

    window.document.push(SetParamCommand(window.document, last_linear, "units", 3))
    output = next(n.id for n in graph.nodes.values() if n.type == "output")
    item = window.scene.nodes[output]
    assert item.has_error
    assert "needs 1 value" in item.toolTip()
    assert any("needs 1 value" in m for m in window.problems.messages())
    assert "1 error" in window.problems_label.text()
    window.action_undo.trigger()
    assert not item.has_error
    assert window.problems.messages() == []


def test_edge_labels_show_inferred_shapes(make_window):
    window = make_window("spiral_mlp")
    labels = [window.scene.edges[e].label for e in window.document.graph.edges]
    assert labels == ["(2)", "(16)", "(16)", "(16)", "(16)", "(1)"]
    assert window.params_label.text() == f"{window.document.analysis.total_params:,} parameters"
    assert window.document.analysis.total_params == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1


def test_middle_drag_and_space_drag_pan(make_window, qtbot):
    window = make_window("spiral_mlp")
    view, viewport = window.view, window.view.viewport()
    bar = view.horizontalScrollBar()
    start = bar.value()
    qtbot.mousePress(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(400, 300))
    qtbot.mouseMove(viewport, pos=QPoint(300, 300))
    qtbot.mouseRelease(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(300, 300))
    assert bar.value() == start + 100
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    mouse_drag(qtbot, viewport, QPoint(300, 300), QPoint(350, 300))
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert bar.value() == start + 50
    assert window.scene.selected_node_ids() == []  # panning is not a rubber band
    assert window.document.undo_stack.count() == 0


def test_wheel_zooms_under_the_mouse(make_window):
    from PySide6.QtCore import QPointF as P
    from PySide6.QtGui import QWheelEvent

    window = make_window("spiral_mlp")
    view = window.view
    before = view.zoom()
    event = QWheelEvent(
        P(300, 300),
        P(view.viewport().mapToGlobal(QPoint(300, 300))),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom() > before
    assert window.zoom_label.text() == f"{view.zoom() * 100:.0f} %"
