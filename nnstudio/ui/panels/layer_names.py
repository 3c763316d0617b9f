"""Readable layer names for panels ("Linear 2", "Conv2d"), instead of node ids ("n4")."""

from __future__ import annotations

import re
from collections import Counter

_ID_SUFFIX = re.compile(r"\s*\([^()]*\)$")


def readable_names(layers: list[tuple[str, str]]) -> dict[str, str]:
    """Node id -> the layer's type, numbered in input-to-output order when the type repeats.

    `layers` are (node id, label) pairs as a run reports them, labels like "Linear (n3)".
    """
    kinds = [_ID_SUFFIX.sub("", label) or node_id for node_id, label in layers]
    counts = Counter(kinds)
    seen: Counter[str] = Counter()
    names = {}
    for (node_id, _label), kind in zip(layers, kinds, strict=True):
        seen[kind] += 1
        names[node_id] = f"{kind} {seen[kind]}" if counts[kind] > 1 else kind
    return names


def short_name(name: str) -> str:
    """A compact form for crowded axes: "Linear 12" -> "Lin12"."""
    kind, _, number = name.partition(" ")
    return f"{kind[:3]}{number}"
