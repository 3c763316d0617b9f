"""Reusable blocks: a sub-graph used as one node, with a repeat count.

A block node owns a `Block`, whose graph holds the layers plus one Block input node per
input port and one Block output node per output port (the port's name is that node's id, so
edges to the block stay valid however the ports are labelled). The block node's spec is made
from that content: its ports, a shape rule that analyzes the inside with the shapes arriving
at its ports, a parameter count, and a builder that compiles the inside. So validation, the
canvas, the inspector and the compiler treat a block like any other layer ("a block is a
layer", as a Keras functional model can be called as a layer).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nnstudio.core.block_limits import block_title
from nnstudio.core.errors import ShapeError
from nnstudio.core.layers import LayerSpec, PortSpec, Shape, ShapeContext, fmt_shape
from nnstudio.core.layers.blocks import BLOCK, BLOCK_PARAMS

if TYPE_CHECKING:
    from nnstudio.core.graph import Graph, Node
    from nnstudio.core.validation import Analysis


class Block:
    """The content of one block node: its graph, with derived facts cached per revision."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._spec: tuple[Any, LayerSpec] | None = None
        self._inferred: tuple[Any, tuple[Shape, ...], int] | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Block) and self.graph == other.graph

    def __repr__(self) -> str:
        return f"Block({self.graph!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Block:
        return Block(copy.deepcopy(self.graph, memo))

    # -- ports ------------------------------------------------------------------------------
    def input_nodes(self) -> list[Node]:
        return self.graph.nodes_of_role("block_input")

    def output_nodes(self) -> list[Node]:
        return self.graph.nodes_of_role("block_output")

    # -- the spec a block node gets ---------------------------------------------------------
    def spec_for(self, node_id: str, params: dict[str, Any]) -> LayerSpec:
        key = (self.graph.revision, node_id, params.get("name"), params.get("repeat"))
        if self._spec is not None and self._spec[0] == key:
            return self._spec[1]
        title = block_title(params)
        where = f"{title} ({node_id})"

        def shapes(p: dict[str, Any], ins: Sequence[Shape], _ctx: ShapeContext):
            return self.infer(p, ins, where)[0]

        spec = LayerSpec(
            name="block",
            display_name=title,
            category=BLOCK.category,
            help=BLOCK.help,
            shape=lambda p, ins, ctx: (shapes(p, ins, ctx) or ((),))[0],
            output_shapes=shapes,
            build=lambda p, ins: self.build(p, ins),
            params=BLOCK_PARAMS,
            inputs=tuple(PortSpec(n.id, n.params["name"]) for n in self.input_nodes()),
            outputs=tuple(PortSpec(n.id, n.params["name"]) for n in self.output_nodes()),
            param_count=lambda p, ins: self.infer(p, ins, where)[1],
            in_palette=False,
            stackable=False,  # variants with blocks train one by one
        )
        self._spec = (key, spec)
        return spec

    def analyze(self, in_shapes: Sequence[Shape]) -> Analysis:
        """The inside, given the shapes arriving at the block's input ports."""
        from nnstudio.core.validation import analyze_block

        given = {n.id: tuple(s) for n, s in zip(self.input_nodes(), in_shapes, strict=False)}
        return analyze_block(self.graph, given)

    def infer(
        self, params: dict[str, Any], in_shapes: Sequence[Shape], where: str = ""
    ) -> tuple[tuple[Shape, ...], int]:
        """(shape of each output, parameter count of all copies), or a ShapeError that names
        the inner layer and the block ("Linear (n3) inside Encoder ×2 (n5) needs ...")."""
        key = (self.graph.revision, params.get("repeat"), tuple(in_shapes), where)
        if self._inferred is not None and self._inferred[0] == key:
            return self._inferred[1], self._inferred[2]
        where = where or block_title(params)
        inputs, outputs = self.input_nodes(), self.output_nodes()
        if not inputs:
            raise ShapeError(f"{where} has no Block input inside, so nothing can come in.")
        if not outputs:
            raise ShapeError(f"{where} has no Block output inside, so nothing comes out.")
        analysis = self.analyze(in_shapes)
        if analysis.errors:
            first = analysis.errors[0]
            raise ShapeError(_inside(first.message, self.graph, where), tuple(first.location))
        shapes = tuple(analysis.node_shapes[n.id] for n in outputs)
        repeat = params.get("repeat", 1)
        if repeat > 1:
            if len(inputs) != 1 or len(outputs) != 1:
                raise ShapeError(
                    f"{where} can repeat only with one input and one output; it has "
                    f"{len(inputs)} and {len(outputs)}: set Repeat to 1."
                )
            if shapes[0] != tuple(in_shapes[0]):
                raise ShapeError(
                    f"{where} can repeat only when its output fits its own input: it takes "
                    f"{fmt_shape(in_shapes[0])} but gives {fmt_shape(shapes[0])}. Set Repeat "
                    f"to 1, or make the layers inside give {fmt_shape(in_shapes[0])}."
                )
        count = analysis.total_params * repeat
        self._inferred = (key, shapes, count)
        return shapes, count

    def build(self, params: dict[str, Any], in_shapes: Sequence[Shape]):
        from nnstudio.core.compile import build_block

        return build_block(self, params.get("repeat", 1), in_shapes)


