"""What a layer declaration holds.

One `LayerSpec` per layer type is the only place its facts live: the palette lists it, the
inspector edits its params, shape inference calls its shape rule, the compiler calls its
builder and the file loader checks params against it. Builders import torch lazily so the
GUI can paint its first window before torch is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nnstudio.core.code import Call
from nnstudio.core.errors import ShapeError
from nnstudio.core.params import ParamSet, Relevance, params

if TYPE_CHECKING:
    from torch import nn

Shape = tuple[int, ...]
Params = dict[str, Any]
Role = Literal["input", "output", "layer", "block_input", "block_output"]
View = Literal["feature_maps", "attention", "sequence_state"]
"""What "Inside a node" draws for a layer: one picture per channel of a sample
("feature_maps"), query × key weights per head ("attention"), or the state at each step of
the sequence ("sequence_state")."""


@dataclass(frozen=True)
class ShapeContext:
    """What shape rules need to know about the data: the Input's shape and the target."""

    input_shape: Shape | None
    task: str | None = None
    """"classification" or "regression": what the dataset asks for."""
    num_classes: int = 0
    target_dim: int = 1
    integer_input: bool | None = None
    """Whether the data are whole-number token ids; None when unknown."""
    target_steps: int = 0
    """Answers per sample when the target is a sequence of class ids (a pointer network's
    sorted order): the Output then takes (classes, steps). 0 means one answer per sample."""
    data_problem: str | None = None
    """Why the data could not be described (a missing file, say), for the Input to show."""


@dataclass(frozen=True)
class PortSpec:
    """A named connection point; `ranks` lists the tensor ranks (batch excluded) it accepts."""

    name: str
    label: str = ""
    ranks: tuple[int, ...] | None = None


ShapeRule = Callable[[Params, Sequence[Shape], ShapeContext], Shape]
ShapesRule = Callable[[Params, Sequence[Shape], ShapeContext], tuple[Shape, ...]]
CountRule = Callable[[Params, Sequence[Shape]], int]
Builder = Callable[[Params, Sequence[Shape]], "nn.Module"]


@dataclass(frozen=True)
class LayerCode:
    """How exported code writes one layer: a module built once, or an inline expression.

    `inline` is a Python expression over the inputs, written `{a}`, `{b}` (one per input
    port, by port name), for layers that are plain arithmetic such as Add.
    """

    module: Call | None = None
    inline: str | None = None
    onnx_problem: str | None = None
    """Why ONNX cannot express this layer with these settings; None when it can."""


ExportRule = Callable[[Params, Sequence[Shape]], LayerCode]
CallRule = Callable[[Params, Sequence[Shape]], Call]


def module_builder(rule: CallRule) -> Builder:
    """The builder of a layer declared by its constructor call."""
    return lambda p, ins: rule(p, ins).build()


def module_export(rule: CallRule) -> ExportRule:
    """The export rule of a layer declared by its constructor call."""
    return lambda p, ins: LayerCode(module=rule(p, ins))


def _no_params(_p: Params, _ins: Sequence[Shape]) -> int:
    return 0


@dataclass(frozen=True)
class LayerSpec:
    name: str
    display_name: str
    category: str
    help: str
    shape: ShapeRule
    build: Builder | None = None
    params: ParamSet = field(default_factory=params)
    inputs: tuple[PortSpec, ...] = (PortSpec("in"),)
    outputs: tuple[PortSpec, ...] = (PortSpec("out"),)
    param_count: CountRule = _no_params
    role: Role = "layer"
    relevance: Callable[[Params], Relevance] | None = None
    """Which params matter for the current values; None: all of them, all choices."""
    output_shapes: ShapesRule | None = None
    """For a layer with several outputs: one shape per output port, in order. Layers with
    one output leave it None and `shape` gives that output's shape."""
    in_palette: bool = True
    """False for declarations made only by other means (blocks and their ports)."""
    stackable: bool = True
    """Whether several copies with different weights can run stacked in one step (variants
    trained together). False for layers whose batch statistics would mix the copies."""
    stacked_forward: Callable[..., Any] | None = None
    """A fast path for stacked copies: (stacked params by name, *inputs of (V, B, ...)) ->
    output. Without it, parametric layers run stacked through torch.func.vmap."""
    module: CallRule | None = None
    """The layer's module as a constructor call; when given, `build` and `export` follow
    from it, so the app and exported code build the very same thing."""
    export: ExportRule | None = None
    """How exported PyTorch code writes this layer; None for the data ends (Input, Output)
    and for a layer that cannot be exported yet, which the exporter names."""
    view: View | None = None
    """What "Inside a node" shows for this layer for one chosen sample; None: nothing
    beyond the per-unit pictures that any layer of a 2D-data network gets."""

    def __post_init__(self) -> None:
        if self.module is not None:
            if self.build is None:
                object.__setattr__(self, "build", module_builder(self.module))
            if self.export is None:
                object.__setattr__(self, "export", module_export(self.module))

    def input_port(self, name: str) -> PortSpec | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output_port(self, name: str) -> PortSpec | None:
        return next((p for p in self.outputs if p.name == name), None)

    def summary(self, values: Params) -> str:
        """The short text a canvas node shows, e.g. "Linear · 16"."""
        parts = []
        for spec in self.params:
            if not spec.summary or spec.name not in values:
                continue
            value = values[spec.name]
            if spec.kind == "choice":
                parts.append(spec.display_choice(value))
            elif spec.kind == "bool":
                if value:
                    parts.append(spec.label.lower())
            else:
                parts.append(f"{value:g}" if isinstance(value, float) else str(value))
        return " · ".join([self.display_name, *parts])


def fmt_shape(shape: Shape) -> str:
    """Shapes as people read them: (8,) prints as (8), (1, 8, 8) as (1, 8, 8)."""
    return "(" + ", ".join(str(d) for d in shape) + ")"


def feature_axis(shape: Shape) -> int:
    """The batched tensor's feature axis for a per-sample `shape`: the last one for a sequence
    (steps, features), the first after the batch for flat features and image channels."""
    return 2 if len(shape) == 2 else 1


def single(ins: Sequence[Shape]) -> Shape:
    return ins[0]


def need_flat(display_name: str, shape: Shape) -> int:
    """The feature count of a flat input, or a ShapeError that tells the fix."""
    if len(shape) != 1:
        raise ShapeError(
            f"{display_name} needs a flat input but gets {fmt_shape(shape)}: "
            "insert a Flatten before it."
        )
    return shape[0]


def need_image(display_name: str, shape: Shape) -> tuple[int, int, int]:
    """(channels, height, width) of an image input, or a ShapeError that tells the fix."""
    if len(shape) != 3:
        hint = (
            "use a Reshape to turn it into (channels, height, width)"
            if len(shape) == 1
            else "it needs (channels, height, width)"
        )
        raise ShapeError(
            f"{display_name} needs an image input (channels, height, width) but gets "
            f"{fmt_shape(shape)}: {hint}."
        )
    c, h, w = shape
    return c, h, w
