"""Each layer's activations for one input, as rows of coloured cells.

A vector is one row of cells; an image-like output (channels, height, width) shows its first
channels as small tiles; a sequence (steps, features) is a grid, one row per step. Colours
run from red (negative) through white to blue (positive), scaled per layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.ui.colors import NEGATIVE_WEIGHT, NEUTRAL, POSITIVE_WEIGHT, rgb

LABEL_HEIGHT = 16
MAX_CELLS = 64
"""A vector longer than this is shown as its first MAX_CELLS values (the label says so)."""
MAX_TILES = 8
TILE = 40
GAP = 6


@dataclass
class Shown:
    """One row of the view: a label and the values to paint (e.g. attention weights)."""

    label: str
    values: np.ndarray


def _palette() -> np.ndarray:
    """256 RGB colours from negative through neutral to positive."""
    lo, mid, hi = (
        np.array(rgb(c), dtype=float) for c in (NEGATIVE_WEIGHT, NEUTRAL, POSITIVE_WEIGHT)
    )
    t = np.linspace(-1, 1, 256)[:, None]
    colors = np.where(t < 0, mid + (lo - mid) * -t, mid + (hi - mid) * t)
    return colors.astype(np.uint8)


PALETTE = _palette()


def to_image(values: np.ndarray, scale: float) -> QImage:
    """A 2D array as an RGB QImage, 0 in the middle of the palette, ±scale at its ends."""
    index = np.clip((values / scale + 1) * 127.5, 0, 255).astype(np.uint8)
    pixels = np.ascontiguousarray(PALETTE[index])
    h, w = values.shape
    image = QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: the numpy buffer goes away


class ActivationsView(QWidget):
    """Paints a list of `Activation`s (from the Predictor) top to bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ask_activations")
        self.layers: list = []
        self.note = "Pin an input to see what each layer makes of it."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_layers(self, layers: list) -> None:
        self.layers = list(layers)
        self.updateGeometry()
        self.update()

    def show_note(self, text: str) -> None:
        self.layers = []
        self.note = text
        self.update()

    def _rows(self, values: np.ndarray) -> list[np.ndarray]:
        """The 2D pictures that show one layer's output."""
        if values.ndim == 0:
            return [values.reshape(1, 1)]
        if values.ndim == 1:
            return [values[:MAX_CELLS].reshape(1, -1)]
        if values.ndim == 2:
            return [values[:, :MAX_CELLS]]
        return [channel for channel in values.reshape(-1, *values.shape[-2:])[:MAX_TILES]]

    def _band_height(self, values: np.ndarray) -> int:
        if values.ndim <= 1:
            return 18
        if values.ndim == 2:
            return min(TILE * 2, max(18, 6 * values.shape[0]))
        return TILE

    def sizeHint(self) -> QSize:
        height = sum(LABEL_HEIGHT + self._band_height(a.values) + GAP for a in self.layers)
        return QSize(320, max(60, height + 4))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.layers:
            painter.setPen(QColor("#777"))
            painter.drawText(
                self.rect().adjusted(8, 8, -8, -8),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.note,
            )
            return
        width = self.width() - 12
        top = 4
        for layer in self.layers:
            values = np.asarray(layer.values, dtype=float)
            shape = "×".join(str(d) for d in values.shape) or "1"
            scale = float(np.abs(values).max()) or 1.0
            cut = " (first values)" if values.ndim == 1 and values.size > MAX_CELLS else ""
            painter.setPen(QColor("#333"))
            painter.drawText(
                QRectF(6, top, width, LABEL_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter,
                f"{layer.label}  [{shape}]{cut}   max |a| {scale:.3g}",
            )
            top += LABEL_HEIGHT
            band = self._band_height(values)
            pictures = self._rows(values)
            if values.ndim >= 3:
                for i, tile in enumerate(pictures):
                    rect = QRectF(6 + i * (TILE + 4), top, TILE, TILE)
                    painter.drawImage(rect, to_image(tile, scale))
            else:
                (grid,) = pictures
                cell_w = min(width / grid.shape[1], 28.0)
                rect = QRectF(6, top, cell_w * grid.shape[1], band)
                painter.drawImage(rect, to_image(grid, scale))
                painter.setPen(QColor("#ccc"))
                painter.drawRect(rect)
            top += band + GAP
