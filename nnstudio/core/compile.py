"""Turning a valid graph into a runnable `torch.nn.Module`.

The compiled module keeps one submodule per node, so gradient norms and weights can be
reported per canvas node and weights saved under stable names. The submodule's name is the
node id whenever the id can be one (`n3` gives state-dict keys `layers.n3.weight`, as saved
files hold); other ids go through `module_name`, the one place that maps ids to names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch
from torch import nn

from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph, PortRef
from nnstudio.core.initializers import apply_initializer
from nnstudio.core.layers import Shape, ShapeContext
from nnstudio.core.validation import MAX_PARAMETERS, Analysis, analyze

_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@lru_cache(maxsize=1)
def _reserved_names() -> frozenset[str]:
    """Names a submodule of the layer table may not take: its own attributes and methods."""
    return frozenset(dir(nn.ModuleDict()))


def module_name(node_id: str) -> str:
    """The submodule name for a node id: the id itself when it is a plain identifier that is
    not an attribute of the module table; otherwise "_" and the id's UTF-8 bytes in hex.

    Plain ids never start with "_", so the two kinds can't collide, and the mapping is fixed,
    so a saved file's weight keys always find their layer again."""
    if _SAFE_NAME.match(node_id) and node_id not in _reserved_names():
        return node_id
    return "_" + node_id.encode("utf-8", "surrogatepass").hex()


Key = tuple[str, str]
"""(node id, output port): where a value comes from, so a node may have several outputs."""


@dataclass(frozen=True)
class _Step:
    node_id: str
    sources: tuple[Key, ...]
    outputs: tuple[Key, ...]


class _Body(nn.Module):
    """Runs nodes in topological order over a table of values: the network's body, and the
    body of each copy of a block."""

    def __init__(self, layers: dict[str, nn.Module], steps: list[_Step], labels: dict[str, str]):
        """`layers` is keyed by node id; the table stores them under `module_name(id)`."""
        super().__init__()
        self._names = {node_id: module_name(node_id) for node_id in layers}
        self.layers = nn.ModuleDict({self._names[nid]: m for nid, m in layers.items()})
        self._steps = steps
        self._labels = labels

    def module_for(self, node_id: str) -> nn.Module:
        """The submodule that runs node `node_id`."""
        return self.layers[self._names[node_id]]

    def _run(self, values: dict[Key, torch.Tensor]) -> None:
        layers, names = self.layers, self._names
        for step in self._steps:
            out = layers[names[step.node_id]](*(values[s] for s in step.sources))
            if len(step.outputs) == 1:
                values[step.outputs[0]] = out
            else:
                values.update(zip(step.outputs, out, strict=True))

    def _parametric(self, prefix: str, inside: str) -> list[tuple[str, str, nn.Module]]:
        """(id, label, module) of each layer with weights, blocks opened, in forward order."""
        found: list[tuple[str, str, nn.Module]] = []
        for step in self._steps:
            module, label = self.module_for(step.node_id), self._labels[step.node_id] + inside
            if isinstance(module, BlockModule):
                found += module.parametric(prefix + step.node_id, label)
            elif any(True for _ in module.parameters()):
                found.append((prefix + step.node_id, label, module))
        return found


