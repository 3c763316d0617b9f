"""Shape inference and validation of a whole graph against its data.

`analyze` walks the graph in topological order, calls each layer's declared shape rule and
parameter-count rule, and collects every problem with the node it belongs to, so the canvas
can paint that node red and the problems list can select it. `check_connection` is the
gatekeeper for a new edge: the structural rules of the graph plus the port's tensor rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from nnstudio.core.block_limits import MAX_LAYER_COPIES, check_no_self_containment, layer_copies
from nnstudio.core.errors import GraphError, ShapeError
from nnstudio.core.graph import Edge, Graph, Node, PortRef
from nnstudio.core.layers import LAYERS, Shape, ShapeContext, fmt_shape
from nnstudio.core.losses import loss_input_warning

Severity = Literal["error", "warning"]
RANK_NAMES = {1: "flat features", 2: "a sequence", 3: "an image (channels, height, width)"}
MAX_PARAMETERS = 200_000_000
"""Refuse to allocate more than this: a typo (or a hostile file) must not eat all memory.

It lives here, beside the parameter counts, so the file loader can check it without torch."""


@dataclass(frozen=True)
class Problem:
    node_id: str | None
    message: str
    severity: Severity = "error"
    inner: tuple[str, ...] = ()
    """When the cause lies inside the block `node_id`: the ids of the blocks within it to
    open, then the node itself, so a click can go there. Empty for the node itself."""

    @property
    def location(self) -> list[str]:
        """The whole way from the top: the blocks to open, then the node (empty: no node)."""
        return [self.node_id, *self.inner] if self.node_id else []


@dataclass
class Analysis:
    """Everything inference learned: shapes, parameter counts and problems."""

    order: list[str] = field(default_factory=list)
    node_shapes: dict[str, Shape] = field(default_factory=dict)
    edge_shapes: dict[Edge, Shape] = field(default_factory=dict)
    port_shapes: dict[PortRef, Shape] = field(default_factory=dict)
    """The shape leaving each output port; a node with several outputs has one per port."""
    param_counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    active: set[str] = field(default_factory=set)
    """Nodes on a path from the Input to the Output: the ones the compiled model runs."""
    _by_node: dict[str | None, list[Problem]] | None = field(
        default=None, repr=False, compare=False
    )
    _indexed: int = field(default=0, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(self.param_counts.get(nid, 0) for nid in self.active or self.param_counts)

    def problems_for(self, node_id: str) -> list[Problem]:
        """This node's problems; indexed on first use, so asking for every node stays linear."""
        index = self._by_node
        if index is None or self._indexed != len(self.problems):
            index = {}
            for problem in self.problems:
                index.setdefault(problem.node_id, []).append(problem)
            self._by_node, self._indexed = index, len(self.problems)
        return list(index.get(node_id, ()))


def _name_node(node: Node, message: str) -> str:
    """Make a layer's message name the node itself: "Linear needs..." -> "Linear (n3) needs..."."""
    display = node.spec.display_name
    if message.startswith(display + " "):
        return node.label + message[len(display) :]
    if node.label in message:  # a block's message already names it ("... inside Encoder (n5)")
        return message
    return f"{node.label}: {message}"


def _reachable(graph: Graph, starts: list[str], forward: bool) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if forward:
            todo.extend(edge.dst.node for edge in graph.edges_from(current))
        else:
            todo.extend(edge.src.node for edge in graph.edges_into(current))
    return seen


def analyze(graph: Graph, ctx: ShapeContext) -> Analysis:
    """The whole network against its data: shapes, parameter counts and every problem."""
    result = Analysis()
    problems = result.problems
    inputs, outputs = graph.nodes_of_role("input"), graph.nodes_of_role("output")
    if not inputs:
        problems.append(Problem(None, "The network has no Input: drag one from the palette."))
    if not outputs:
        problems.append(Problem(None, "The network has no Output: add one after the last layer."))
    for extra in inputs[1:]:
        problems.append(Problem(extra.id, f"{extra.label}: only one Input is allowed; delete it."))
    for extra in outputs[1:]:
        problems.append(Problem(extra.id, f"{extra.label}: only one Output is allowed; delete it."))
    for stray in (*graph.nodes_of_role("block_input"), *graph.nodes_of_role("block_output")):
        problems.append(
            Problem(stray.id, f"{stray.label} only works inside a block: delete it here.")
        )
    try:
        check_no_self_containment(graph)
        result.order = graph.topological_order()
    except GraphError as exc:
        problems.append(Problem(exc.node_id, str(exc)))
        return result
    if (copies := layer_copies(graph)) > MAX_LAYER_COPIES:
        problems.append(
            Problem(
                None,
                f"With every block's repeats unrolled this network has over {copies:,} layers, "
                f"more than the {MAX_LAYER_COPIES:,} NN Studio builds: lower the Repeat of the "
                "blocks (repeats inside repeats multiply).",
            )
        )
        return result
    if inputs and outputs:
        result.active = _reachable(graph, [inputs[0].id], True) & _reachable(
            graph, [outputs[0].id], False
        )
        _warn_inactive(graph, result, "Input to Output")
    _infer(graph, ctx, result, None)
    _check_loss_input(graph, outputs[:1], problems)
    return result


