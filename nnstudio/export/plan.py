"""Planning an export: everything that can go wrong is found here, before a file is written.

`plan_export` checks the project (its graph's problems, layers that cannot be exported,
settings that do not build, weights that do not fit) and gathers what the writers need: the
data, each node's code and Python name, and the weights under the exported names. A Run
(project snapshot plus weights) plugs in as `plan_export(run.project, run.weights)`.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nnstudio.core.code import Call
from nnstudio.core.datasets import Dataset, load_dataset
from nnstudio.core.errors import ExportError, NNStudioError
from nnstudio.core.layers import Shape
from nnstudio.core.layers.spec import LayerCode
from nnstudio.core.losses import LOSSES
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.project import Project
from nnstudio.core.validation import MAX_PARAMETERS, Analysis, analyze
from nnstudio.training.trainer import context_for

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class PlannedNode:
    """One node of the network as exported code writes it."""

    node_id: str
    label: str
    """How the app names it, e.g. "Linear (n3)"."""
    name: str
    """Its Python name in model.py, e.g. `linear_n3`."""
    code: LayerCode
    sources: tuple[str, ...]
    """The node ids feeding its input ports, in port order."""
    ports: tuple[str, ...]
    shape: Shape


@dataclass
class ExportPlan:
    project: Project
    dataset: Dataset
    analysis: Analysis
    input_id: str
    output_source: str
    nodes: list[PlannedNode]
    task: str
    loss: Call
    loss_name: str
    optimizer: Call
    weights: dict[str, torch.Tensor] | None = None
    """Trained weights under the app's state-dict names, or None."""
    notes: list[str] = field(default_factory=list)

    @property
    def input_shape(self) -> Shape:
        return self.analysis.node_shapes[self.input_id]

    @property
    def modules(self) -> list[PlannedNode]:
        return [n for n in self.nodes if n.code.module is not None]

    def exported_key(self, app_key: str) -> str:
        """The app's state-dict key (`layers.n3.weight`) as model.py names it
        (`linear_n3.weight`)."""
        _layers, node_id, rest = app_key.split(".", 2)
        return f"{self.name_of(node_id)}.{rest}"

    def name_of(self, node_id: str) -> str:
        return next(n.name for n in self.nodes if n.node_id == node_id)

    def exported_weights(self) -> dict[str, torch.Tensor] | None:
        if self.weights is None:
            return None
        return {
            self.exported_key(k): v.detach().cpu().contiguous() for k, v in self.weights.items()
        }


def python_name(display_name: str, node_id: str) -> str:
    """A readable, unique attribute name from a node's label: "SiLU (Swish)", n5 ->
    `silu_swish_n5`."""
    stem = re.sub(r"[^0-9a-zA-Z]+", "_", display_name).strip("_").lower() or "layer"
    name = f"{stem}_{re.sub(r'[^0-9a-zA-Z_]', '_', node_id)}"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = f"layer_{name}"
    return name


def plan_export(
    project: Project,
    weights: dict[str, torch.Tensor] | None = None,
    dataset: Dataset | None = None,
) -> ExportPlan:
    """Check `project` for export and plan it; ExportError lists every problem found."""
    if dataset is None:
        try:
            dataset = load_dataset(project.dataset)
        except NNStudioError as exc:
            raise ExportError("The project's data cannot be loaded.", [str(exc)]) from None
    graph = project.graph
    analysis = analyze(graph, context_for(dataset))
    if not analysis.ok:
        raise ExportError(
            "The network has problems, so it cannot be exported:",
            [p.message for p in analysis.errors],
        )
    if analysis.total_params > MAX_PARAMETERS:
        raise ExportError(
            "The network is too large to export:",
            [f"it has {analysis.total_params:,} parameters; the limit is {MAX_PARAMETERS:,}."],
        )
    problems: list[str] = []
    nodes: list[PlannedNode] = []
    for node_id in analysis.order:
        node = graph.nodes[node_id]
        spec = node.spec
        if node_id not in analysis.active or spec.role != "layer":
            continue
        in_edges = {e.dst.port: e.src.node for e in graph.edges_into(node_id)}
        sources = tuple(in_edges[p.name] for p in spec.inputs)
        in_shapes = [analysis.node_shapes[s] for s in sources]
        if spec.export is None:
            problems.append(f"{node.label}: {spec.display_name} layers cannot be exported yet.")
            continue
        try:
            code = spec.export(node.params, in_shapes)
        except NNStudioError as exc:
            problems.append(f"{node.label}: {exc}")
            continue
        nodes.append(
            PlannedNode(
                node_id,
                node.label,
                python_name(spec.display_name, node_id),
                code,
                sources,
                tuple(p.name for p in spec.inputs),
                analysis.node_shapes[node_id],
            )
        )
    output = graph.nodes_of_role("output")[0]
    loss_spec = LOSSES.get(output.params["loss"])
    settings = project.training
    try:
        optimizer = OPTIMIZERS.get(settings["optimizer"]).call(
            settings["learning_rate"], settings.optimizer_values()
        )
    except NNStudioError as exc:
        problems.append(f"Training settings, optimizer: {exc}")
        optimizer = Call.of("torch.optim.SGD")
    if weights is not None:
        from nnstudio.core.project_files import check_weights

        try:
            check_weights(project, weights)
        except NNStudioError as exc:
            problems.append(f"Trained weights: {exc}")
    if problems:
        raise ExportError("The project cannot be exported:", problems)
    input_id = graph.nodes_of_role("input")[0].id
    return ExportPlan(
        project=project,
        dataset=dataset,
        analysis=analysis,
        input_id=input_id,
        output_source=graph.edges_into(output.id)[0].src.node,
        nodes=nodes,
        task=output.params["task"],
        loss=loss_spec.module(output.params),
        loss_name=loss_spec.name,
        optimizer=optimizer,
        weights=weights,
    )
