"""Declarations of the layers that join branches: Add (skip connections) and Concatenate."""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.spec import (
    LayerCode,
    LayerSpec,
    Params,
    PortSpec,
    Shape,
    ShapeContext,
    fmt_shape,
)

CATEGORY = "Topology"
TWO_INPUTS = (PortSpec("a", "A"), PortSpec("b", "B"))


def _add_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    a, b = ins
    if a != b:
        raise ShapeError(
            f"Add needs both inputs to have the same shape but gets {fmt_shape(a)} and "
            f"{fmt_shape(b)}: make the branches end with the same size."
        )
    return a


def _cat_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    a, b = ins
    if len(a) != len(b) or a[1:] != b[1:]:
        raise ShapeError(
            f"Concatenate joins along the first axis, so the rest must match, but gets "
            f"{fmt_shape(a)} and {fmt_shape(b)}."
        )
    return (a[0] + b[0], *a[1:])


def _add_build(_p: Params, _ins: Sequence[Shape]):
    from nnstudio.core.modules import AddModule

    return AddModule()


def _cat_build(_p: Params, _ins: Sequence[Shape]):
    from nnstudio.core.modules import ConcatModule

    return ConcatModule()


ADD = LayerSpec(
    name="add",
    display_name="Add",
    category=CATEGORY,
    help="Adds two branches element by element. A skip connection: the signal and its "
    "gradient can bypass the layers in between.",
    shape=_add_shape,
    build=_add_build,
    export=lambda _p, _ins: LayerCode(inline="{a} + {b}"),
    inputs=TWO_INPUTS,
)

CONCATENATE = LayerSpec(
    name="concatenate",
    display_name="Concatenate",
    category=CATEGORY,
    help="Places two branches side by side: features (or image channels) are joined.",
    shape=_cat_shape,
    build=_cat_build,
    export=lambda _p, _ins: LayerCode(inline="torch.cat(({a}, {b}), dim=1)"),
    inputs=TWO_INPUTS,
)

LAYERS = (ADD, CONCATENATE)
