"""Declarations of the image layers: convolution and pooling."""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.spec import (
    Call,
    CallRule,
    LayerSpec,
    Params,
    PortSpec,
    Shape,
    ShapeContext,
    fmt_shape,
    need_image,
)
from nnstudio.core.params import ParamSpec, params

CATEGORY = "Vision"
IMAGE_PORT = (PortSpec("in", ranks=(3,)),)


def out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Spatial size after a sliding window: floor((size + 2*padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def _spatial(name: str, shape: Shape, kernel: int, stride: int, padding: int) -> tuple[int, int]:
    _c, h, w = need_image(name, shape)
    oh, ow = out_size(h, kernel, stride, padding), out_size(w, kernel, stride, padding)
    if oh < 1 or ow < 1:
        raise ShapeError(
            f"{name} with kernel {kernel} does not fit an input of {fmt_shape(shape)}: "
            "use a smaller kernel or more padding."
        )
    return oh, ow


def _conv_shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    oh, ow = _spatial("Conv2d", ins[0], p["kernel"], p["stride"], p["padding"])
    return (p["channels"], oh, ow)


def _conv_count(p: Params, ins: Sequence[Shape]) -> int:
    c_in = ins[0][0]
    weights = p["channels"] * c_in * p["kernel"] * p["kernel"]
    return weights + (p["channels"] if p["bias"] else 0)


def _conv_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of(
        "nn.Conv2d",
        ins[0][0],
        p["channels"],
        kernel_size=p["kernel"],
        stride=p["stride"],
        padding=p["padding"],
        bias=p["bias"],
    )


CONV2D = LayerSpec(
    name="conv2d",
    display_name="Conv2d",
    category=CATEGORY,
    help="Slides small learned filters over an image; each filter makes one output channel.",
    shape=_conv_shape,
    module=_conv_call,
    param_count=_conv_count,
    inputs=IMAGE_PORT,
    view="feature_maps",
    params=params(
        ParamSpec(
            "channels",
            "int",
            8,
            "How many filters, so how many output channels.",
            minimum=1,
            maximum=2048,
            summary=True,
        ),
        ParamSpec(
            "kernel",
            "int",
            3,
            "Width and height of each filter, in pixels.",
            minimum=1,
            maximum=31,
            summary=True,
        ),
        ParamSpec(
            "stride", "int", 1, "How many pixels the filter moves each time.", minimum=1, maximum=16
        ),
        ParamSpec(
            "padding",
            "int",
            1,
            "Zero pixels added around the border, to keep the size.",
            minimum=0,
            maximum=16,
        ),
        ParamSpec("bias", "bool", True, "Add a learned offset to each output channel."),
    ),
)


def _pool_shape(name: str):
    def rule(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
        stride = p["stride"] or p["kernel"]
        oh, ow = _spatial(name, ins[0], p["kernel"], stride, 0)
        return (ins[0][0], oh, ow)

    return rule


def _pool_call(torch_name: str) -> CallRule:
    def module(p: Params, _ins: Sequence[Shape]) -> Call:
        return Call.of(
            f"nn.{torch_name}", kernel_size=p["kernel"], stride=p["stride"] or p["kernel"]
        )

    return module


POOL_PARAMS = params(
    ParamSpec(
        "kernel",
        "int",
        2,
        "Width and height of each window.",
        minimum=1,
        maximum=16,
        summary=True,
    ),
    ParamSpec(
        "stride",
        "int",
        0,
        "How far the window moves; 0 means as far as its size.",
        minimum=0,
        maximum=16,
        special_value_text="Same as kernel",
    ),
)

MAXPOOL2D = LayerSpec(
    name="maxpool2d",
    display_name="MaxPool2d",
    category=CATEGORY,
    help="Keeps the largest value in each small window, shrinking the image.",
    shape=_pool_shape("MaxPool2d"),
    module=_pool_call("MaxPool2d"),
    inputs=IMAGE_PORT,
    view="feature_maps",
    params=POOL_PARAMS,
)

AVGPOOL2D = LayerSpec(
    name="avgpool2d",
    display_name="AvgPool2d",
    category=CATEGORY,
    help="Replaces each small window by the mean of its values, shrinking the image smoothly.",
    shape=_pool_shape("AvgPool2d"),
    module=_pool_call("AvgPool2d"),
    inputs=IMAGE_PORT,
    view="feature_maps",
    params=POOL_PARAMS,
)


def _global_pool_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    c, _h, _w = need_image("Global average pool", ins[0])
    return (c,)


def _global_pool_call(_p: Params, _ins: Sequence[Shape]) -> Call:
    return Call.of("GlobalAvgPool")


GLOBAL_AVGPOOL = LayerSpec(
    name="global_avgpool",
    display_name="Global average pool",
    category=CATEGORY,
    help="Averages each channel over the whole image, leaving one number per channel. "
    "A light replacement for Flatten at the end of a convolutional network.",
    shape=_global_pool_shape,
    module=_global_pool_call,
    inputs=IMAGE_PORT,
)

LAYERS = (CONV2D, MAXPOOL2D, AVGPOOL2D, GLOBAL_AVGPOOL)
