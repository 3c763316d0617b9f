"""Declarations of the per-sample normalizations: LayerNorm and RMSNorm.

Unlike BatchNorm they look at one sample at a time, so they behave the same in training and
at test time and work with any batch size, including 1.
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

CATEGORY = "Regularization"
AFFINE = ParamSpec(
    "affine", "bool", True, "Learn a scale (and for LayerNorm a shift) after normalizing."
)


def _layernorm_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    if len(ins[0]) not in (1, 2, 3):
        raise ShapeError(
            f"LayerNorm works on flat features, sequences or images but gets {fmt_shape(ins[0])}."
        )
    return ins[0]


def _layernorm_count(p: Params, ins: Sequence[Shape]) -> int:
    shape = ins[0]
    width = shape[0] if len(shape) == 3 else shape[-1]
    return 2 * width if p["affine"] else 0


def _layernorm_call(p: Params, ins: Sequence[Shape]) -> Call:
    shape = ins[0]
    if len(shape) == 3:
        # One group: the whole image is normalized, with a scale and shift per channel.
        return Call.of("nn.GroupNorm", 1, shape[0], affine=p["affine"])
    return Call.of("nn.LayerNorm", shape[-1], elementwise_affine=p["affine"])


LAYERNORM = LayerSpec(
    name="layernorm",
    display_name="LayerNorm",
    category=CATEGORY,
    help="Rescales each sample's features to zero mean and unit spread, then learns a scale "
    "and shift. In a sequence each step is normalized on its own; an image is normalized as "
    "a whole. Standard inside transformers.",
    shape=_layernorm_shape,
    module=_layernorm_call,
    param_count=_layernorm_count,
    inputs=(PortSpec("in", ranks=(1, 2, 3)),),
    params=params(AFFINE),
)


def _rmsnorm_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    if len(ins[0]) not in (1, 2):
        raise ShapeError(
            f"RMSNorm works on flat features or sequences but gets {fmt_shape(ins[0])}: "
            "use LayerNorm or BatchNorm for images."
        )
    return ins[0]


def _rmsnorm_count(p: Params, ins: Sequence[Shape]) -> int:
    return ins[0][-1] if p["affine"] else 0


def _rmsnorm_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of("nn.RMSNorm", ins[0][-1], elementwise_affine=p["affine"])


RMSNORM = LayerSpec(
    name="rmsnorm",
    display_name="RMSNorm",
    category=CATEGORY,
    help="Divides each sample's features by their root-mean-square size and learns a scale. "
    "A cheaper LayerNorm that skips centring; common in recent language models.",
    shape=_rmsnorm_shape,
    module=_rmsnorm_call,
    param_count=_rmsnorm_count,
    inputs=(PortSpec("in", ranks=(1, 2)),),
    params=params(AFFINE),
)

LAYERS = (LAYERNORM, RMSNORM)
