"""Limits on blocks and the checks that need no analysis: nesting depth, self-containment,
how many layers the repeats unroll to. Validation and the file reader use them; they import
nothing from the block machinery itself, so the modules form no import circle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from nnstudio.core.errors import GraphError

if TYPE_CHECKING:
    from nnstudio.core.graph import Graph, Node

MAX_DEPTH = 8
"""Blocks inside blocks, at most this deep: a file nesting deeper is refused."""
MAX_LAYER_COPIES = 20_000
"""Layers the compiled network may hold once every repeat is unrolled. Repeats multiply
through nesting (×64 inside ×64 ...), so a small file could otherwise ask for billions of
modules even when none of them has a weight."""


def block_title(params: dict[str, Any]) -> str:
    """How a block is named on the canvas and in messages: "Encoder ×6", or "Encoder"."""
    repeat = params.get("repeat", 1)
    name = params.get("name") or "Block"
    return f"{name} ×{repeat}" if repeat > 1 else name


def block_depth(graph: Graph) -> int:
    """How deep blocks nest in `graph` (0: no blocks); stops counting past MAX_DEPTH."""
    deepest, todo = 0, [(graph, 0)]
    while todo:
        current, depth = todo.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        todo.extend((n.block.graph, depth + 1) for n in current.nodes.values() if n.block)
    return deepest


def check_no_self_containment(graph: Graph) -> None:
    """Raise GraphError if a block holds (directly or deeper) the very graph it sits in.

    A file can't express that (each block's content is written inline), but pasting a block
    into itself could, so the model refuses it wherever it would come from."""

    def visit(current: Graph, path: tuple[int, ...]) -> None:
        for node in current.nodes.values():
            if node.block is None:
                continue
            inner = node.block.graph
            if id(inner) in path or inner is current:
                name = f"{block_title(node.params)} ({node.id})"  # its label would look inside
                raise GraphError(f"{name} contains itself, which can never end.", node.id)
            if len(path) > MAX_DEPTH:
                raise GraphError(f"Blocks nest more than {MAX_DEPTH} deep here.", node.id)
            visit(inner, (*path, id(inner)))

    visit(graph, (id(graph),))


def layer_copies(graph: Graph, limit: int = MAX_LAYER_COPIES) -> int:
    """How many layers compiling builds, every repeat unrolled; stops counting past `limit`."""
    total = 0
    for node in graph.nodes.values():
        if node.block is None:
            total += 1
        else:
            repeat = node.params.get("repeat", 1)
            total += repeat * layer_copies(node.block.graph, limit // max(repeat, 1) + 1)
        if total > limit:
            return total
    return total


def all_nodes(graph: Graph) -> Iterator[Node]:
    """Every node, inside blocks too (depth first), for counting against the size limits."""
    for node in graph.nodes.values():
        yield node
        if node.block is not None:
            yield from all_nodes(node.block.graph)
