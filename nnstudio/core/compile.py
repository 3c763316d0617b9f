"""Turning a valid graph into a runnable `torch.nn.Module`.

The compiled module keeps one submodule per node, keyed by the node id, so gradient norms and
weights can be reported per canvas node and weights saved under stable names.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph
from nnstudio.core.initializers import apply_initializer
from nnstudio.core.layers import ShapeContext
from nnstudio.core.validation import MAX_PARAMETERS, Analysis, analyze


@dataclass(frozen=True)
class _Step:
    node_id: str
    sources: tuple[str, ...]


class GraphModule(nn.Module):
    """Runs the graph's nodes in topological order, feeding each the outputs it is wired to."""

    def __init__(
        self, layers: dict[str, nn.Module], steps: list[_Step], input_id: str, output_source: str
    ):
        super().__init__()
        self.layers = nn.ModuleDict(layers)
        self._steps = steps
        self._input_id = input_id
        self._output_source = output_source
        self.labels: dict[str, str] = {}
        """Node id -> display label, for panels that name layers."""
        self.node_types: dict[str, str] = {}
        """Node id -> layer type name, so code that runs the nodes can ask their declaration."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[str, torch.Tensor] = {self._input_id: x}
        layers = self.layers
        for step in self._steps:
            values[step.node_id] = layers[step.node_id](*(values[s] for s in step.sources))
        return values[self._output_source]

    def schedule(self) -> list[tuple[str, nn.Module, tuple[str, ...]]]:
        """(node id, module, source node ids) in the order forward runs them."""
        return [(st.node_id, self.layers[st.node_id], st.sources) for st in self._steps]

    @property
    def input_id(self) -> str:
        return self._input_id

    @property
    def output_source(self) -> str:
        return self._output_source

    def parametric_layers(self) -> list[tuple[str, nn.Module]]:
        """(node id, module) of every node with trainable parameters, in forward order."""
        return [
            (step.node_id, self.layers[step.node_id])
            for step in self._steps
            if any(True for _ in self.layers[step.node_id].parameters())
        ]


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
    input_id = graph.nodes_of_role("input")[0].id
    output = graph.nodes_of_role("output")[0]
    output_source = graph.edges_into(output.id)[0].src.node
    if seed is not None:
        torch.manual_seed(seed)
    layers: dict[str, nn.Module] = {}
    steps: list[_Step] = []
    for node_id in analysis.order:
        node = graph.nodes[node_id]
        if node_id not in analysis.active or node.spec.build is None:
            continue
        in_edges = {e.dst.port: e.src.node for e in graph.edges_into(node_id)}
        sources = tuple(in_edges[p.name] for p in node.spec.inputs)
        in_shapes = [analysis.node_shapes[s] for s in sources]
        layers[node_id] = node.spec.build(node.params, in_shapes)
        steps.append(_Step(node_id, sources))
    model = GraphModule(layers, steps, input_id, output_source)
    model.labels = {nid: graph.nodes[nid].label for nid in layers}
    model.node_types = {nid: graph.nodes[nid].type for nid in layers}
    apply_initializer(model, initializer, init_scale)
    return model
