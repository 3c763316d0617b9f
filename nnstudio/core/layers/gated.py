"""Declarations of the gated feed-forward family: GLU, SwiGLU, GeGLU and ReGLU.

Each is one layer with its own three projections: a gate and a value of `hidden` width from
the input, multiplied together after the gate's activation, then projected to `units`.
Only the gate's activation differs, so one factory declares all four.
"""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.spec import (
    Call,
    LayerSpec,
    Params,
    PortSpec,
    Shape,
    ShapeContext,
    fmt_shape,
)
from nnstudio.core.params import ParamSpec, params

CATEGORY = "Gated"

GATED_PARAMS = params(
    ParamSpec(
        "units",
        "int",
        8,
        "How many numbers the layer outputs.",
        minimum=1,
        maximum=65536,
        summary=True,
    ),
    ParamSpec(
        "hidden",
        "int",
        16,
        "Width of the gate and value projections inside the layer.",
        label="Hidden width",
        minimum=1,
        maximum=65536,
        summary=True,
    ),
    ParamSpec("bias", "bool", True, "Give each of the three projections a learned offset."),
)


def _features(display_name: str, shape: Shape) -> int:
    if len(shape) not in (1, 2):
        raise ShapeError(
            f"{display_name} needs flat features or a sequence (steps, features) but gets "
            f"{fmt_shape(shape)}: insert a Flatten before it."
        )
    return shape[-1]


def gated(kind: str, display_name: str, help_text: str) -> LayerSpec:
    def shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
        _features(display_name, ins[0])
        return (*ins[0][:-1], p["units"])

    def count(p: Params, ins: Sequence[Shape]) -> int:
        d, h, u, b = ins[0][-1], p["hidden"], p["units"], int(p["bias"])
        return 2 * (d * h + h * b) + h * u + u * b

    def module(p: Params, ins: Sequence[Shape]) -> Call:
        return Call.of("GatedFeedForward", ins[0][-1], p["hidden"], p["units"], kind, p["bias"])

    return LayerSpec(
        name=kind,
        display_name=display_name,
        category=CATEGORY,
        help=help_text,
        shape=shape,
        module=module,
        param_count=count,
        inputs=(PortSpec("in", ranks=(1, 2)),),
        params=GATED_PARAMS,
    )


GLU = gated(
    "glu",
    "GLU",
    "Gated linear unit: one projection of the input opens or closes a sigmoid gate on "
    "another, element by element, before a final projection. The network learns what to "
    "let through.",
)
SWIGLU = gated(
    "swiglu",
    "SwiGLU",
    "A gated unit whose gate uses SiLU (Swish) instead of a sigmoid. The feed-forward block "
    "of many recent language models.",
)
GEGLU = gated(
    "geglu",
    "GeGLU",
    "A gated unit whose gate uses GELU: a smooth gate that lets small negative values leak.",
)
REGLU = gated(
    "reglu",
    "ReGLU",
    "A gated unit whose gate uses ReLU: negative gate values shut the value off entirely.",
)

LAYERS = (GLU, SWIGLU, GEGLU, REGLU)
