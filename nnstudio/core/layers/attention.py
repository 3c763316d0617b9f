"""Declarations of the attention layers: self-attention, positional encoding and a
Transformer encoder block. All take and return a sequence (steps, features)."""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.sequence import SEQUENCE_PORT, need_sequence
from nnstudio.core.layers.spec import Call, LayerSpec, Params, Shape, ShapeContext
from nnstudio.core.params import ParamSpec, params

CATEGORY = "Attention"

HEADS = ParamSpec(
    "heads",
    "int",
    2,
    "How many attention patterns run side by side, each on its own slice of the features. "
    "The feature size must divide evenly by it.",
    minimum=1,
    maximum=64,
    summary=True,
)
DROPOUT = ParamSpec(
    "dropout",
    "float",
    0.0,
    "Share of attention weights (and block outputs) dropped at each training step.",
    label="Drop rate",
    minimum=0.0,
    maximum=0.9,
    step=0.05,
    decimals=2,
)


def _check_heads(display_name: str, dim: int, heads: int) -> None:
    if dim % heads:
        fits = ", ".join(str(h) for h in range(1, min(dim, 64) + 1) if dim % h == 0)
        raise ShapeError(
            f"{display_name} splits the {dim} features evenly among its heads, and {dim} does "
            f"not divide by {heads}: choose {fits} heads, or change the feature size."
        )


def _attention_count(dim: int) -> int:
    """Query, key, value and output projections, each dim×dim plus a bias."""
    return 4 * dim * dim + 4 * dim


# -- self-attention ----------------------------------------------------------------------


def _sa_shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    _steps, dim = need_sequence("Self-attention", ins[0])
    _check_heads("Self-attention", dim, p["heads"])
    return ins[0]


def _sa_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of("SelfAttention", ins[0][-1], p["heads"], p["dropout"], p["causal"])


SELF_ATTENTION = LayerSpec(
    name="self_attention",
    display_name="Self-attention",
    category=CATEGORY,
    help="Every step looks at every other step and takes a weighted mix of them; the weights "
    "come from how well a step's query matches the others' keys (scaled dot products). With "
    "several heads, several such mixes run in parallel.",
    shape=_sa_shape,
    module=_sa_call,
    param_count=lambda _p, ins: _attention_count(ins[0][-1]),
    inputs=SEQUENCE_PORT,
    view="attention",
    params=params(
        HEADS,
        DROPOUT,
        ParamSpec(
            "causal",
            "bool",
            False,
            "Let each step look only at itself and earlier steps, never ahead.",
            summary=True,
        ),
    ),
)

# -- positional encoding -----------------------------------------------------------------


def _pe_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    need_sequence("Positional encoding", ins[0])
    return ins[0]


def _pe_count(p: Params, ins: Sequence[Shape]) -> int:
    steps, dim = ins[0]
    return steps * dim if p["kind"] == "learned" else 0


def _pe_call(p: Params, ins: Sequence[Shape]) -> Call:
    steps, dim = ins[0]
    return Call.of("PositionalEncoding", steps, dim, p["kind"] == "learned")


POSITIONAL_ENCODING = LayerSpec(
    name="positional_encoding",
    display_name="Positional encoding",
    category=CATEGORY,
    help="Adds a different pattern to each step so later layers can tell positions apart; "
    "attention on its own does not know the order of the steps.",
    shape=_pe_shape,
    module=_pe_call,
    param_count=_pe_count,
    inputs=SEQUENCE_PORT,
    params=params(
        ParamSpec(
            "kind",
            "choice",
            "sinusoidal",
            "Fixed waves of many frequencies, or one vector per position learned in training.",
            choices=("sinusoidal", "learned"),
            choice_labels=("Sinusoidal", "Learned"),
            summary=True,
        ),
    ),
)

# -- Transformer encoder block -----------------------------------------------------------


def _tb_shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    _steps, dim = need_sequence("Transformer block", ins[0])
    _check_heads("Transformer block", dim, p["heads"])
    return ins[0]


def _tb_count(p: Params, ins: Sequence[Shape]) -> int:
    dim, ff = ins[0][-1], p["ff"]
    feed_forward = dim * ff + ff + ff * dim + dim
    norms = 2 * 2 * dim
    return _attention_count(dim) + feed_forward + norms


def _tb_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of(
        "nn.TransformerEncoderLayer",
        ins[0][-1],
        p["heads"],
        dim_feedforward=p["ff"],
        dropout=p["dropout"],
        activation=p["activation"],
        batch_first=True,
        norm_first=p["norm_first"],
    )


TRANSFORMER_BLOCK = LayerSpec(
    name="transformer_block",
    display_name="Transformer block",
    category=CATEGORY,
    help="One Transformer encoder layer: self-attention, then a two-layer feed-forward "
    "network on each step, each wrapped in a skip connection and a LayerNorm.",
    shape=_tb_shape,
    module=_tb_call,
    param_count=_tb_count,
    inputs=SEQUENCE_PORT,
    view="attention",
    params=params(
        HEADS,
        ParamSpec(
            "ff",
            "int",
            64,
            "Width of the feed-forward network inside the block.",
            label="Feed-forward width",
            minimum=1,
            maximum=65536,
            summary=True,
        ),
        ParamSpec(
            "dropout",
            "float",
            0.1,
            "Share of values dropped inside the block at each training step.",
            label="Drop rate",
            minimum=0.0,
            maximum=0.9,
            step=0.05,
            decimals=2,
        ),
        ParamSpec(
            "activation",
            "choice",
            "relu",
            "The activation inside the feed-forward network.",
            choices=("relu", "gelu"),
            choice_labels=("ReLU", "GELU"),
        ),
        ParamSpec(
            "norm_first",
            "bool",
            False,
            "Normalize before attention and feed-forward rather than after (pre-norm); "
            "often steadier for deep stacks.",
            label="Pre-norm",
        ),
    ),
)

LAYERS = (SELF_ATTENTION, POSITIONAL_ENCODING, TRANSFORMER_BLOCK)
