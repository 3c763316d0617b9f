"""Undo commands: every edit of the project is one of these, and each changes only the model.

The canvas and the panels redraw from the model's events, so a command never touches a widget.
Commands that remove things remember the exact order of nodes and edges, so undo restores the
project exactly (same ids, same order, hence the same compiled model and the same seeded
initial weights).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from nnstudio.core.blocks import graph_at, group_nodes, ungroup_node
from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Edge, Graph, Node
from nnstudio.core.layers import LAYERS
from nnstudio.core.settings import TrainingSettings

if TYPE_CHECKING:
    from nnstudio.ui.document import Document

Pos = tuple[float, float]


class AddNodeCommand(QUndoCommand):
    def __init__(
        self,
        doc: Document,
        layer_type: str,
        pos: Pos,
        params: Mapping[str, Any] | None = None,
        node_id: str | None = None,
    ) -> None:
        super().__init__(f"Add {LAYERS.get(layer_type).display_name}")
        self.doc = doc
        self.layer_type = layer_type
        self.pos = pos
        self.params = dict(params or {})
        self.node_id = node_id or doc.graph.new_id()

    def redo(self) -> None:
        self.doc.graph.add_node(self.layer_type, self.params, self.pos, node_id=self.node_id)

    def undo(self) -> None:
        self.doc.graph.remove_node(self.node_id)


class RemoveCommand(QUndoCommand):
    """Remove nodes (with every edge touching them) and single edges, as one step."""

    def __init__(
        self, doc: Document, node_ids: Iterable[str], edges: Iterable[Edge] = (), text: str = ""
    ) -> None:
        graph = doc.graph
        wanted = set(node_ids)
        self.node_ids = [nid for nid in graph.nodes if nid in wanted]
        doomed = set(self.node_ids)
        extra = [e for e in edges if graph.has_edge(e) and not {e.src.node, e.dst.node} & doomed]
        self.edges = extra
        count = len(self.node_ids) + len(extra)
        super().__init__(text or ("Delete" if count != 1 else "Delete 1 item"))
        self.doc = doc
        self.node_order = list(graph.nodes)
        self.edge_order = list(graph.edges)
        self.nodes: list[Node] = [copy.deepcopy(graph.nodes[nid]) for nid in self.node_ids]
        extra_set = set(extra)
        self.removed_edges = [
            e for e in graph.edges if e in extra_set or e.src.node in doomed or e.dst.node in doomed
        ]

    def is_empty(self) -> bool:
        return not self.node_ids and not self.edges

    def redo(self) -> None:
        graph = self.doc.graph
        with graph.batch():
            for edge in self.edges:
                graph.disconnect(edge)
            for nid in self.node_ids:
                graph.remove_node(nid)

    def undo(self) -> None:
        graph = self.doc.graph
        with graph.batch():
            for node in self.nodes:
                block = copy.deepcopy(node.block)
                graph.add_node(node.type, dict(node.params), node.pos, node_id=node.id, block=block)
            for edge in self.removed_edges:
                # These edges were all in the graph together, so they cannot make a loop.
                e = edge
                graph.connect(e.src.node, e.src.port, e.dst.node, e.dst.port, check_loops=False)
            graph.reorder(self.node_order, self.edge_order)


class MoveNodesCommand(QUndoCommand):
    """One drag (or one auto-layout) of any number of nodes."""

    def __init__(self, doc: Document, moves: Mapping[str, tuple[Pos, Pos]], text: str = "") -> None:
        count = len(moves)
        super().__init__(text or ("Move node" if count == 1 else f"Move {count} nodes"))
        self.doc = doc
        self.moves = dict(moves)

    def redo(self) -> None:
        with self.doc.graph.batch():
            for nid, (_old, new) in self.moves.items():
                self.doc.graph.move_node(nid, new)

    def undo(self) -> None:
        with self.doc.graph.batch():
            for nid, (old, _new) in self.moves.items():
                self.doc.graph.move_node(nid, old)


class ConnectCommand(QUndoCommand):
    def __init__(self, doc: Document, edge: Edge) -> None:
        super().__init__("Connect")
        self.doc = doc
        self.edge = edge

    def redo(self) -> None:
        e = self.edge
        self.doc.graph.connect(e.src.node, e.src.port, e.dst.node, e.dst.port)

    def undo(self) -> None:
        self.doc.graph.disconnect(self.edge)


class SetParamCommand(QUndoCommand):
    def __init__(self, doc: Document, node_id: str, name: str, value: Any) -> None:
        node = doc.graph.node(node_id)
        spec = node.spec.params.get(name)
        label = spec.label if spec else name
        super().__init__(f"Change {node.spec.display_name} {label.lower()}")
        self.doc = doc
        self.node_id = node_id
        self.name = name
        self.old = node.params[name]
        self.new = value

    def redo(self) -> None:
        self.doc.graph.set_param(self.node_id, self.name, self.new)

    def undo(self) -> None:
        self.doc.graph.set_param(self.node_id, self.name, self.old)


class SetDatasetCommand(QUndoCommand):
    def __init__(self, doc: Document, config: DatasetConfig, text: str = "Change dataset") -> None:
        super().__init__(text)
        self.doc = doc
        self.old = copy.deepcopy(doc.project.dataset)
        self.new = copy.deepcopy(config)

    def redo(self) -> None:
        self.doc.apply_dataset(copy.deepcopy(self.new))

    def undo(self) -> None:
        self.doc.apply_dataset(copy.deepcopy(self.old))


class SetTrainingCommand(QUndoCommand):
    def __init__(
        self, doc: Document, settings: TrainingSettings, text: str = "Change training settings"
    ) -> None:
        super().__init__(text)
        self.doc = doc
        self.old = copy.deepcopy(doc.project.training)
        self.new = copy.deepcopy(settings)

    def redo(self) -> None:
        self.doc.apply_training(copy.deepcopy(self.new))

    def undo(self) -> None:
        self.doc.apply_training(copy.deepcopy(self.old))


class PasteCommand(QUndoCommand):
    """Add a copied sub-graph under fresh ids, shifted by `offset`."""

    def __init__(self, doc: Document, source: Graph, offset: Pos) -> None:
        super().__init__("Paste")
        self.doc = doc
        graph = doc.graph
        self.id_map = {old: graph.new_id() for old in source.nodes}
        self.nodes = [
            (
                self.id_map[n.id],
                n.type,
                dict(n.params),
                (n.pos[0] + offset[0], n.pos[1] + offset[1]),
                n.block,
            )
            for n in source.nodes.values()
        ]
        self.edges = [
            Edge.of(self.id_map[e.src.node], e.src.port, self.id_map[e.dst.node], e.dst.port)
            for e in source.edges
        ]

    @property
    def new_ids(self) -> list[str]:
        return [n[0] for n in self.nodes]

    def redo(self) -> None:
        graph = self.doc.graph
        with graph.batch():
            for nid, layer_type, params, pos, block in self.nodes:
                graph.add_node(layer_type, params, pos, node_id=nid, block=copy.deepcopy(block))
            for e in self.edges:
                # The copied edges connect only the new nodes, and formed no loop in the copy.
                graph.connect(e.src.node, e.src.port, e.dst.node, e.dst.port, check_loops=False)

    def undo(self) -> None:
        graph = self.doc.graph
        with graph.batch():
            for nid in reversed(self.new_ids):
                graph.remove_node(nid)


class GraphEditCommand(QUndoCommand):
    """An edit made by a core function on a copy of the graph (group, ungroup, any edit
    inside a block). A refusal raises GraphError here, before anything changes; redo and
    undo then restore the whole content, which makes them exact."""

    def __init__(self, doc: Document, text: str, edit: Callable[[Graph], Any]) -> None:
        super().__init__(text)
        self.doc = doc
        twin = copy.deepcopy(doc.graph)
        self.result = edit(twin)
        self.before = doc.graph.snapshot()
        self.after = twin.snapshot()

    def redo(self) -> None:
        self.doc.graph.restore(self.after)

    def undo(self) -> None:
        self.doc.graph.restore(self.before)


def group_command(doc: Document, node_ids: Iterable[str], name: str = "Block") -> GraphEditCommand:
    """Group the nodes into a block; `result` is the block's id. GraphError if refused."""
    ids = list(node_ids)
    return GraphEditCommand(doc, "Group into block", lambda g: group_nodes(g, ids, name))


