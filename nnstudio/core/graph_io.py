"""Reading a graph from plain data that may come from an untrusted file.

Every field is type-checked and every failure becomes a GraphError that says what is wrong,
so a broken or hostile file is refused with a message instead of a traceback.
"""

from __future__ import annotations

import math
import re
from typing import Any

from nnstudio.core.block_limits import MAX_DEPTH
from nnstudio.core.blocks import Block
from nnstudio.core.errors import GraphError
from nnstudio.core.graph import GRAPH_VERSION, Graph
from nnstudio.core.layers import LAYERS
from nnstudio.core.text_guard import shown

MAX_NODES = 2000
SAFE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
"""Node ids the loader accepts: they end up in module and weight names, so no dots or odd text."""
MAX_EDGES = 8000


def _block_from(item: dict[str, Any], where: str, depth: int, budget: list[int]) -> Block:
    """A block node's content, read with the same checks, at most MAX_DEPTH levels deep."""
    _require(
        depth < MAX_DEPTH,
        f"{where} is a block nested more than {MAX_DEPTH} deep; that is refused.",
    )
    _require("graph" in item, f"{where} is a block, but its content ('graph') is missing.")
    try:
        inner = _graph_from_dict(item["graph"], depth + 1, budget)
    except GraphError as exc:
        raise GraphError(f"Inside {where}: {exc}") from None
    return Block(inner)


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise GraphError(message)


def _is_port_ref(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(part, str) and 0 < len(part) <= 64 for part in value)
    )


def graph_from_dict(data: Any) -> Graph:
    """A graph (with its blocks) from plain data; GraphError says what is wrong."""
    budget = [MAX_NODES]
    return _graph_from_dict(data, 0, budget)


def _graph_from_dict(data: Any, depth: int, budget: list[int]) -> Graph:
    _require(isinstance(data, dict), "The network must be an object with nodes and edges.")
    version = data.get("version", 1)
    _require(
        isinstance(version, int) and not isinstance(version, bool) and version >= 1,
        "The network's 'version' must be a whole number from 1.",
    )
    _require(
        version <= GRAPH_VERSION,
        f"The network is written in version {version} of the graph format; this NN Studio "
        f"reads up to {GRAPH_VERSION}, so it may come from a newer NN Studio.",
    )
    nodes, edges = data.get("nodes"), data.get("edges")
    _require(isinstance(nodes, list), "The network's 'nodes' must be a list.")
    _require(isinstance(edges, list), "The network's 'edges' must be a list.")
    _require(len(nodes) <= MAX_NODES, f"The network has over {MAX_NODES} nodes; that is refused.")
    budget[0] -= len(nodes)
    _require(budget[0] >= 0, f"The network has over {MAX_NODES} nodes; that is refused.")
    _require(len(edges) <= MAX_EDGES, f"The network has over {MAX_EDGES} edges; that is refused.")
    graph = Graph()
    for index, item in enumerate(nodes):
        where = f"Node {index + 1}"
        _require(isinstance(item, dict), f"{where} must be an object.")
        node_id, layer_type = item.get("id"), item.get("type")
        _require(isinstance(node_id, str) and 0 < len(node_id) <= 64, f"{where} needs a text 'id'.")
        _require(
            SAFE_ID.fullmatch(node_id) is not None,
            f"{where} has the id {shown(node_id)}; an id is a letter or '_' followed by up to "
            "63 letters, digits, '_' or '-' (no dots or spaces).",
        )
        _require(isinstance(layer_type, str), f"{where} needs a text 'type'.")
        _require(
            layer_type in LAYERS,
            f"{where} has the unknown layer type {layer_type!r}; this file may come from a "
            "newer NN Studio.",
        )
        params = item.get("params", {})
        _require(isinstance(params, dict), f"{where}'s 'params' must be an object.")
        pos = item.get("pos", [0.0, 0.0])
        _require(
            isinstance(pos, list)
            and len(pos) == 2
            and all(
                isinstance(v, (int, float))
                and not isinstance(v, bool)
                and abs(v) <= 1e308  # before isfinite, which overflows on huge integers
                and math.isfinite(v)
                for v in pos
            ),
            f"{where}'s 'pos' must be two numbers.",
        )
        block = _block_from(item, where, depth, budget) if layer_type == "block" else None
        try:
            graph.add_node(layer_type, params, (pos[0], pos[1]), node_id=node_id, block=block)
        except GraphError as exc:
            raise GraphError(f"{where}: {exc}", exc.node_id) from None
    for index, item in enumerate(edges):
        where = f"Connection {index + 1}"
        _require(isinstance(item, dict), f"{where} must be an object.")
        src, dst = item.get("src"), item.get("dst")
        _require(
            _is_port_ref(src) and _is_port_ref(dst),
            f"{where} needs 'src' and 'dst' as [node id, port name].",
        )
        try:
            graph.connect(src[0], src[1], dst[0], dst[1], check_loops=False)
        except GraphError as exc:
            raise GraphError(f"{where}: {exc}", exc.node_id) from None
    # One ordering pass finds any loop: walking the graph per edge is quadratic, and a
    # 2,000-node chain stored backwards would take minutes.
    graph.topological_order()
    return graph
