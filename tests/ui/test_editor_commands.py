"""Undo commands on a Document, without any view: each edit undoes and redoes exactly."""

from __future__ import annotations

import copy

import pytest

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Edge
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.project import project_to_dict
from nnstudio.core.templates import TEMPLATES
from nnstudio.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveCommand,
    SetDatasetCommand,
    SetParamCommand,
    SetTrainingCommand,
)
from nnstudio.ui.document import Document


@pytest.fixture
def doc(qapp):
    document = Document(TEMPLATES.get("residual_mlp").build())
    yield document
    document.deleteLater()


def snapshot(doc: Document) -> tuple[dict, list[str], list[Edge]]:
    """Everything, including the order of nodes and edges (it decides the compiled order)."""
    return project_to_dict(doc.project), list(doc.graph.nodes), list(doc.graph.edges)


def undo_redo_exact(doc: Document, command) -> None:
    before = snapshot(doc)
    doc.push(command)
    after = snapshot(doc)
    assert after != before
    doc.undo_stack.undo()
    assert snapshot(doc) == before
    doc.undo_stack.redo()
    assert snapshot(doc) == after
    doc.undo_stack.undo()
    assert snapshot(doc) == before


def test_remove_middle_node_restores_ids_and_order(doc):
    add = next(n.id for n in doc.graph.nodes.values() if n.type == "add")
    undo_redo_exact(doc, RemoveCommand(doc, [add]))


def test_remove_nodes_and_a_separate_edge(doc):
    ids = list(doc.graph.nodes)
    edge = doc.graph.edges[-1]
    undo_redo_exact(doc, RemoveCommand(doc, ids[2:4], [edge]))


def test_add_connect_move_param(doc):
    command = AddNodeCommand(doc, "dropout", (10.0, 20.0), {"p": 0.3})
    undo_redo_exact(doc, command)
    doc.undo_stack.redo()  # the stack owns the command now: redo it rather than push it again
    first = next(iter(doc.graph.nodes))
    undo_redo_exact(doc, ConnectCommand(doc, Edge.of(first, "out", command.node_id, "in")))
    undo_redo_exact(doc, MoveNodesCommand(doc, {first: ((0.0, 0.0), (5.0, 6.0))}))
    undo_redo_exact(doc, SetParamCommand(doc, command.node_id, "p", 0.1))
    assert doc.graph.nodes[command.node_id].params["p"] == 0.3


def test_paste_uses_fresh_ids_every_time(doc):
    source = graph_from_dict(doc.graph.subgraph_dict(list(doc.graph.nodes)[:3]))
    edges_before = len(doc.graph.edges)
    command = PasteCommand(doc, source, (40.0, 40.0))
    undo_redo_exact(doc, command)
    doc.undo_stack.redo()
    assert not set(command.new_ids) & set(source.nodes)
    again = PasteCommand(doc, source, (80.0, 80.0))
    doc.push(again)
    assert not set(again.new_ids) & set(command.new_ids)
    assert len(source.edges) == 2
    assert len(doc.graph.edges) == edges_before + 2 * len(source.edges)


def test_dataset_and_training_settings(doc):
    changes = []
    doc.dataset_changed.connect(lambda: changes.append("dataset"))
    doc.training_changed.connect(lambda: changes.append("training"))
    new = copy.deepcopy(doc.project.dataset)
    new.features = ("x1_sq", "x2_sq")
    undo_redo_exact(doc, SetDatasetCommand(doc, new))
    undo_redo_exact(doc, SetDatasetCommand(doc, DatasetConfig("moons", {"noise": 0.2})))
    settings = doc.project.training.replace(learning_rate=0.5, epochs=3)
    undo_redo_exact(doc, SetTrainingCommand(doc, settings))
    assert "dataset" in changes and "training" in changes


def test_dataset_change_reanalyzes(doc):
    doc.push(SetDatasetCommand(doc, DatasetConfig("spiral", features=("x1_sq",))))
    first_edge = doc.graph.edges[0]
    assert doc.analysis.edge_shapes[first_edge] == (3,)


def test_locked_document_refuses_commands(doc):
    doc.set_locked(True)
    before = snapshot(doc)
    assert doc.push(AddNodeCommand(doc, "relu", (0.0, 0.0))) is False
    assert snapshot(doc) == before and doc.undo_stack.count() == 0
