"""Turning a valid graph into a runnable `torch.nn.Module`.

The compiled module keeps one submodule per node, so gradient norms and weights can be
reported per canvas node and weights saved under stable names. The submodule's name is the
node id whenever the id can be one (`n3` gives state-dict keys `layers.n3.weight`, as saved
files hold); other ids go through `module_name`, the one place that maps ids to names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn

from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph
from nnstudio.core.initializers import apply_initializer
from nnstudio.core.layers import ShapeContext
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


@dataclass(frozen=True)
class _Step:
    node_id: str
    sources: tuple[str, ...]


class GraphModule(nn.Module):
    """Runs the graph's nodes in topological order, feeding each the outputs it is wired to."""

    def __init__(
        self, layers: dict[str, nn.Module], steps: list[_Step], input_id: str, output_source: str
    ):
        """`layers` is keyed by node id; the table stores them under `module_name(id)`."""
        super().__init__()
        self._names = {node_id: module_name(node_id) for node_id in layers}
        self.layers = nn.ModuleDict({self._names[nid]: m for nid, m in layers.items()})
        self._steps = steps
        self._input_id = input_id
        self._output_source = output_source
        self.labels: dict[str, str] = {}
        """Node id -> display label, for panels that name layers."""

    def module_for(self, node_id: str) -> nn.Module:
        """The submodule that runs node `node_id`."""
        return self.layers[self._names[node_id]]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[str, torch.Tensor] = {self._input_id: x}
        layers, names = self.layers, self._names
        for step in self._steps:
            module = layers[names[step.node_id]]
            values[step.node_id] = module(*(values[s] for s in step.sources))
        return values[self._output_source]

    def parametric_layers(self) -> list[tuple[str, nn.Module]]:
        """(node id, module) of every node with trainable parameters, in forward order."""
        found = [(step.node_id, self.module_for(step.node_id)) for step in self._steps]
        return [(nid, m) for nid, m in found if any(True for _ in m.parameters())]


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
    apply_initializer(model, initializer, init_scale)
    return model
