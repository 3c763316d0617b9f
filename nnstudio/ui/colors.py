"""Colours that carry meaning, defined once so every view agrees.

Class 0 is orange and class 1 blue everywhere: in the dataset preview, the points on the
decision boundary and the boundary image itself (orange = "class 0 likely").
"""

from __future__ import annotations

CLASS_COLORS = ("#F97316", "#2563EB", "#16A34A", "#DB2777", "#7C3AED", "#0891B2", "#CA8A04")
NEUTRAL = "#F7F7F7"
NEGATIVE_WEIGHT = "#CA0020"
POSITIVE_WEIGHT = "#0571B0"


def class_color(index: int) -> str:
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
