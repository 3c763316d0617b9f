"""A grid of small images, each with a caption: dataset samples with their labels (and, later,
with the network's predictions)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.ui import theme

CAPTION_H = 14
GAP = 6


def to_qimage(image: np.ndarray) -> QImage:
    """(C, H, W) or (H, W) values in 0..1 as a grey (1 channel) or colour (3 channels) image."""
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3 and array.shape[0] == 3:
        rgb = np.ascontiguousarray(np.clip(array.transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8)
        h, w, _ = rgb.shape
        return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    if array.ndim == 3:
        array = array[0]
    grey = np.ascontiguousarray(np.clip(array, 0, 1) * 255).astype(np.uint8)
    h, w = grey.shape
    return QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class SampleGrid(QWidget):
    """Paints images in rows, scaled up without smoothing so single pixels stay visible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sample_grid")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._images: list[QImage] = []
        self.captions: list[str] = []
        self.caption_colors: list[str] = []

    def set_samples(
        self, images: np.ndarray, captions: list[str], colors: list[str] | None = None
    ) -> None:
        self._images = [to_qimage(image) for image in images]
        self.captions = list(captions)
        self.caption_colors = list(colors) if colors else [theme.TEXT] * len(self.captions)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(240, 210)

    def _layout(self) -> tuple[int, int, int]:
        """(columns, rows, tile size) that fit every image into the widget."""
        n = max(len(self._images), 1)
        best = (n, 1, 8)
        for cols in range(1, n + 1):
            rows = -(-n // cols)
            tile = min(
                (self.width() - GAP * (cols + 1)) // cols,
                (self.height() - GAP * (rows + 1)) // rows - CAPTION_H,
            )
            if tile > best[2]:
                best = (cols, rows, tile)
        return best

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.BASE))
        painter.setPen(QColor(theme.BORDER))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        cols, _rows, tile = self._layout()
        font = painter.font()
        font.setPixelSize(11)
        painter.setFont(font)
        for i, image in enumerate(self._images):
            x = GAP + (i % cols) * (tile + GAP)
            y = GAP + (i // cols) * (tile + CAPTION_H + GAP)
            painter.drawImage(QRect(x, y, tile, tile), image)
            painter.setPen(QColor(self.caption_colors[i]))
            width = tile + GAP
            text = painter.fontMetrics().elidedText(
                self.captions[i], Qt.TextElideMode.ElideRight, width
            )
            painter.drawText(
                QRect(x - GAP // 2, y + tile, width, CAPTION_H), Qt.AlignmentFlag.AlignCenter, text
            )
        painter.end()