def ungroup_command(doc: Document, block_id: str) -> GraphEditCommand:
    """Put a block's layers back in its place; `result` is their ids."""
    return GraphEditCommand(doc, "Ungroup block", lambda g: ungroup_node(g, block_id))


def inside_command(
    doc: Document, path: Sequence[str], text: str, edit: Callable[[Graph], Any]
) -> GraphEditCommand:
    """Any edit of the graph inside the block at `path` (block ids from the top), undoable
    from the top: the block node is replaced as a whole, so its ports follow its content."""
    return GraphEditCommand(doc, text, lambda g: edit(graph_at(g, path)))


def edit_command(
    doc: Document, text: str, at_top: Callable[[], QUndoCommand], inside: Callable[[Graph], Any]
) -> QUndoCommand:
    """The command for a canvas gesture: `at_top()` when the canvas shows the whole network,
    else `inside` applied to the opened block's graph (undoable from the top)."""
    path = doc.focus_path
    return at_top() if not path else inside_command(doc, path, text, inside)


def param_command(doc: Document, node_id: str, name: str, value: Any) -> QUndoCommand:
    """Change a setting of a node in the graph the canvas shows."""
    return edit_command(
        doc,
        "Change setting",
        lambda: SetParamCommand(doc, node_id, name, value),
        lambda g: g.set_param(node_id, name, value),
    )


def paste_into(graph: Graph, source: Graph, offset: float) -> list[str]:
    """Add a copy of `source` to `graph` under fresh ids, shifted; returns the new ids."""
    id_map = {old: graph.new_id() for old in source.nodes}
    for n in source.nodes.values():
        pos = (n.pos[0] + offset, n.pos[1] + offset)
        block = copy.deepcopy(n.block)
        graph.add_node(n.type, dict(n.params), pos, node_id=id_map[n.id], block=block)
    for e in source.edges:
        graph.connect(id_map[e.src.node], e.src.port, id_map[e.dst.node], e.dst.port)
    return list(id_map.values())
