"""Which layers "Inside a node" can show, and how canvas nodes map to compiled layers.

Torch-free, so the app can map a canvas selection to a layer without loading torch; the
views themselves are computed in `nnstudio.training.node_views`.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnstudio.core.blocks import graph_at
from nnstudio.core.graph import Graph
from nnstudio.core.layers import LAYERS


@dataclass(frozen=True)
class ViewableLayer:
    layer_id: str
    """The compiled model's id: "n3" at the top, "n5/n2" or "n5#2/n2" inside a block."""
    label: str
    """Type and id, e.g. "Conv2d (n2)"; inner layers name their block and copy."""
    kind: str


def split_part(part: str) -> tuple[str, int]:
    """Split "n5#2" into ("n5", 1): a block node's id and which copy (from 0)."""
    node_id, _, copy = part.partition("#")
    return node_id, int(copy) - 1 if copy else 0


def layer_type(graph: Graph, layer_id: str) -> str | None:
    """The declared type of the layer at `layer_id` in `graph`, or None if it has none."""
    *blocks, last = layer_id.split("/")
    try:
        inner = graph_at(graph, [split_part(p)[0] for p in blocks])
    except Exception:  # a path that no longer fits the graph
        return None
    node = inner.nodes.get(last)
    return node.type if node is not None else None


def view_kind(type_name: str | None) -> str | None:
    """The view the layer type declares, or None."""
    if type_name is None or type_name not in LAYERS:
        return None
    return LAYERS.get(type_name).view


def layer_id_for(graph: Graph, focus: list[str], node_id: str) -> str:
    """The model's id for node `node_id` seen on the canvas inside the blocks `focus`
    (a repeated block shows its first copy)."""
    parts, inner = [], graph
    for block_id in focus:
        node = inner.node(block_id)
        many = int(node.params.get("repeat", 1)) > 1
        parts.append(f"{block_id}#1" if many else block_id)
        inner = node.block.graph if node.block is not None else inner
    return "/".join([*parts, node_id])


def viewable_layers(graph: Graph) -> list[ViewableLayer]:
    """Every layer with a view, input to output, each copy of a repeated block apart."""
    found: list[ViewableLayer] = []

    def walk(inner: Graph, prefix: str, where: str) -> None:
        for node_id in inner.topological_order():
            node = inner.nodes[node_id]
            if node.block is not None:
                repeat = int(node.params.get("repeat", 1))
                name = node.params.get("name") or node.spec.display_name
                for k in range(repeat):
                    part = f"{node_id}#{k + 1}" if repeat > 1 else node_id
                    copy = f" copy {k + 1}" if repeat > 1 else ""
                    walk(node.block.graph, f"{prefix}{part}/", f" in {name}{copy}")
                continue
            kind = node.spec.view
            if kind is None:
                continue
            layer_id = prefix + node_id
            label = f"{node.spec.display_name}{where} ({layer_id})"
            found.append(ViewableLayer(layer_id, label, kind))

    walk(graph, "", "")
    return found
