"""What every live panel shares: a title row with an Export menu (PNG at a scale, SVG, CSV of
the curves), and plot helpers."""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsItem,
    QGraphicsScene,
    QHBoxLayout,
    QLabel,
    QMenu,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.history import History

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background="w", foreground="#333")


def write_history_csv(history: History, path: str) -> None:
    """Curves as a table: a `step` column, then one column per series (blank where a series
    has no value at that step)."""
    write_runs_csv([("", history)], path)


def write_runs_csv(runs: list[tuple[str, History]], path: str) -> None:
    """Curves of several runs as one table: `run` (when labelled), `step`, then one column
    per series any run has."""
    names: list[str] = []
    tables = []
    for label, history in runs:
        columns = {
            s.name: dict(zip(*(a.tolist() for a in s.arrays()), strict=True)) for s in history
        }
        names += [n for n in columns if n not in names]
        tables.append((label, columns))
    labelled = any(label for label, _ in runs)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(["run"] if labelled else []), "step", *names])
        for label, columns in tables:
            steps = sorted({step for values in columns.values() for step in values})
            for step in steps:
                row = [columns.get(name, {}).get(step, "") for name in names]
                writer.writerow([*([label] if labelled else []), int(step), *row])


class PaintTime:
    """Seconds the GUI thread has spent painting plots, for the frame pacer."""

    seconds = 0.0


def cache_axes(plot: pg.PlotItem) -> pg.PlotItem:
    """Let Qt keep each axis of `plot` as a ready-drawn image, redrawn only when its ticks or
    size change. Replaying an axis' recorded drawing (mostly its tick labels) took about 5 ms
    per axis and frame here, most of a loss panel's paint, all of it holding the GIL the
    training thread needs; with the cache, a loss panel repaints in a third of the time."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return plot


class PlotWidget(pg.PlotWidget):
    """A pyqtgraph PlotWidget that reports how long each paint takes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cache_axes(self.getPlotItem())

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        PaintTime.seconds += time.perf_counter() - started


class LayoutWidget(pg.GraphicsLayoutWidget):
    """A pyqtgraph GraphicsLayoutWidget that reports how long each paint takes."""

    def addPlot(self, *args, **kwargs) -> pg.PlotItem:
        return cache_axes(super().addPlot(*args, **kwargs))

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
        export.setText("Export")
        export.setObjectName("export_button")
        export.setToolTip(
            "Save this plot as a picture (PNG at 1×, 2× or 3×, or SVG), or the run's curves as CSV."
        )
        export.setAutoRaise(True)
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.setObjectName("export_menu")
        for scale in (1, 2, 3):
            act = menu.addAction(f"PNG at {scale}×…")
            act.setObjectName(f"export_png_{scale}x")
            act.triggered.connect(lambda _c=False, s=scale: self._ask_export("png", s))
        act = menu.addAction("SVG…")
        act.setObjectName("export_svg")
        act.triggered.connect(lambda _c=False: self._ask_export("svg", 1))
        menu.addSeparator()
        act = menu.addAction("Metrics as CSV…")
        act.setObjectName("export_metrics_csv")
        act.triggered.connect(lambda _c=False: self._ask_export("csv", 1))
        export.setMenu(menu)
        self.export_button = export
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

    export_folder: Callable[[], str] = staticmethod(lambda: "")
    """Where export dialogs open: the project's folder (set by the window)."""

    def plot_item(self):
        """The item that holds the whole plot (axes, legend, colour bar), for exporters."""
        views = self.body.findChildren(pg.GraphicsView)
        return getattr(views[0], "centralWidget", None) if views else None

    def export_png(self, path: str, scale: float = 1.0) -> bool:
        """The plot alone, `scale` times its size on screen, through pyqtgraph's exporter."""
        from pyqtgraph.exporters import ImageExporter

        item = self.plot_item()
        if item is None or self.stack.currentWidget() is not self.body:
            return self.grab().save(path, "PNG")
        exporter = ImageExporter(item)
        width = int(item.sceneBoundingRect().width() * scale)
        exporter.parameters()["width"] = max(width, 1)
        exporter.parameters()["antialias"] = True
        exporter.export(path)
        return Path(path).is_file()

    def export_svg(self, path: str) -> bool:
        """The plot as SVG: pyqtgraph's exporter, or Qt's SVG painter for the scenes that
        exporter cannot walk (it fails on some curves: measured with pyqtgraph 0.13)."""
        from pyqtgraph.exporters import SVGExporter

        item = self.plot_item()
        if item is None:
            return False
        try:
            SVGExporter(item).export(path)
        except (ValueError, IndexError):
            self._paint_svg(item.scene(), item.sceneBoundingRect(), path)
        return Path(path).is_file()

    @staticmethod
    def _paint_svg(scene: QGraphicsScene, rect, path: str) -> None:
        from PySide6.QtCore import QRectF, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(QSize(int(rect.width()), int(rect.height())))
        generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        painter = QPainter(generator)
        try:
            scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        finally:
            painter.end()

    def export_metrics(self, path: str) -> bool:
        """The followed run's curves as CSV: one row per step, one column per series."""
        if self.history is None:
            return False
        write_history_csv(self.history, path)
        return True

    def _ask_export(self, kind: str, scale: float) -> None:
        stem = self.title.lower().replace(" ", "-")
        suffix, label = {"png": (".png", "PNG"), "svg": (".svg", "SVG"), "csv": (".csv", "CSV")}[
            kind
        ]
        if kind == "csv":
            stem = "metrics"
        elif kind == "png" and scale != 1:
            stem += f"@{scale:g}x"
        start = str(Path(self.export_folder() or "") / (stem + suffix))
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {self.title}", start, f"{label} (*{suffix})"
        )
        if not path:
            return
        if kind == "png":
            self.export_png(path, scale)
        elif kind == "svg":
            self.export_svg(path)
        else:
            self.export_metrics(path)

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