class GraphModule(_Body):
    """The compiled network: one input tensor in, the Output's input out."""

    def __init__(
        self,
        layers: dict[str, nn.Module],
        steps: list[_Step],
        labels: dict[str, str],
        input_key: Key,
        output_key: Key,
    ):
        super().__init__(layers, steps, labels)
        self._input_key = input_key
        self._output_key = output_key
        self.labels: dict[str, str] = {
            nid: label for nid, label, _m in self._parametric("", "")
        } | dict(labels)
        """Layer id -> display label, for panels that name layers (inner layers of blocks
        have ids like "n5/n2" and labels like "Linear (n2) in Encoder (n5)")."""
        self.node_types: dict[str, str] = {}
        """Node id -> layer type name, so code that runs the nodes can ask their declaration."""

    def schedule(self) -> list[tuple[str, nn.Module, tuple[str, ...]]]:
        """(node id, module, source node ids) in the order forward runs them. For networks
        whose nodes have one output each (the only ones variants train stacked)."""
        return [
            (st.node_id, self.module_for(st.node_id), tuple(src for src, _port in st.sources))
            for st in self._steps
        ]

    @property
    def input_id(self) -> str:
        return self._input_key[0]

    @property
    def output_source(self) -> str:
        return self._output_key[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[Key, torch.Tensor] = {self._input_key: x}
        self._run(values)
        return values[self._output_key]

    def parametric_layers(self) -> list[tuple[str, nn.Module]]:
        """(layer id, module) of every layer with trainable parameters, in forward order;
        the layers inside blocks are listed one by one, per copy."""
        return [(nid, module) for nid, _label, module in self._parametric("", "")]


class BlockBody(_Body):
    """One copy of a block's inside: values arrive at its Block inputs, leave at its outputs."""

    def __init__(
        self,
        layers: dict[str, nn.Module],
        steps: list[_Step],
        labels: dict[str, str],
        input_keys: list[Key],
        output_keys: list[Key],
    ):
        super().__init__(layers, steps, labels)
        self._input_keys = input_keys
        self._output_keys = output_keys

    def forward(self, *xs: torch.Tensor):
        values: dict[Key, torch.Tensor] = dict(zip(self._input_keys, xs, strict=True))
        self._run(values)
        outs = tuple(values[k] for k in self._output_keys)
        return outs[0] if len(outs) == 1 else outs


class BlockModule(nn.Module):
    """A block node: its copies run one after another, each with its own weights."""

    def __init__(self, copies: list[BlockBody]) -> None:
        super().__init__()
        self.copies = nn.ModuleList(copies)

    def forward(self, *xs: torch.Tensor):
        out = self.copies[0](*xs)
        for body in self.copies[1:]:
            out = body(out)  # a block repeats only with one input and one output
        return out

    def parametric(self, node_id: str, label: str) -> list[tuple[str, str, nn.Module]]:
        many = len(self.copies) > 1
        found = []
        for k, body in enumerate(self.copies):
            copy = f"#{k + 1}" if many else ""
            where = f" in {label}{f' copy {k + 1}' if many else ''}"
            found += body._parametric(f"{node_id}{copy}/", where)
        return found


def _steps(graph: Graph, analysis: Analysis) -> tuple[dict[str, nn.Module], list[_Step]]:
    """Build a module for every node the data flows through, in topological order."""
    layers: dict[str, nn.Module] = {}
    steps: list[_Step] = []
    for node_id in analysis.order:
        node = graph.nodes[node_id]
        spec = node.spec
        if node_id not in analysis.active or spec.build is None:
            continue
        in_edges = {e.dst.port: (e.src.node, e.src.port) for e in graph.edges_into(node_id)}
        sources = tuple(in_edges[p.name] for p in spec.inputs)
        in_shapes = [analysis.port_shapes[PortRef(*s)] for s in sources]
        layers[node_id] = spec.build(node.params, in_shapes)
        steps.append(_Step(node_id, sources, tuple((node_id, p.name) for p in spec.outputs)))
    return layers, steps


def _source(graph: Graph, node_id: str) -> Key:
    edge = graph.edges_into(node_id)[0]
    return (edge.src.node, edge.src.port)


def build_block(block: Any, repeat: int, in_shapes: Sequence[Shape]) -> BlockModule:
    """Compile a block's inside `repeat` times; the copies' weights are drawn one after
    another from the seeded generator, so each copy starts different."""
    graph = block.graph
    copies = []
    for _ in range(repeat):
        analysis = block.analyze(in_shapes)
        if analysis.errors:
            first = analysis.errors[0]
            raise GraphError(first.message, first.node_id)
        layers, steps = _steps(graph, analysis)
        labels = {nid: graph.nodes[nid].label for nid in layers}
        inputs = [(n.id, n.spec.outputs[0].name) for n in block.input_nodes()]
        outputs = [_source(graph, n.id) for n in block.output_nodes()]
        copies.append(BlockBody(layers, steps, labels, inputs, outputs))
    return BlockModule(copies)


def compile_graph(
    graph: Graph,
    ctx: ShapeContext,
    initializer: str = "default",
    init_scale: float = 1.0,
    seed: int | None = 0,
) -> GraphModule:
    """Build the module; raises GraphError naming the first problem if the graph is invalid."""
    analysis = analyze(graph, ctx)
    return compile_analyzed(graph, analysis, initializer, init_scale, seed)


def compile_analyzed(
    graph: Graph,
    analysis: Analysis,
    initializer: str = "default",
    init_scale: float = 1.0,
    seed: int | None = 0,
) -> GraphModule:
    if not analysis.ok:
        first = analysis.errors[0]
        raise GraphError(first.message, first.node_id)
    total = analysis.total_params
    if total > MAX_PARAMETERS:
        raise GraphError(
            f"This network would have {total:,} parameters, more than the {MAX_PARAMETERS:,} "
            "NN Studio allows: make the layers smaller."
        )
    source = graph.nodes_of_role("input")[0]
    input_key = (source.id, source.spec.outputs[0].name)
    output_key = _source(graph, graph.nodes_of_role("output")[0].id)
    if seed is not None:
        torch.manual_seed(seed)
    layers, steps = _steps(graph, analysis)
    labels = {nid: graph.nodes[nid].label for nid in layers}
    model = GraphModule(layers, steps, labels, input_key, output_key)
    model.node_types = {nid: graph.nodes[nid].type for nid in layers}
    apply_initializer(model, initializer, init_scale)
    return model
