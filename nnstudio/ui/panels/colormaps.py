"""Colour maps for the panels, built from the meaning-carrying colours in `ui.colors`."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnstudio.ui.colors import CLASS_COLORS, NEGATIVE_WEIGHT, NEUTRAL, POSITIVE_WEIGHT, rgb


def _three_stop(low: str, mid: str, high: str) -> pg.ColorMap:
    colors = np.array([rgb(low), rgb(mid), rgb(high)], dtype=np.ubyte)
    return pg.ColorMap(np.array([0.0, 0.5, 1.0]), colors)


def diverging() -> pg.ColorMap:
    """Class 0's colour through white to class 1's: for class-1 probabilities."""
    return _three_stop(CLASS_COLORS[0], NEUTRAL, CLASS_COLORS[1])


def weights_map() -> pg.ColorMap:
    """Red for negative, white for zero, blue for positive weights."""
    return _three_stop(NEGATIVE_WEIGHT, NEUTRAL, POSITIVE_WEIGHT)


def sequential() -> pg.ColorMap:
    return pg.colormap.get("viridis")
