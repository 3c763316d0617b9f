"""Our colour maps, defined once so panels and the settings preview agree."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

CLASS_COLORS = ("#f59322", "#0877bd")
"""Class 0 orange, class 1 blue: the same in points and in the boundary image."""


def diverging() -> pg.ColorMap:
    """Orange through white to blue: symmetric around the middle, for weights and probabilities."""
    stops = np.array([0.0, 0.5, 1.0])
    colors = np.array([[245, 147, 34], [247, 247, 247], [8, 119, 189]], dtype=np.ubyte)
    return pg.ColorMap(stops, colors)


def weights_map() -> pg.ColorMap:
    """Red for negative, white for zero, blue for positive weights."""
    stops = np.array([0.0, 0.5, 1.0])
    colors = np.array([[202, 0, 32], [247, 247, 247], [5, 113, 176]], dtype=np.ubyte)
    return pg.ColorMap(stops, colors)


def sequential() -> pg.ColorMap:
    return pg.colormap.get("viridis")


def class_color(index: int) -> str:
    return CLASS_COLORS[index % len(CLASS_COLORS)] if index < 2 else pg.intColor(index).name()