def _inside(message: str, graph: Graph, where: str) -> str:
    """Say where an inner problem is: "Linear (n3) needs" -> "Linear (n3) inside X needs"."""
    for node in graph.nodes.values():
        label = node.label
        if message.startswith(label):
            return f"{label} inside {where}{message[len(label) :]}"
    return f"Inside {where}: {message}"


# -- grouping and ungrouping ---------------------------------------------------------------


def _free_id(taken: set[str], stem: str) -> str:
    if stem not in taken:
        return stem
    k = 2
    while f"{stem}{k}" in taken:
        k += 1
    return f"{stem}{k}"


def check_group(graph: Graph, node_ids: Sequence[str]) -> list[str]:
    """The selected ids in graph order, or a GraphError that says why they can't be a block."""
    from nnstudio.core.errors import GraphError

    wanted = set(node_ids)
    chosen = [nid for nid in graph.nodes if nid in wanted]
    if not chosen:
        raise GraphError("Select the layers to put in the block first.")
    fixed = [graph.nodes[n] for n in chosen if graph.nodes[n].spec.role != "layer"]
    if fixed:
        raise GraphError(
            f"{fixed[0].label} stays outside blocks: leave it out of the selection.", fixed[0].id
        )
    inside = set(chosen)
    incoming = [e for n in chosen for e in graph.edges_into(n) if e.src.node not in inside]
    if not incoming:
        raise GraphError(
            "The selection has no inputs: nothing outside connects to it, so the block would "
            "get no data. Select layers that are fed from outside the selection.",
            chosen[0],
        )
    # A path that leaves the selection and comes back would become a loop through the block.
    todo = [e.dst.node for n in chosen for e in graph.edges_from(n) if e.dst.node not in inside]
    seen: set[str] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for edge in graph.edges_from(current):
            if edge.dst.node in inside:
                between = graph.nodes[current]
                raise GraphError(
                    f"Grouping these would make a loop: {between.label} takes data from the "
                    "selection and feeds it back in. Add it to the selection, or leave out the "
                    "layers after it.",
                    current,
                )
            todo.append(edge.dst.node)
    return chosen


def group_nodes(graph: Graph, node_ids: Sequence[str], name: str = "Block") -> str:
    """Replace the selected nodes with one block node holding them; returns its id.

    The block gets an input port per outside output that feeds the selection and an output
    port per inner output that feeds the outside. The inner nodes keep their ids, settings
    and positions, so ungrouping gives back the very same nodes."""
    from nnstudio.core.graph import Graph as GraphClass

    chosen = check_group(graph, node_ids)
    inside = set(chosen)
    incoming = [e for n in chosen for e in graph.edges_into(n) if e.src.node not in inside]
    outgoing = [e for n in chosen for e in graph.edges_from(n) if e.dst.node not in inside]
    inner_edges = [e for e in graph.edges if e.src.node in inside and e.dst.node in inside]
    xs = [graph.nodes[n].pos[0] for n in chosen]
    ys = [graph.nodes[n].pos[1] for n in chosen]
    middle_y = sum(ys) / len(ys)

    inner = GraphClass()
    taken = set(chosen)

    def boundary_nodes(
        ends: list[tuple[str, str]], kind: str, prefix: str, letter: str, x: float
    ) -> dict[tuple[str, str], str]:
        """One block_input/block_output node per distinct outside end, stacked around the
        selection's middle; outside end -> its node id."""
        node_of: dict[tuple[str, str], str] = {}
        for k, end in enumerate(ends):
            pid = _free_id(taken, prefix if k == 0 else f"{prefix}{k + 1}")
            taken.add(pid)
            label = letter if len(ends) == 1 else f"{letter}{k + 1}"
            y = middle_y + (k - (len(ends) - 1) / 2) * 110
            inner.add_node(kind, {"name": label}, (x, y), node_id=pid)
            node_of[end] = pid
        return node_of

    sources = list(dict.fromkeys((e.src.node, e.src.port) for e in incoming))
    port_of_source = boundary_nodes(sources, "block_input", "in", "x", min(xs) - 200)
    for nid in chosen:
        node = graph.nodes[nid]
        inner.add_node(
            node.type, dict(node.params), node.pos, node_id=nid, block=copy.deepcopy(node.block)
        )
    results = list(dict.fromkeys((e.src.node, e.src.port) for e in outgoing))
    port_of_result = boundary_nodes(results, "block_output", "out", "y", max(xs) + 200)
    for e in incoming:
        src = port_of_source[(e.src.node, e.src.port)]
        if inner.edge_into_port(e.dst.node, e.dst.port) is None:
            inner.connect(src, "out", e.dst.node, e.dst.port, check_loops=False)
    for e in inner_edges:
        inner.connect(e.src.node, e.src.port, e.dst.node, e.dst.port, check_loops=False)
    for (node, port), pid in port_of_result.items():
        inner.connect(node, port, pid, "in", check_loops=False)

    with graph.batch():
        for nid in chosen:
            graph.remove_node(nid)
        center = (sum(xs) / len(xs), middle_y)
        block_id = graph.new_id()
        graph.add_node("block", {"name": name}, center, node_id=block_id, block=Block(inner))
        for source, pid in port_of_source.items():
            graph.connect(source[0], source[1], block_id, pid, check_loops=False)
        for e in outgoing:
            pid = port_of_result[(e.src.node, e.src.port)]
            graph.connect(block_id, pid, e.dst.node, e.dst.port, check_loops=False)
    return block_id


