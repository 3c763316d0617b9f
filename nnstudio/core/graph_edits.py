"""Edits that rewire for the user: change a layer's type, insert a layer into a connection,
replace a taken input, set one parameter on many nodes. Each works on a Graph (the canvas
runs it on a copy inside GraphEditCommand, so undo is exact) and raises GraphError, with a
message a person can act on, before changing anything it cannot finish.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from nnstudio.core.errors import GraphError, ParamError
from nnstudio.core.graph import Edge, Graph
from nnstudio.core.layers import LAYERS


def _port_for(names: list[str], wanted: str, index: int) -> str | None:
    """The port of the same name, else the one in the same position, else none."""
    if wanted in names:
        return wanted
    return names[index] if index < len(names) else None


def change_type(graph: Graph, node_id: str, new_type: str) -> list[Edge]:
    """Make `node_id` a `new_type` layer in place: same id, same position, the settings of
    the same name kept where they fit, and every connection its ports allow. Returns the
    connections that had to go."""
    if new_type not in LAYERS or new_type == "block":
        raise GraphError(f"Cannot change a layer into {new_type!r}.")
    old = graph.node(node_id)
    if old.type == "block":
        raise GraphError("A block cannot change type: ungroup it first.", node_id)
    spec = LAYERS.get(new_type)
    params: dict[str, Any] = {}
    for p in spec.params:
        if p.name in old.params:
            with contextlib.suppress(ParamError):  # a setting that no longer fits is reset
                params[p.name] = p.coerce(old.params[p.name])
    old_in = [p.name for p in old.spec.inputs]
    old_out = [p.name for p in old.spec.outputs]
    new_in = [p.name for p in spec.inputs]
    new_out = [p.name for p in spec.outputs]
    _node, edges = graph.remove_node(node_id)
    graph.add_node(new_type, params, old.pos, node_id=node_id)
    dropped = []
    for edge in edges:
        try:
            if edge.dst.node == node_id:
                port = _port_for(new_in, edge.dst.port, old_in.index(edge.dst.port))
                if port is None:
                    raise GraphError("no such input")
                graph.connect(edge.src.node, edge.src.port, node_id, port)
            else:
                port = _port_for(new_out, edge.src.port, old_out.index(edge.src.port))
                if port is None:
                    raise GraphError("no such output")
                graph.connect(node_id, port, edge.dst.node, edge.dst.port)
        except (GraphError, ValueError):
            dropped.append(edge)
    return dropped


def insert_into_edge(
    graph: Graph, edge: Edge, layer_type: str, pos: tuple[float, float] | None = None
) -> str:
    """Put a new `layer_type` layer into `edge`: source → new layer → destination."""
    spec = LAYERS.get(layer_type) if layer_type in LAYERS else None
    if spec is None or not spec.inputs or not spec.outputs:
        raise GraphError("Only a layer with an input and an output can go into a connection.")
    if not graph.has_edge(edge):
        raise GraphError("That connection does not exist.")
    if pos is None:
        a, b = graph.node(edge.src.node).pos, graph.node(edge.dst.node).pos
        pos = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    graph.disconnect(edge)
    node = graph.add_node(layer_type, None, pos)
    graph.connect(edge.src.node, edge.src.port, node.id, spec.inputs[0].name)
    graph.connect(node.id, spec.outputs[0].name, edge.dst.node, edge.dst.port)
    return node.id


def connect_replacing(graph: Graph, edge: Edge) -> Edge | None:
    """Connect `edge`, first removing the connection that held its input; returns that one."""
    taken = graph.edge_into(edge.dst)
    if taken is not None:
        graph.disconnect(taken)
    graph.connect(edge.src.node, edge.src.port, edge.dst.node, edge.dst.port)
    return taken


def set_param_on(graph: Graph, node_ids: Iterable[str], name: str, value: Any) -> list[str]:
    """Set `name` on every node that has it; returns the ids changed."""
    changed = []
    for node_id in node_ids:
        node = graph.node(node_id)
        spec = node.spec.params.get(name)
        if spec is None:
            continue
        try:
            graph.set_param(node_id, name, spec.coerce(value))
        except ParamError as exc:
            raise GraphError(str(exc), node_id) from None
        changed.append(node_id)
    return changed
