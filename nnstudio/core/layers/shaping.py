"""Declaration of Reshape: give each sample a new shape with the same number of values."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers.spec import Call, LayerSpec, Params, Shape, ShapeContext, fmt_shape
from nnstudio.core.params import ParamSpec, params

MAX_AXES = 3
"""No port takes more than (channels, height, width), so deeper targets are refused."""
_SEPARATORS = re.compile(r"[,x×\s]+")


def parse_target(text: str) -> tuple[int, ...]:
    """The sizes typed in the target-shape box ("1,8,8", "(1, 8, 8)", "1x8x8"); -1 allowed."""
    cleaned = text.strip().strip("()[]").strip()
    if not cleaned:
        raise ShapeError(
            "Reshape needs a target shape: type the sizes separated by commas, such as 1,8,8."
        )
    sizes: list[int] = []
    for part in _SEPARATORS.split(cleaned):
        if not part:
            continue
        try:
            sizes.append(int(part))
        except ValueError:
            raise ShapeError(
                f"Reshape cannot read the target shape {text!r}: {part!r} is not a whole "
                "number. Type sizes separated by commas, such as 1,8,8."
            ) from None
    if len(sizes) > MAX_AXES:
        raise ShapeError(
            f"Reshape can make at most {MAX_AXES} axes, like (channels, height, width), "
            f"but {text!r} has {len(sizes)}."
        )
    for size in sizes:
        if size == 0 or size < -1:
            raise ShapeError(
                f"Reshape cannot use the size {size} in {text!r}: every size must be at "
                "least 1, or -1 once to fill in the rest."
            )
    if sizes.count(-1) > 1:
        raise ShapeError(f"Reshape can fill in only one size: use -1 at most once in {text!r}.")
    return tuple(sizes)


def resolve_target(text: str, shape: Shape) -> Shape:
    """The target shape with its -1 filled in, checked against the input's size."""
    sizes = parse_target(text)
    total = math.prod(shape)
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes:
        if total % known:
            raise ShapeError(
                f"Reshape cannot fill in the -1 in {text!r}: the input {fmt_shape(shape)} "
                f"holds {total} values, which do not divide by {known}."
            )
        sizes = tuple(total // known if s == -1 else s for s in sizes)
    elif known != total:
        raise ShapeError(
            f"Reshape cannot turn {fmt_shape(shape)} into {fmt_shape(sizes)}: the input holds "
            f"{total} values but the target holds {known}. The sizes must multiply to the "
            "same total."
        )
    return sizes


def _reshape_shape(p: Params, ins: Sequence[Shape], _ctx: ShapeContext) -> Shape:
    return resolve_target(p["shape"], ins[0])


def _reshape_call(p: Params, ins: Sequence[Shape]) -> Call:
    return Call.of("ReshapeModule", resolve_target(p["shape"], ins[0]))


RESHAPE = LayerSpec(
    name="reshape",
    display_name="Reshape",
    category="Inputs & shaping",
    help="Arranges each sample's values into a new shape without changing them, for example "
    "a row of 64 pixels into a 1×8×8 image, or a row of numbers into a sequence.",
    shape=_reshape_shape,
    module=_reshape_call,
    params=params(
        ParamSpec(
            "shape",
            "str",
            "-1,1",
            "The new shape, sizes separated by commas: 1,8,8 makes a one-channel 8×8 image. "
            "One size may be -1, meaning whatever is left over; -1,1 makes a sequence with one "
            "value per step.",
            label="Target shape",
            summary=True,
        ),
    ),
)

LAYERS = (RESHAPE,)
