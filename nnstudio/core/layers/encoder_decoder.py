"""Declarations of the encoder–decoder layers: cross-attention and the pointer layer.

Both take two sequences: a query (the decoder's steps) and a memory (the encoder's states).
Cross-attention returns, for each query step, a mix of the memory's states; the pointer layer
returns, for each query step, scores over the memory's positions, so the answer is a place in
the input (Vinyals et al.'s pointer network).
"""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.core.code import Call
from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.attention import DROPOUT, HEADS
from nnstudio.core.layers.sequence import need_sequence
from nnstudio.core.layers.spec import LayerSpec, Params, PortSpec, Shape, ShapeContext
from nnstudio.core.params import ParamSpec, params

CATEGORY = "Attention"
QUERY_AND_MEMORY = (
    PortSpec("query", "Q", ranks=(2,)),
    PortSpec("memory", "M", ranks=(2,)),
)


# -- cross-attention ---------------------------------------------------------------------


def _ca_shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    _steps, dim = need_sequence("Cross-attention", ins[0])
    need_sequence("Cross-attention", ins[1])
    if dim % p["heads"]:
        fits = ", ".join(str(h) for h in range(1, min(dim, 64) + 1) if dim % h == 0)
        raise ShapeError(
            f"Cross-attention splits the query's {dim} features evenly among its heads, and "
            f"{dim} does not divide by {p['heads']}: choose {fits} heads."
        )
    return ins[0]


def _ca_count(_p: Params, ins: Sequence[Shape]) -> int:
    dim, mem = ins[0][-1], ins[1][-1]
    # query and output projections dim×dim, key and value projections mem×dim, four biases
    return 2 * dim * dim + 2 * mem * dim + 4 * dim


def _ca_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of("CrossAttention", ins[0][-1], ins[1][-1], p["heads"], p["dropout"])


CROSS_ATTENTION = LayerSpec(
    name="cross_attention",
    display_name="Cross-attention",
    category=CATEGORY,
    help="Each query step looks at every step of the memory and takes a weighted mix of "
    "them; the weights come from how well the query matches each memory step's key. In an "
    "encoder–decoder, the decoder asks (Q) and the encoder's states answer (M). The result "
    "has the query's shape.",
    shape=_ca_shape,
    module=_ca_call,
    param_count=_ca_count,
    inputs=QUERY_AND_MEMORY,
    view="attention",
    params=params(HEADS, DROPOUT),
    stackable=False,  # keeps its latest attention weights for the node view
)

# -- pointer -----------------------------------------------------------------------------


def _ptr_shape(_p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    query_steps, _dim = need_sequence("Pointer", ins[0])
    memory_steps, _mem = need_sequence("Pointer", ins[1])
    return (query_steps, memory_steps)


def _ptr_count(p: Params, ins: Sequence[Shape]) -> int:
    dim, mem, hidden = ins[0][-1], ins[1][-1], p["units"]
    return dim * hidden + mem * hidden + hidden + hidden


def _ptr_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of("PointerScores", ins[0][-1], ins[1][-1], p["units"])


POINTER = LayerSpec(
    name="pointer",
    display_name="Pointer",
    category=CATEGORY,
    help="Points into the input: for each query step it scores every memory position, so "
    "the answer is a position rather than a word from a fixed list (a pointer network). "
    "The output is (query steps, memory steps): for each query step, a score per input "
    "position. Feed it to a Multi-class Output with cross-entropy; the scores become a "
    "distribution over the positions there.",
    shape=_ptr_shape,
    module=_ptr_call,
    param_count=_ptr_count,
    view="attention",
    inputs=QUERY_AND_MEMORY,
    stackable=False,  # keeps its latest pointer weights for the node view
    params=params(
        ParamSpec(
            "units",
            "int",
            32,
            "Width of the small network that compares a query step with a memory step.",
            label="Scoring width",
            minimum=1,
            maximum=4096,
            summary=True,
        )
    ),
)

LAYERS = (CROSS_ATTENTION, POINTER)