def analyze_block(graph: Graph, given: dict[str, Shape]) -> Analysis:
    """The inside of a block, with `given` shapes arriving at its Block input nodes.

    Shape rules inside a block never see the dataset (no Input or Output lives there), so
    the same block works wherever it is placed."""
    result = Analysis()
    problems = result.problems
    ins, outs = graph.nodes_of_role("block_input"), graph.nodes_of_role("block_output")
    for stray in (*graph.nodes_of_role("input"), *graph.nodes_of_role("output")):
        problems.append(
            Problem(stray.id, f"{stray.label} belongs outside blocks: move it out or delete it.")
        )
    try:
        result.order = graph.topological_order()
    except GraphError as exc:
        problems.append(Problem(exc.node_id, str(exc)))
        return result
    starts, ends = [n.id for n in ins], [n.id for n in outs]
    result.active = _reachable(graph, starts, True) & _reachable(graph, ends, False)
    _warn_inactive(graph, result, "a Block input to a Block output")
    _infer(graph, ShapeContext(None), result, given)
    return result


def _warn_inactive(graph: Graph, result: Analysis, path: str) -> None:
    for node in graph.nodes.values():
        if node.id not in result.active:
            result.problems.append(
                Problem(
                    node.id,
                    f"{node.label} is not on a path from {path}, so training ignores it: "
                    "connect it or delete it.",
                    "warning",
                )
            )


def _infer(
    graph: Graph, ctx: ShapeContext, result: Analysis, given: dict[str, Shape] | None
) -> None:
    """Shapes and counts in topological order; each output port gets its own shape.
    `given` holds the shapes at a block's inputs (None for the whole network)."""
    inside = given is not None
    given = given or {}
    problems, port_shapes = result.problems, result.port_shapes
    for node_id in result.order:
        node = graph.nodes[node_id]
        spec = node.spec
        if node_id in given:  # a Block input: the shape arriving at the block's port
            shapes: tuple[Shape, ...] = (given[node_id],)
            shape, count = given[node_id], 0
        elif spec.role == "block_input":
            if not inside:
                continue  # at the top level it has its own problem already
            name = node.params.get("name", "")
            problems.append(
                Problem(
                    node_id,
                    f"{node.label}: nothing arrives here yet: connect the block's {name} input "
                    "outside the block.",
                )
            )
            continue
        else:
            in_shapes: list[Shape] = []
            missing = False
            for port in spec.inputs:
                edge = graph.edge_into_port(node_id, port.name)
                if edge is None:
                    missing = True
                    what = (
                        "its input" if len(spec.inputs) == 1 else f"input {port.label or port.name}"
                    )
                    problems.append(
                        Problem(
                            node_id,
                            f"{node.label} has nothing connected to {what}: connect a layer to "
                            "it or delete it.",
                        )
                    )
                elif edge.src in port_shapes:
                    in_shapes.append(port_shapes[edge.src])
                else:
                    missing = True  # upstream already failed; its own problem says why
            if missing:
                continue
            try:
                if spec.output_shapes is not None:
                    shapes = spec.output_shapes(node.params, in_shapes, ctx)
                    shape = shapes[0] if shapes else ()
                else:
                    shape = spec.shape(node.params, in_shapes, ctx)
                    shapes = (shape,)
                count = spec.param_count(node.params, in_shapes)
            except ShapeError as exc:
                problems.append(Problem(node_id, _name_node(node, str(exc)), inner=exc.path))
                continue
        result.node_shapes[node_id] = shape
        result.param_counts[node_id] = count
        for port, port_shape in zip(spec.outputs, shapes, strict=False):
            port_shapes[PortRef(node_id, port.name)] = port_shape
        for edge in graph.edges_from(node_id):
            if edge.src in port_shapes:
                result.edge_shapes[edge] = port_shapes[edge.src]


def _check_loss_input(graph: Graph, outputs: list[Node], problems: list[Problem]) -> None:
    """Warn when the layer before the Output clashes with its loss (a softmax applied twice)."""
    for output in outputs:
        edges = graph.edges_into(output.id)
        if not edges:
            continue
        before = graph.nodes[edges[0].src.node].spec.name
        message = loss_input_warning(
            output.params["loss"], before, lambda name: LAYERS.get(name).display_name
        )
        if message:
            problems.append(Problem(output.id, f"{output.label}: {message}", "warning"))


def describe_rank(rank: int) -> str:
    return RANK_NAMES.get(rank, f"rank-{rank} tensors")


def check_connection(
    graph: Graph, edge: Edge, ctx: ShapeContext, analysis: Analysis | None = None
) -> None:
    """Raise GraphError, with a message for the status bar, if `edge` may not be made.

    `analysis` is the graph's current one when the caller has it (inside a block, the
    block's own analysis, which knows the shapes arriving from outside)."""
    graph.check_connect(edge)
    dst = graph.node(edge.dst.node)
    port = dst.spec.input_port(edge.dst.port)
    if port is None or port.ranks is None:
        return
    shape = (analysis or analyze(graph, ctx)).port_shapes.get(edge.src)
    if shape is None or len(shape) in port.ranks:
        return
    src = graph.node(edge.src.node)
    try:
        # The layer's own rule words the mismatch best ("insert a Flatten before it").
        dst.spec.shape(dst.params, [shape] * len(dst.spec.inputs), ctx)
    except ShapeError as exc:
        raise GraphError(_name_node(dst, str(exc)), dst.id) from None
    wants = " or ".join(describe_rank(r) for r in port.ranks)
    raise GraphError(
        f"{dst.label} takes {wants}, but {src.label} gives {fmt_shape(shape)}.", dst.id
    )
