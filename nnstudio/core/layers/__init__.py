"""The layer catalog: every layer type the app knows, declared once.

Adding a layer means writing one `LayerSpec` in one of these modules and listing it in that
module's `LAYERS`; the palette, inspector, validation, compiler and file format all follow.
"""

from __future__ import annotations

from nnstudio.core.layers import (
    activations,
    attention,
    basic,
    blocks,
    encoder_decoder,
    gated,
    merge,
    norm,
    sequence,
    shaping,
    vision,
)
from nnstudio.core.layers.spec import (
    LayerSpec,
    PortSpec,
    Shape,
    ShapeContext,
    fmt_shape,
)
from nnstudio.core.registry import Registry

LAYERS: Registry[LayerSpec] = Registry("layer type")

for _module in (
    basic,
    shaping,
    activations,
    gated,
    norm,
    vision,
    sequence,
    attention,
    encoder_decoder,
    merge,
    blocks,
):
    for _spec in _module.LAYERS:
        LAYERS.register(_spec)

CATEGORY_ORDER = (
    "Inputs & shaping",
    "Dense",
    "Activations",
    "Gated",
    "Regularization",
    "Vision",
    "Sequence",
    "Attention",
    "Topology",
    "Output",
)


def by_category() -> dict[str, list[LayerSpec]]:
    """The catalog grouped for the palette, categories in teaching order."""
    groups: dict[str, list[LayerSpec]] = {}
    for spec in LAYERS:
        if not spec.in_palette:
            continue
        groups.setdefault(spec.category, []).append(spec)
    order = {name: i for i, name in enumerate(CATEGORY_ORDER)}
    return dict(sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order))))


__all__ = ["LAYERS", "LayerSpec", "PortSpec", "Shape", "ShapeContext", "by_category", "fmt_shape"]
