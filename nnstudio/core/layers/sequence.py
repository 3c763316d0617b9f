"""Declarations of the sequence layers: Embedding and the recurrent RNN, LSTM and GRU.

A sequence sample is (steps, features). Recurrent layers read it step by step and return
either the state after every step or only the last one.
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

CATEGORY = "Sequence"
SEQUENCE_PORT = (PortSpec("in", ranks=(2,)),)


def need_sequence(display_name: str, shape: Shape) -> tuple[int, int]:
    """(steps, features) of a sequence input, or a ShapeError that tells the fix."""
    if len(shape) != 2:
        hint = (
            "add a Reshape with target -1,1 to read one value per step, or an Embedding for "
            "token ids"
            if len(shape) == 1
            else "add a Reshape that makes it (steps, features)"
        )
        raise ShapeError(
            f"{display_name} needs a sequence (steps, features) but gets {fmt_shape(shape)}: "
            f"{hint}."
        )
    steps, features = shape
    return steps, features


# -- Embedding ---------------------------------------------------------------------------


def _embedding_shape(p: Params, ins: Sequence[Shape], ctx: ShapeContext) -> Shape:
    shape = ins[0]
    if ctx.integer_input is False:
        raise ShapeError(
            "Embedding needs token ids (whole numbers), and this dataset gives real numbers: "
            "choose a token dataset such as Parity, or remove the Embedding."
        )
    if len(shape) != 1:
        raise ShapeError(
            f"Embedding needs a sequence of token ids (steps) but gets {fmt_shape(shape)}: "
            "connect it straight to an Input that holds tokens."
        )
    return (shape[0], p["dim"])


def _embedding_call(p: Params, _ins: Sequence[Shape]) -> Call:
    return Call.of("TokenEmbedding", p["vocab"], p["dim"])


EMBEDDING = LayerSpec(
    name="embedding",
    display_name="Embedding",
    category=CATEGORY,
    help="Looks up a learned vector for each token id, turning a sequence of whole numbers "
    "into a sequence of feature vectors. Token ids must be below the vocabulary size.",
    shape=_embedding_shape,
    module=_embedding_call,
    param_count=lambda p, _ins: p["vocab"] * p["dim"],
    inputs=(PortSpec("in", ranks=(1,)),),
    params=params(
        ParamSpec(
            "vocab",
            "int",
            16,
            "How many different tokens there are; ids run from 0 to this minus one.",
            label="Vocabulary size",
            minimum=2,
            maximum=1_000_000,
        ),
        ParamSpec(
            "dim",
            "int",
            16,
            "Length of the vector learned for each token.",
            label="Vector size",
            minimum=1,
            maximum=16384,
            summary=True,
        ),
    ),
)

# -- RNN, LSTM, GRU ----------------------------------------------------------------------

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
"""Weight blocks per direction and layer: each gate has its own input and state weights."""

RECURRENT_PARAMS = params(
    ParamSpec(
        "hidden",
        "int",
        16,
        "Size of the state carried from one step to the next.",
        label="Hidden size",
        minimum=1,
        maximum=8192,
        summary=True,
    ),
    ParamSpec(
        "layers",
        "int",
        1,
        "How many recurrent layers are stacked; each reads the sequence the one below returns.",
        minimum=1,
        maximum=8,
    ),
    ParamSpec(
        "bidirectional",
        "bool",
        False,
        "Also read the sequence backwards and join both readings, doubling the output width.",
        summary=True,
    ),
    ParamSpec(
        "returns",
        "choice",
        "last",
        "Return only the state after the last step (to classify the whole sequence), or the "
        "state after every step (to feed another sequence layer).",
        label="Return",
        choices=("last", "sequence"),
        choice_labels=("Last state", "Whole sequence"),
        summary=True,
    ),
)


FORGET_BIAS = ParamSpec(
    "forget_bias",
    "float",
    0.0,
    "Where the forget gate's bias starts. Above 0 the gate starts open, so the cell keeps "
    "what it stored for many steps from the first update on (1 is a common choice, 3 or more "
    "suits very long sequences); Off keeps PyTorch's small random start, which halves the "
    "memory at every step until training opens the gate.",
    label="Forget gate bias",
    minimum=0.0,
    maximum=20.0,
    special_value_text="Off",
)


def recurrent(
    kind: str, display_name: str, help_text: str, extra: tuple[ParamSpec, ...] = ()
) -> LayerSpec:
    def shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
        steps, _features = need_sequence(display_name, ins[0])
        width = p["hidden"] * (2 if p["bidirectional"] else 1)
        return (steps, width) if p["returns"] == "sequence" else (width,)

    def count(p: Params, ins: Sequence[Shape]) -> int:
        h, dirs = p["hidden"], 2 if p["bidirectional"] else 1
        total, width = 0, ins[0][-1]
        for _layer in range(p["layers"]):
            # Input weights, state weights and two biases per gate, per direction.
            total += dirs * GATES[kind] * (width * h + h * h + 2 * h)
            width = h * dirs
        return total

    def module(p: Params, ins: Sequence[Shape]) -> Call:
        # Written only when set, so a plain layer's exported call stays as it always was.
        opened = {"forget_bias": p["forget_bias"]} if p.get("forget_bias") else {}
        return Call.of(
            "Recurrent",
            kind,
            ins[0][-1],
            p["hidden"],
            p["layers"],
            p["bidirectional"],
            p["returns"],
            **opened,
        )

    return LayerSpec(
        name=kind,
        display_name=display_name,
        category=CATEGORY,
        help=help_text,
        shape=shape,
        module=module,
        param_count=count,
        inputs=SEQUENCE_PORT,
        params=params(*RECURRENT_PARAMS, *extra),
        view="sequence_state",
    )


RNN = recurrent(
    "rnn",
    "RNN",
    "The plain recurrent layer: at each step the new state is tanh of the input and the "
    "previous state. Simple, but over long sequences its gradient fades or explodes.",
)
LSTM = recurrent(
    "lstm",
    "LSTM",
    "Long short-term memory: gates decide what to forget, what to store and what to show, "
    "so information and gradient survive over many steps.",
    (FORGET_BIAS,),
)
GRU = recurrent(
    "gru",
    "GRU",
    "Gated recurrent unit: a leaner LSTM with two gates, an update and a reset gate, and no "
    "separate memory cell.",
)

LAYERS = (EMBEDDING, RNN, LSTM, GRU)
