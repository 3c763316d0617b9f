"""Declarations of the element-wise activations (and Softmax, which works across features)."""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.core.layers.spec import (
    Call,
    LayerSpec,
    Params,
    Shape,
    ShapeContext,
    feature_axis,
    single,
)
from nnstudio.core.params import ParamSet, ParamSpec, params

CATEGORY = "Activations"


def activation(
    name: str,
    display_name: str,
    help_text: str,
    torch_name: str,
    extra: ParamSet | None = None,
    kwargs: dict[str, str] | None = None,
    across_features: bool = False,
) -> LayerSpec:
    """A shape-preserving layer built as `torch.nn.<torch_name>(**mapped params)`.

    `kwargs` maps torch keyword names to our param names, so declarations stay one line each.
    `across_features` layers (Softmax) work along the feature axis, found from the input.
    """

    def module(p: Params, ins: Sequence[Shape]) -> Call:
        mapped = {key: p[ours] for key, ours in (kwargs or {}).items()}
        if across_features:
            mapped["dim"] = feature_axis(ins[0])
        return Call.of(f"nn.{torch_name}", **mapped)

    return LayerSpec(
        name=name,
        display_name=display_name,
        category=CATEGORY,
        help=help_text,
        shape=lambda _p, ins, _c: single(ins),
        module=module,
        params=extra or params(),
    )


RELU = activation(
    "relu", "ReLU", "Passes positive numbers through and turns negative ones into zero.", "ReLU"
)
LEAKY_RELU = activation(
    "leaky_relu",
    "Leaky ReLU",
    "Like ReLU, but negative numbers are scaled down instead of zeroed, so units never go "
    "fully silent.",
    "LeakyReLU",
    params(
        ParamSpec(
            "slope",
            "float",
            0.01,
            "How much of a negative input gets through.",
            minimum=0.0,
            maximum=1.0,
            step=0.01,
            summary=True,
        )
    ),
    {"negative_slope": "slope"},
)
SIGMOID = activation(
    "sigmoid",
    "Sigmoid",
    "Squashes any number into 0..1. Its slope is small far from zero, which can starve deep "
    "stacks of gradient.",
    "Sigmoid",
)
TANH = activation("tanh", "Tanh", "Squashes any number into -1..1, centred on zero.", "Tanh")
GELU = activation(
    "gelu",
    "GELU",
    "A smooth ReLU: small negative inputs leak through a little. Common in transformers.",
    "GELU",
)
SILU = activation(
    "silu",
    "SiLU (Swish)",
    "The input times its own sigmoid: smooth, and slightly negative for small negative inputs.",
    "SiLU",
)
SOFTMAX = activation(
    "softmax",
    "Softmax",
    "Turns a row of scores into probabilities that add up to one. Cross-entropy already "
    "does this inside, so it is rarely needed before an Output.",
    "Softmax",
    across_features=True,
)
IDENTITY = activation(
    "identity",
    "Identity",
    "Passes its input through unchanged: a linear activation, handy as a placeholder.",
    "Identity",
)

SOFTPLUS = activation(
    "softplus",
    "Softplus",
    "A smooth ReLU that never quite reaches zero: log(1 + e^(beta·x)) / beta. Its output is "
    "always positive.",
    "Softplus",
    params(
        ParamSpec(
            "beta",
            "float",
            1.0,
            "How sharp the bend is: larger values look more like a plain ReLU.",
            minimum=0.1,
            maximum=50.0,
            step=0.5,
            summary=True,
        )
    ),
    {"beta": "beta"},
)
LOG_SOFTMAX = activation(
    "log_softmax",
    "LogSoftmax",
    "The logarithm of Softmax, computed in one numerically safe step. Put it before an "
    "Output that uses the NLL loss, which expects log-probabilities.",
    "LogSoftmax",
    across_features=True,
)


def _prelu_features(shape: Shape) -> int:
    """The axis a per-feature slope runs along: channels for images, features otherwise."""
    return shape[-1] if len(shape) == 2 else shape[0]


def _prelu_count(p: Params, ins: Sequence[Shape]) -> int:
    return _prelu_features(ins[0]) if p["per_feature"] else 1


def _prelu_call(p: Params, ins: Sequence[Shape]) -> Call:
    shape = ins[0]
    if not p["per_feature"]:
        return Call.of("nn.PReLU", 1, init=p["init"])
    if len(shape) == 2:
        return Call.of("LastAxisPReLU", shape[-1], p["init"])
    return Call.of("nn.PReLU", shape[0], init=p["init"])


def _same_shape(_p: Params, ins: Sequence[Shape], _c: ShapeContext) -> Shape:
    return single(ins)


PRELU = LayerSpec(
    name="prelu",
    display_name="PReLU",
    category=CATEGORY,
    help="A Leaky ReLU whose negative slope is learned during training instead of fixed.",
    shape=_same_shape,
    module=_prelu_call,
    param_count=_prelu_count,
    params=params(
        ParamSpec(
            "per_feature",
            "bool",
            False,
            "Learn one slope per feature (or image channel) instead of one shared slope.",
            label="Slope per feature",
        ),
        ParamSpec(
            "init",
            "float",
            0.25,
            "The negative slope the layer starts from before training adjusts it.",
            label="Initial slope",
            minimum=0.0,
            maximum=1.0,
            step=0.05,
        ),
    ),
)

LAYERS = (
    RELU,
    LEAKY_RELU,
    PRELU,
    SIGMOID,
    TANH,
    GELU,
    SILU,
    SOFTPLUS,
    SOFTMAX,
    LOG_SOFTMAX,
    IDENTITY,
)
