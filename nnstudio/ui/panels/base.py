"""What every live panel shares: a title row with a PNG export button, and plot helpers."""

from __future__ import annotations

import math
import time

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

from nnstudio.core.history import History

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background="w", foreground="#333")


class PaintTime:
    """Seconds the GUI thread has spent painting plots, for the frame pacer."""

    seconds = 0.0


class PlotWidget(pg.PlotWidget):
    """A pyqtgraph PlotWidget that reports how long each paint takes."""

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        PaintTime.seconds += time.perf_counter() - started


class LayoutWidget(pg.GraphicsLayoutWidget):
    """A pyqtgraph GraphicsLayoutWidget that reports how long each paint takes."""

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        PaintTime.seconds += time.perf_counter() - started


MAX_AXIS = 1e300
"""The largest axis bound; a loss of 1e308 read from a file still gives a finite range."""


def nice_ceiling(value: float) -> float:
    """The next of 1, 2, 5, 10, 20, ... at or above `value`: a range bound that moves rarely."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    value = min(value, MAX_AXIS)  # 10.0 ** 309 overflows, and Qt cannot draw such ranges
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        bound = mantissa * 10.0**exponent
        if bound >= value:
            return bound
    return 10.0 ** (exponent + 1)


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
    history: History | None = None
    """The run's curves, shared by every panel; set by the PanelHost."""

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

    def is_shown(self) -> bool:
        """Whether a person can see this panel now: a dock behind another tab counts as
        visible to Qt, but has nothing of itself on screen."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

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

    def take(self, snap) -> None:
        """Keep what this panel needs from a snapshot (its curves are already in `history`).

        Cheap by contract: drawing happens in `redraw`, at the host's frame rate."""

    def redraw(self) -> None:
        """Draw what is stored. The host calls it for visible panels only."""

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()
