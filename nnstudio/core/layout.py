"""Left-to-right automatic layout: columns by depth from the Input, rows within a column.

A deep chain wraps into bands of at most MAX_COLUMNS columns, read like lines of text, so a
23-layer network fits the canvas at a readable zoom instead of one long, tiny line.
"""

from __future__ import annotations

from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph

COLUMN_GAP = 250.0
"""Room for the widest card (220) and a shape label between cards."""
ROW_GAP = 110.0
MAX_COLUMNS = 7
"""Columns per band before the layout wraps to the next band below."""
BAND_GAP = 150.0


def auto_layout(graph: Graph, max_columns: int = MAX_COLUMNS) -> dict[str, tuple[float, float]]:
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
    per_band = max(1, max_columns) if len(columns) > max_columns else max(len(columns), 1)
    tallest: dict[int, int] = {}
    for column, members in columns.items():
        band = column // per_band
        tallest[band] = max(tallest.get(band, 1), len(members))
    band_top: dict[int, float] = {}
    y = 0.0
    for band in sorted(tallest):
        band_top[band] = y + (tallest[band] - 1) * ROW_GAP / 2  # the band's centre line
        y += tallest[band] * ROW_GAP + BAND_GAP
    positions: dict[str, tuple[float, float]] = {}
    for column, members in columns.items():
        band, place = divmod(column, per_band)
        top = band_top[band] - (len(members) - 1) * ROW_GAP / 2
        for row, node_id in enumerate(members):
            positions[node_id] = (place * COLUMN_GAP, top + row * ROW_GAP)
    return positions


def apply_layout(graph: Graph) -> None:
    for node_id, pos in auto_layout(graph).items():
        graph.move_node(node_id, pos)
