"""Large edits stay one analysis each, and the canvas drops detail when zoomed out."""

from __future__ import annotations

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Graph
from nnstudio.core.layout import apply_layout
from nnstudio.core.project import Project, project_to_dict
from nnstudio.ui.commands import RemoveCommand
from nnstudio.ui.graph import node_item


def _big_project(pairs: int) -> Project:
    graph = Graph()
    prev = graph.add_node("input").id
    for _ in range(pairs):
        lin = graph.add_node("linear", {"units": 4}).id
        graph.connect(prev, "out", lin, "in")
        prev = graph.add_node("relu").id
        graph.connect(lin, "out", prev, "in")
    last = graph.add_node("linear", {"units": 1}).id
    graph.connect(prev, "out", last, "in")
    graph.connect(last, "out", graph.add_node("output").id, "in")
    apply_layout(graph)
    return Project(graph, DatasetConfig("spiral"))


def test_paste_and_undo_of_500_nodes_analyze_once_each(make_window):
    window = make_window(_big_project(260))
    doc, scene = window.document, window.scene
    ids = list(doc.graph.nodes)[1:501]
    scene.select_nodes(ids)
    mime = scene.copy_selection()
    nodes_before, edges_before = len(doc.graph.nodes), len(doc.graph.edges)
    count = doc.analysis_count
    new_ids = scene.paste(mime)
    assert len(new_ids) == 500 and doc.analysis_count == count + 1
    assert len(scene.nodes) == nodes_before + 500
    assert len(scene.edges) == edges_before + 499
    # The analysis that ran saw the whole paste: the pasted chain is reported off the path.
    assert all(doc.analysis.problems_for(nid) for nid in new_ids)
    doc.undo_stack.undo()
    assert doc.analysis_count == count + 2
    assert len(scene.nodes) == nodes_before and len(scene.edges) == edges_before
    doc.undo_stack.redo()
    assert doc.analysis_count == count + 3 and len(scene.nodes) == nodes_before + 500


def test_deleting_and_restoring_hundreds_of_nodes_is_exact_and_analyzes_once(make_window):
    window = make_window(_big_project(200))
    doc = window.document
    before = (project_to_dict(doc.project), list(doc.graph.nodes), list(doc.graph.edges))
    shapes_before = dict(doc.analysis.edge_shapes)
    count = doc.analysis_count
    doc.push(RemoveCommand(doc, list(doc.graph.nodes)[50:350]))
    assert len(doc.graph.nodes) == len(before[1]) - 300
    assert doc.analysis_count == count + 1
    doc.undo_stack.undo()
    assert doc.analysis_count == count + 2
    assert (project_to_dict(doc.project), list(doc.graph.nodes), list(doc.graph.edges)) == before
    assert doc.analysis.edge_shapes == shapes_before and doc.analysis.ok
    assert len(window.scene.edges) == len(before[2])


def test_zoomed_out_nodes_skip_their_details(make_window, monkeypatch):
    window = make_window("xor_mlp")
    drawn: list[str] = []
    original = node_item.NodeItem._draw_details

    def spy(self, painter, error):
        drawn.append(self.node_id)
        original(self, painter, error)

    monkeypatch.setattr(node_item.NodeItem, "_draw_details", spy)
    window.view.set_zoom(1.0)
    window.view.centerOn(window.scene.items_rect().center())
    window.view.viewport().repaint()
    assert drawn, "at full size every visible node draws its title and summary"
    drawn.clear()
    window.view.set_zoom(node_item.LOD_DETAIL * 0.8)
    window.view.viewport().repaint()
    assert drawn == []
    image = window.view.grab().toImage()
    assert not image.isNull()


def test_wires_follow_a_dragged_node_and_an_undone_move(make_window, qtbot):
    from PySide6.QtCore import QPoint, Qt

    from tests.ui.editor_helpers import node_pos

    window = make_window("xor_mlp")
    scene, view = window.scene, window.view
    edge = scene.doc.graph.edges_into("n2")[0]
    wire = scene.edges[edge]

    def wire_end():
        return wire.path().pointAtPercent(1.0)

    start = node_pos(window, "n2")
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 4):
        qtbot.mouseMove(viewport, pos=start + QPoint(20 * step, 12 * step))
    port = scene.nodes["n2"].port("in", True).scene_center()
    assert (wire_end() - port).manhattanLength() < 0.5  # while the button is still down
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(60, 36))
    assert scene.doc.graph.nodes["n2"].pos != (0, 0)
    scene.doc.undo_stack.undo()
    port = scene.nodes["n2"].port("in", True).scene_center()
    assert (wire_end() - port).manhattanLength() < 0.5
