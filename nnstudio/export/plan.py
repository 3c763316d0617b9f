"""Planning an export: everything that can go wrong is found here, before a file is written.

`plan_export` checks the project (its graph's problems, layers that cannot be exported,
settings that do not build, weights that do not fit) and gathers what the writers need: the
data, each node's code and Python name, and the weights under the exported names. A Run
(project snapshot plus weights) plugs in as `plan_export(run.project, run.weights)`.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nnstudio.core.code import Call
from nnstudio.core.compile import module_name
from nnstudio.core.datasets import Dataset, load_dataset
from nnstudio.core.errors import ExportError, NNStudioError
from nnstudio.core.graph import Graph, PortRef
from nnstudio.core.layers import Shape
from nnstudio.core.layers.spec import LayerCode
from nnstudio.core.losses import LOSSES
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.project import Project
from nnstudio.core.validation import MAX_PARAMETERS, Analysis, analyze
from nnstudio.training.trainer import context_for

if TYPE_CHECKING:
    import torch


Key = tuple[str, str]
"""(node id, output port): where a value comes from (a block may have several outputs)."""


@dataclass(frozen=True)
class PlannedNode:
    """One node of the network (or of a block's inside) as exported code writes it."""

    node_id: str
    label: str
    """How the app names it, e.g. "Linear (n3)"."""
    name: str
    """Its Python name in model.py, e.g. `linear_n3`."""
    code: LayerCode
    sources: tuple[Key, ...]
    """What feeds its input ports, in port order."""
    ports: tuple[str, ...]
    shape: Shape
    """The shape of its (first) output."""
    outputs: tuple[Key, ...] = ()
    """Its output ports, as the keys that later nodes read."""
    shapes: tuple[Shape, ...] = ()
    """The shape of each output."""
    block: PlannedBlock | None = None
    """For a block node: the class its copies are made of."""
    repeat: int = 1
    where: str = ""
    """For a node inside a block, which block, for messages: " inside Encoder ×2 (n5)"."""


@dataclass
class PlannedBlock:
    """A block's inside, written once as a class of its own; block nodes with the same name,
    content and input shapes share it."""

    title: str
    """The block's name, e.g. "Encoder"."""
    inputs: tuple[Key, ...]
    """The Block input nodes' outputs, in port order: the arguments of `forward`."""
    input_labels: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    nodes: list[PlannedNode]
    outputs: tuple[Key, ...]
    """What feeds each Block output, in port order: what `forward` returns."""
    output_shapes: tuple[Shape, ...]
    class_name: str = ""
    """Given once every block is planned, so that names never collide."""


def _exported_parts(
    nodes: list[PlannedNode], parts: list[str], tables: dict[int, dict[str, PlannedNode]]
) -> list[str]:
    """`layers.<id>...` of one body (top level or a block copy) as model.py names it;
    `tables` caches each body's submodule name -> node."""
    table = tables.get(id(nodes))
    if table is None:
        table = tables[id(nodes)] = {module_name(n.node_id): n for n in nodes}
    node = table[parts[1]]
    rest = parts[2:]
    if node.block is None:
        return [node.name, *rest]
    # rest is ["copies", k, "layers", <id>, ...]; one copy is written without its index.
    copy = [rest[1]] if node.repeat > 1 else []
    return [node.name, *copy, *_exported_parts(node.block.nodes, rest[2:], tables)]


@dataclass
class ExportPlan:
    project: Project
    dataset: Dataset
    analysis: Analysis
    input_id: str
    output_source: str
    nodes: list[PlannedNode]
    output_key: Key
    blocks: list[PlannedBlock]
    """Each distinct block class, inner ones before the blocks that use them."""
    task: str
    loss: Call
    loss_name: str
    optimizer: Call
    weights: dict[str, torch.Tensor] | None = None
    """Trained weights under the app's state-dict names, or None."""
    notes: list[str] = field(default_factory=list)
    _tables: dict[int, dict[str, PlannedNode]] = field(default_factory=dict, repr=False)

    @property
    def input_shape(self) -> Shape:
        return self.analysis.node_shapes[self.input_id]

    @property
    def modules(self) -> list[PlannedNode]:
        return [n for n in self.nodes if n.code.module is not None]

    @property
    def input_key(self) -> Key:
        return (self.input_id, self.project.graph.nodes[self.input_id].spec.outputs[0].name)

    def all_nodes(self) -> Iterator[PlannedNode]:
        """Every planned node: the top level's, then each block class's inside once."""
        yield from self.nodes
        for block in self.blocks:
            yield from block.nodes

    def exported_key(self, app_key: str) -> str:
        """The app's state-dict key as model.py names it: `layers.n3.weight` is
        `linear_n3.weight`, and `layers.n5.copies.1.layers.n2.weight` (copy 2 of a block
        ×2) is `encoder_n5.1.linear_n2.weight`."""
        return ".".join(_exported_parts(self.nodes, app_key.split("."), self._tables))

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
    planner = _Planner(problems)
    nodes = planner.body(graph, analysis, "")
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
        output_key=_source_of(graph, output.id),
        blocks=planner.named_blocks(nodes),
        task=output.params["task"],
        loss=loss_spec.module(output.params),
        loss_name=loss_spec.name,
        optimizer=optimizer,
        weights=weights,
    )