def ungroup_node(graph: Graph, block_id: str) -> list[str]:
    """Put a block's inner nodes back in its place; returns their ids (renamed only where an
    id is already taken outside). A repeated block is refused: which copy would it be?"""
    from nnstudio.core.errors import GraphError

    node = graph.node(block_id)
    if node.block is None:
        raise GraphError(f"{node.label} is not a block, so there is nothing to ungroup.", block_id)
    if node.params["repeat"] > 1:
        raise GraphError(
            f"{node.label} repeats {node.params['repeat']} times: set Repeat to 1 to ungroup it "
            "(ungrouping makes one copy).",
            block_id,
        )
    inner = node.block.graph
    ports = {n.id for n in (*node.block.input_nodes(), *node.block.output_nodes())}
    into_block = graph.edges_into(block_id)
    out_of_block = graph.edges_from(block_id)
    taken = set(graph.nodes) - {block_id}
    rename: dict[str, str] = {}
    for nid in inner.nodes:
        if nid in ports:
            continue
        new = nid
        if new in taken:
            new = graph.new_id()
            while new in taken or new in inner.nodes:
                new = graph.new_id()
        taken.add(new)
        rename[nid] = new
    feeds = {(e.dst.port): (e.src.node, e.src.port) for e in into_block}
    with graph.batch():
        graph.remove_node(block_id)
        for nid, new in rename.items():
            n = inner.nodes[nid]
            graph.add_node(n.type, dict(n.params), n.pos, node_id=new, block=copy.deepcopy(n.block))
        for e in inner.edges:
            src_inside, dst_inside = e.src.node in rename, e.dst.node in rename
            if src_inside and dst_inside:
                dst = rename[e.dst.node]
                graph.connect(rename[e.src.node], e.src.port, dst, e.dst.port, check_loops=False)
            elif dst_inside and e.src.node in feeds:  # block input -> inner layer
                src_node, src_port = feeds[e.src.node]
                dst = rename[e.dst.node]
                graph.connect(src_node, src_port, dst, e.dst.port, check_loops=False)
        for e in out_of_block:  # inner layer -> block output -> outside
            into_port = inner.edges_into(e.src.port)
            if not into_port:
                continue
            inner_src = into_port[0].src
            if inner_src.node in rename:
                src = rename[inner_src.node]
                graph.connect(src, inner_src.port, e.dst.node, e.dst.port, check_loops=False)
            elif inner_src.node in feeds:  # a block that passes an input straight through
                src_node, src_port = feeds[inner_src.node]
                graph.connect(src_node, src_port, e.dst.node, e.dst.port, check_loops=False)
    return list(rename.values())


def graph_at(root: Graph, path: Sequence[str]) -> Graph:
    """The graph inside the block reached by following `path` (block node ids) from `root`."""
    from nnstudio.core.errors import GraphError

    graph = root
    for block_id in path:
        node = graph.node(block_id)
        if node.block is None:
            raise GraphError(f"{node.label} is not a block.", block_id)
        graph = node.block.graph
    return graph
