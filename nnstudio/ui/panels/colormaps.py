"""Colour maps for the panels, built from the meaning-carrying colours in `ui.colors`."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnstudio.ui.colors import CLASS_COLORS, NEGATIVE_WEIGHT, NEUTRAL, POSITIVE_WEIGHT, rgb


def _three_stop(low: str, mid: str, high: str) -> pg.ColorMap:
    colors = np.array([rgb(low), rgb(mid), rgb(high)], dtype=np.ubyte)
    return pg.ColorMap(np.array([0.0, 0.5, 1.0]), colors)


def _tint(hex_color: str, strength: float) -> str:
    """`hex_color` mixed with white: `strength` 1 is the colour itself, 0 is white."""
    r, g, b = (round(255 - (255 - c) * strength) for c in rgb(hex_color))
    return f"#{r:02x}{g:02x}{b:02x}"


def diverging(strength: float = 1.0) -> pg.ColorMap:
    """Class 0's colour through white to class 1's: for class-1 probabilities.

    The boundary image uses a pale `strength`, so points in full colour stand out on it."""
    return _three_stop(_tint(CLASS_COLORS[0], strength), NEUTRAL, _tint(CLASS_COLORS[1], strength))


def weights_map() -> pg.ColorMap:
    """Red for negative, white for zero, blue for positive weights."""
    return _three_stop(NEGATIVE_WEIGHT, NEUTRAL, POSITIVE_WEIGHT)


def sequential() -> pg.ColorMap:
    return pg.colormap.get("viridis")


def shares() -> pg.ColorMap:
    """White for none to deep blue for all: for shares 0..1 such as a confusion matrix's rows."""
    colors = np.array([rgb(NEUTRAL), rgb(POSITIVE_WEIGHT), rgb("#08306B")], dtype=np.ubyte)
    return pg.ColorMap(np.array([0.0, 0.6, 1.0]), colors)


def greys() -> pg.ColorMap:
    """Black for the lowest value to white for the highest: feature maps, like the image."""
    colors = np.array([(0, 0, 0), (255, 255, 255)], dtype=np.ubyte)
    return pg.ColorMap(np.array([0.0, 1.0]), colors)
