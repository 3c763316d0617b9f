"""Left-to-right automatic layout: columns by depth from the Input, rows within a column."""

from __future__ import annotations

from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph

COLUMN_GAP = 200.0
ROW_GAP = 110.0


def auto_layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """New positions for every node; the caller applies them (through undo, in the GUI)."""
    try:
        order = graph.topological_order()
    except GraphError:
        order = list(graph.nodes)
    depth: dict[str, int] = {}
    for node_id in order:
        parents = [e.src.node for e in graph.edges_into(node_id) if e.src.node in depth]
        depth[node_id] = 1 + max((depth[p] for p in parents), default=-1)
    columns: dict[int, list[str]] = {}
    for node_id in order:
        columns.setdefault(depth[node_id], []).append(node_id)
    positions: dict[str, tuple[float, float]] = {}
    for column, members in columns.items():
        top = -(len(members) - 1) * ROW_GAP / 2
        for row, node_id in enumerate(members):
            positions[node_id] = (column * COLUMN_GAP, top + row * ROW_GAP)
    return positions


def apply_layout(graph: Graph) -> None:
    for node_id, pos in auto_layout(graph).items():
        graph.move_node(node_id, pos)
