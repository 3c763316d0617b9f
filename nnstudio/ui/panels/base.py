"""What every live panel shares: a title row with a PNG export button, and a growing series."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background="w", foreground="#333")


class Series:
    """An append-only (x, y) series in amortized-doubling numpy buffers, for fast setData."""

    def __init__(self, capacity: int = 1024) -> None:
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        count = len(xs)
        if self._n + count > len(self._x):
            size = max(len(self._x) * 2, self._n + count)
            self._x = np.resize(self._x, size)
            self._y = np.resize(self._y, size)
        self._x[self._n : self._n + count] = xs
        self._y[self._n : self._n + count] = ys
        self._n += count

    def append(self, x: float, y: float) -> None:
        self.extend(np.array([x]), np.array([y]))

    def clear(self) -> None:
        self._n = 0

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._n]


def fast_curve(
    plot: pg.PlotItem, color: str, width: float = 1.0, name: str = ""
) -> pg.PlotDataItem:
    """A curve set up to stay smooth with a million points."""
    pen = pg.mkPen(color, width=width)
    curve = plot.plot([], [], pen=pen, name=name or None)
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    curve.setSkipFiniteCheck(True)
    return curve


class Panel(QWidget):
    """A titled panel; subclasses fill `body` and implement the run hooks."""

    title = "Panel"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"panel_{type(self).__name__}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.header = QHBoxLayout()
        self.header.setSpacing(6)
        self.header.addStretch(1)
        export = QToolButton(self)
        export.setText("Export PNG…")
        export.setObjectName("export_png")
        export.setToolTip("Save this panel as a PNG picture.")
        export.setAutoRaise(True)
        export.clicked.connect(self._ask_export)
        self.header.addWidget(export)
        layout.addLayout(self.header)
        self.stack = QStackedWidget(self)
        self.body = QWidget(self.stack)
        self.message = QLabel(self.stack)
        self.message.setObjectName("panel_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #666; font-size: 13px; padding: 16px;")
        self.stack.addWidget(self.body)
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack, 1)

    def show_message(self, text: str) -> None:
        """Replace the plot by an explanation, e.g. when the data cannot be drawn."""
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def show_body(self) -> None:
        self.stack.setCurrentWidget(self.body)

    def export_png(self, path: str) -> bool:
        return self.grab().save(path, "PNG")

    def _ask_export(self) -> None:
        name = self.title.lower().replace(" ", "-") + ".png"
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", name, "PNG (*.png)")
        if path:
            self.export_png(path)

    # -- run hooks, called by the panel host --------------------------------------------
    def clear(self) -> None:
        """Forget everything drawn: a new run from fresh weights starts."""

    def prepare(self, run) -> None:
        """A run's dataset and layers are known."""

    def update_snapshot(self, snap) -> None:
        """Take in a snapshot; redraw only if visible (see `needs_redraw`)."""
