"""Grouping, ungrouping and edits inside a block are undo steps that restore exactly."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import GraphError
from nnstudio.core.project import project_to_dict
from nnstudio.core.templates import TEMPLATES
from nnstudio.ui.commands import group_command, inside_command, ungroup_command
from nnstudio.ui.document import Document


def snapshot(doc: Document):
    return project_to_dict(doc.project), list(doc.graph.nodes), list(doc.graph.edges)


@pytest.fixture
def doc(qapp):
    document = Document(TEMPLATES.get("spiral_mlp").build())
    yield document
    document.deleteLater()


def test_group_undo_redo_is_exact_and_analyzes_once(doc: Document) -> None:
    before = snapshot(doc)
    count = doc.analysis_count
    command = group_command(doc, ["n2", "n3"], "Hidden")
    assert doc.analysis_count == count  # building the command changes nothing
    doc.push(command)
    block_id = command.result
    assert doc.analysis_count == count + 1
    assert doc.graph.nodes[block_id].type == "block" and doc.analysis.ok
    after = snapshot(doc)
    doc.undo_stack.undo()
    assert snapshot(doc) == before
    doc.undo_stack.redo()
    assert snapshot(doc) == after


def test_ungroup_restores_the_layers_and_undo_brings_the_block_back(doc: Document) -> None:
    original = snapshot(doc)
    group = group_command(doc, ["n2", "n3"], "Hidden")
    doc.push(group)
    grouped = snapshot(doc)
    doc.push(ungroup_command(doc, group.result))
    assert set(doc.graph.nodes) == set(original[1])
    assert set(doc.graph.edges) == set(original[2])
    doc.undo_stack.undo()
    assert snapshot(doc) == grouped
    doc.undo_stack.undo()
    assert snapshot(doc) == original


def test_edits_inside_a_block_are_undoable_from_the_top(doc: Document) -> None:
    group = group_command(doc, ["n2", "n3"], "Hidden")
    doc.push(group)
    block_id = group.result
    params_before = doc.analysis.total_params
    edit = inside_command(doc, [block_id], "Widen", lambda g: g.set_param("n2", "units", 32))
    doc.push(edit)
    assert doc.graph.nodes[block_id].block.graph.nodes["n2"].params["units"] == 32
    assert doc.analysis.total_params > params_before  # the outside saw the change
    doc.undo_stack.undo()
    assert doc.graph.nodes[block_id].block.graph.nodes["n2"].params["units"] != 32
    assert doc.analysis.total_params == params_before


def test_a_refused_group_pushes_nothing(doc: Document) -> None:
    before = snapshot(doc)
    with pytest.raises(GraphError, match="stays outside blocks"):
        group_command(doc, ["n1", "n2"])
    assert snapshot(doc) == before and doc.undo_stack.count() == 0


def test_the_canvas_follows_grouping_and_its_undo(make_window) -> None:
    window = make_window("spiral_mlp")
    doc, scene = window.document, window.scene
    count = len(scene.nodes)
    command = group_command(doc, ["n2", "n3", "n4"], "Hidden")
    doc.push(command)
    assert len(scene.nodes) == count - 2 and command.result in scene.nodes
    item = scene.nodes[command.result]
    assert len(item.inputs) == 1 and len(item.outputs) == 1
    assert len(scene.edges) == len(doc.graph.edges)
    doc.undo_stack.undo()
    assert len(scene.nodes) == count and set(scene.edges) == set(doc.graph.edges)
