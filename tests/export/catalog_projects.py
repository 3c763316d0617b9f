"""One small project per catalog layer, so export tests can cover the whole catalog."""

from __future__ import annotations

from typing import Any

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Graph
from nnstudio.core.layers import LAYERS
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import chain

EXPORTABLE = [spec.name for spec in LAYERS if spec.role == "layer" and spec.name != "block"]
"""Every layer but Block, which does not export as a class of its own yet (the exporter
names it before writing anything)."""
TAIL: list[tuple[str, dict[str, Any]]] = [
    ("flatten", {}),
    ("linear", {"units": 1}),
    ("output", {"task": "binary", "loss": "bce"}),
]


def project_for(layer: str, params: dict[str, Any] | None = None) -> Project:
    """Data in, a fitting lead-in, `layer`, then Flatten, Linear and a binary Output."""
    spec = LAYERS.get(layer)
    ranks = spec.inputs[0].ranks or (1,)
    graph = Graph()
    dataset = DatasetConfig("xor", {"n_samples": 120})
    if layer == "embedding":
        dataset = DatasetConfig("parity", {"length": 6})
        lead = chain(graph, [("input", {})])
    elif 1 in ranks:
        lead = chain(graph, [("input", {}), ("linear", {"units": 6})])
    elif 2 in ranks:
        dataset = DatasetConfig("parity", {"length": 6})
        lead = chain(graph, [("input", {}), ("embedding", {"vocab": 2, "dim": 4})])
    else:
        lead = chain(
            graph, [("input", {}), ("linear", {"units": 32}), ("reshape", {"shape": "2,4,4"})]
        )
    node = graph.add_node(layer, params or {})
    for port in spec.inputs:
        graph.connect(lead, "out", node.id, port.name)
    chain(graph, TAIL, node.id)
    settings = TrainingSettings({"batch_size": 16, "epochs": 2, "learning_rate": 0.01})
    return Project(graph, dataset, settings, f"{spec.display_name} test")
