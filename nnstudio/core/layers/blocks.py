"""Declarations for reusable blocks: the block node itself and the two kinds of port node
that live inside a block and become its inputs and outputs.

A block's own ports, shape rule and builder depend on what is inside it, so each block node
gets a spec made from its content (see `nnstudio.core.blocks`); the declaration here holds
what all blocks share: the type name, the settings and the help.
"""

from __future__ import annotations

from collections.abc import Sequence

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.spec import LayerSpec, Params, PortSpec, Shape, ShapeContext
from nnstudio.core.params import ParamSpec, params

CATEGORY = "Topology"
MAX_REPEAT = 64
"""A block ×64 is already a very deep network; more is a typo or a hostile file."""

BLOCK_PARAMS = params(
    ParamSpec(
        "name",
        "str",
        "Block",
        "What the block is called on the canvas and in messages.",
        label="Name",
    ),
    ParamSpec(
        "repeat",
        "int",
        1,
        "How many copies run one after another, each with its own weights. A block can "
        "repeat only when what comes out has the shape of what goes in.",
        label="Repeat",
        minimum=1,
        maximum=MAX_REPEAT,
    ),
)

PORT_NAME = ParamSpec(
    "name",
    "str",
    "x",
    "The name of this connection point on the block's outside.",
    label="Name",
    summary=True,
)


def _outside_only(_p: Params, _ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    raise ShapeError("This only works inside a block: delete it here.")


BLOCK = LayerSpec(
    name="block",
    display_name="Block",
    category=CATEGORY,
    help="A group of layers used as one node. Double-click it to see and edit what is "
    "inside; set Repeat to stack several copies in a row, each with its own weights.",
    shape=_outside_only,  # every block node gets its own spec from its content
    build=None,
    params=BLOCK_PARAMS,
    in_palette=False,
)

BLOCK_INPUT = LayerSpec(
    name="block_input",
    display_name="Block input",
    category=CATEGORY,
    help="Inside a block: where data comes in from outside. Each one is an input port on "
    "the block.",
    shape=_outside_only,  # the block's analysis gives it the shape arriving at its port
    build=None,
    inputs=(),
    params=params(PORT_NAME),
    role="block_input",
    in_palette=False,
)

BLOCK_OUTPUT = LayerSpec(
    name="block_output",
    display_name="Block output",
    category=CATEGORY,
    help="Inside a block: what leaves it. Each one is an output port on the block.",
    shape=lambda _p, ins, _c: ins[0],
    build=None,
    outputs=(),
    params=params(PORT_NAME),
    role="block_output",
    in_palette=False,
)

LAYERS = (BLOCK, BLOCK_INPUT, BLOCK_OUTPUT)
__all__ = ["BLOCK_PARAMS", "LAYERS", "MAX_REPEAT", "PortSpec"]
