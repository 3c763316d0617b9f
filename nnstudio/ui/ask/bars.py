"""Class probabilities as horizontal bars, or a regression value, painted in one widget."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.ui.colors import class_color

ROW = 18
LABEL_WIDTH = 90


class ProbabilityBars(QWidget):
    """One bar per class; the predicted class is drawn in its colour, the others in grey."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ask_bars")
        self.names: list[str] = []
        self.probabilities: np.ndarray | None = None
        self.value: float | None = None
        self.text = ""
        """What is shown, as plain text (for tests and screen readers)."""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def show_probabilities(self, names: list[str], probabilities: np.ndarray) -> None:
        self.names = list(names)
        self.probabilities = np.asarray(probabilities, dtype=float)
        self.value = None
        best = int(self.probabilities.argmax())
        self.text = f"{self.names[best]} ({self.probabilities[best]:.0%})"
        self.setAccessibleDescription(self.text)
        self.updateGeometry()
        self.update()

    def show_value(self, value: float) -> None:
        self.names, self.probabilities, self.value = [], None, float(value)
        self.text = f"{value:.4g}"
        self.updateGeometry()
        self.update()

    def show_nothing(self, why: str) -> None:
        self.names, self.probabilities, self.value = [], None, None
        self.text = why
        self.update()

    def sizeHint(self) -> QSize:
        rows = len(self.names) if self.probabilities is not None else 1
        return QSize(260, max(1, rows) * ROW + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        width = self.width()
        if self.probabilities is None:
            painter.setPen(QColor("#333" if self.value is not None else "#777"))
            text = f"Predicted value: {self.text}" if self.value is not None else self.text
            painter.drawText(
                QRectF(4, 0, width - 8, self.height()),
                Qt.AlignmentFlag.AlignLeft
                | Qt.AlignmentFlag.AlignVCenter
                | Qt.TextFlag.TextWordWrap,
                text,
            )
            return
        best = int(self.probabilities.argmax())
        bar_width = max(10, width - LABEL_WIDTH - 56)
        for i, (name, p) in enumerate(zip(self.names, self.probabilities, strict=True)):
            top = 4 + i * ROW
            painter.setPen(QColor("#333"))
            painter.drawText(
                QRectF(4, top, LABEL_WIDTH - 8, ROW - 2),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
            painter.fillRect(QRectF(LABEL_WIDTH, top + 3, bar_width, ROW - 8), QColor("#eee"))
            color = QColor(class_color(i) if i == best else "#9ca3af")
            painter.fillRect(QRectF(LABEL_WIDTH, top + 3, bar_width * float(p), ROW - 8), color)
            painter.drawText(
                QRectF(LABEL_WIDTH + bar_width + 4, top, 52, ROW - 2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{p:.0%}",
            )
