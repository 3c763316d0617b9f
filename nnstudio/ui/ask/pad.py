"""A drawing pad at the dataset's own resolution: the mouse lays down soft ink on a grid of
pixels (bright ink on a dark ground, as in digits and MNIST).

The grid is the image the network sees; the widget only magnifies it. A stroke is a round
brush dragged along straight segments between mouse positions, so fast strokes stay whole.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


def brush_radius(rows: int) -> float:
    """A pen about as thick, relative to the picture, as the strokes in the training data."""
    return max(0.55, rows / 14.0)


def stamp_segment(ink: np.ndarray, a: QPointF, b: QPointF, radius: float) -> None:
    """Ink every pixel within `radius` (pixel units, soft by one pixel) of the segment a-b."""
    rows, cols = ink.shape
    ys, xs = np.mgrid[0:rows, 0:cols].astype(np.float64) + 0.5  # pixel centres
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0.0, 1.0)
    else:
        t = np.zeros_like(xs)
    dist = np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))
    amount = np.clip(radius + 0.5 - dist, 0.0, 1.0)
    np.maximum(ink, amount, out=ink)


class DrawingPad(QWidget):
    """Draw with the left button; `changed` carries the (rows, cols) image in 0..1."""

    changed = Signal(object)

    def __init__(self, rows: int = 8, cols: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ask_pad")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.ink = np.zeros((rows, cols), dtype=np.float32)
        self._last: QPointF | None = None

    # -- the image ------------------------------------------------------------------------
    def resize_grid(self, rows: int, cols: int) -> None:
        if self.ink.shape != (rows, cols):
            self.ink = np.zeros((rows, cols), dtype=np.float32)
            self.update()

    def image(self) -> np.ndarray:
        """A copy of what is drawn: (rows, cols), 0 = background, 1 = full ink."""
        return self.ink.copy()

    def set_image(self, image: np.ndarray) -> None:
        image = np.asarray(image, dtype=np.float32).reshape(self.ink.shape)
        self.ink = np.clip(image, 0.0, 1.0)
        self.update()
        self.changed.emit(self.image())

    def clear(self) -> None:
        self.set_image(np.zeros_like(self.ink))

    # -- geometry -------------------------------------------------------------------------
    def _square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_grid(self, pos: QPointF) -> QPointF:
        """Widget position -> pixel coordinates of the grid (0..cols, 0..rows)."""
        square = self._square()
        rows, cols = self.ink.shape
        return QPointF(
            (pos.x() - square.left()) / square.width() * cols,
            (pos.y() - square.top()) / square.height() * rows,
        )

    def to_widget(self, grid: QPointF) -> QPointF:
        square = self._square()
        rows, cols = self.ink.shape
        return QPointF(
            square.left() + grid.x() / cols * square.width(),
            square.top() + grid.y() / rows * square.height(),
        )

    def sizeHint(self) -> QSize:
        return QSize(224, 224)

    # -- drawing --------------------------------------------------------------------------
    def stroke_to(self, grid: QPointF) -> None:
        """Continue the stroke to `grid` (pixel coordinates) and tell the listeners."""
        start = self._last if self._last is not None else grid
        stamp_segment(self.ink, start, grid, brush_radius(self.ink.shape[0]))
        self._last = grid
        self.update()
        self.changed.emit(self.image())

    def end_stroke(self) -> None:
        self._last = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self.stroke_to(self.to_grid(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.stroke_to(self.to_grid(event.position()))

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self.end_stroke()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        grey = (self.ink * 255).astype(np.uint8)
        rows, cols = grey.shape
        picture = QImage(np.ascontiguousarray(grey).data, cols, rows, cols,
                         QImage.Format.Format_Grayscale8).copy()  # fmt: skip
        square = self._square()
        painter.drawImage(square, picture)
        painter.setPen(QColor(80, 80, 80))
        if rows <= 16:  # a grid helps on a coarse pad; on 28×28 it would be noise
            for i in range(1, rows):
                y = square.top() + i * square.height() / rows
                painter.drawLine(QPointF(square.left(), y), QPointF(square.right(), y))
            for j in range(1, cols):
                x = square.left() + j * square.width() / cols
                painter.drawLine(QPointF(x, square.top()), QPointF(x, square.bottom()))
        painter.setPen(QColor("#999"))
        painter.drawRect(square)