def _source_of(graph: Graph, node_id: str) -> Key:
    edge = graph.edges_into(node_id)[0]
    return (edge.src.node, edge.src.port)


class _Planner:
    """Plans a graph's nodes, and each distinct block inside it once, as the app compiles
    them (active nodes in topological order)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.blocks: dict[Any, PlannedBlock] = {}
        """Content and input shapes -> the planned class, inner blocks first."""

    def body(self, graph: Graph, analysis: Analysis, where: str) -> list[PlannedNode]:
        nodes: list[PlannedNode] = []
        for node_id in analysis.order:
            node = graph.nodes[node_id]
            spec = node.spec
            if node_id not in analysis.active or spec.role != "layer":
                continue
            in_edges = {e.dst.port: (e.src.node, e.src.port) for e in graph.edges_into(node_id)}
            sources = tuple(in_edges[p.name] for p in spec.inputs)
            in_shapes = [analysis.port_shapes[PortRef(*s)] for s in sources]
            outputs = tuple((node_id, p.name) for p in spec.outputs)
            shapes = tuple(analysis.port_shapes[PortRef(*k)] for k in outputs)
            label = node.label
            block = None
            repeat = 1
            if node.block is not None:
                repeat = node.params.get("repeat", 1)
                inside = f" inside {label}{where}"  # " inside Inner (n3) inside Outer (n5)"
                block = self.block(node.block, node.params, in_shapes, inside)
                if block is None:
                    continue
                code = LayerCode()
                stem = short_title(node.params.get("name") or "block")
            elif spec.export is None:
                self.problems.append(
                    f"{label}{where}: {spec.display_name} layers cannot be exported yet."
                )
                continue
            else:
                try:
                    code = spec.export(node.params, in_shapes)
                except NNStudioError as exc:
                    self.problems.append(f"{label}{where}: {exc}")
                    continue
                stem = spec.display_name
            nodes.append(
                PlannedNode(
                    node_id,
                    label,
                    python_name(stem, node_id),
                    code,
                    sources,
                    tuple(p.name for p in spec.inputs),
                    shapes[0] if shapes else (),
                    outputs,
                    shapes,
                    block,
                    repeat,
                    where,
                )
            )
        return nodes

    def block(
        self, content: Any, params: dict[str, Any], in_shapes: list[Shape], where: str
    ) -> PlannedBlock | None:
        graph: Graph = content.graph
        title = params.get("name") or "Block"
        content_key = json.dumps(graph.to_dict(), sort_keys=True, default=str)
        key = (title, content_key, tuple(tuple(s) for s in in_shapes))
        if key in self.blocks:
            return self.blocks[key]
        analysis = content.analyze(in_shapes)
        if analysis.errors:
            self.problems.append(f"{analysis.errors[0].message} ({where.strip()})")
            return None
        before = len(self.problems)
        nodes = self.body(graph, analysis, where)
        if len(self.problems) > before:
            return None
        ins, outs = content.input_nodes(), content.output_nodes()
        inputs = tuple((n.id, n.spec.outputs[0].name) for n in ins)
        outputs = tuple(_source_of(graph, n.id) for n in outs)
        planned = PlannedBlock(
            title=title,
            inputs=inputs,
            input_labels=tuple(str(n.params.get("name", "x")) for n in ins),
            input_shapes=tuple(tuple(s) for s in in_shapes),
            nodes=nodes,
            outputs=outputs,
            output_shapes=tuple(analysis.port_shapes[PortRef(*k)] for k in outputs),
        )
        self.blocks[key] = planned  # after its inner blocks, so they are defined first
        return planned

    def named_blocks(self, top: list[PlannedNode]) -> list[PlannedBlock]:
        """The planned blocks, each given a class name that no other definition takes (our
        own layer classes are copied into model.py beside them)."""
        blocks = list(self.blocks.values())
        taken = {"Network"}
        for node in [*top, *(n for b in blocks for n in b.nodes)]:
            if node.code.module is not None and node.code.module.own is not None:
                taken.add(node.code.module.own[1])
        for block in blocks:
            stem = class_name(short_title(block.title))
            name, k = stem, 2
            while name in taken:
                name, k = f"{stem}{k}", k + 1
            taken.add(name)
            block.class_name = name
        return blocks


def short_title(title: str) -> str:
    """A block's name cut to about 24 characters (at a space where it can), so the names and
    lines built from it stay short."""
    if len(title) <= 24:
        return title
    cut = title[:25].rsplit(" ", 1)[0].rstrip()
    return cut if 8 <= len(cut) <= 24 else title[:24]


def class_name(title: str) -> str:
    """A class name from a block's name: "Encoder" -> `EncoderBlock`, "my res block" ->
    `MyResBlock`."""
    words = re.findall(r"[0-9A-Za-z]+", title)
    stem = "".join(w[:1].upper() + w[1:] for w in words) or "Custom"
    if stem[0].isdigit():
        stem = f"Block{stem}"
    return stem if stem.endswith("Block") else f"{stem}Block"
