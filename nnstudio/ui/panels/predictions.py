"""What the network predicts on the validation split.

Classification: a confusion matrix, rows the true class and columns the predicted one, each
cell coloured by its share of the true class (so a rare class reads as well as a common one)
and labelled with its count. Regression: predicted against true, with the line y = x where
a perfect network would put every point. Image data also shows sample images captioned
"true → predicted", red where the network is wrong.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel

from nnstudio.ui import theme
from nnstudio.ui.panels.base import PaintTime, Panel, PlotWidget
from nnstudio.ui.panels.colormaps import shares
from nnstudio.ui.sample_grid import SampleGrid

MAX_LABELLED_CLASSES = 12
"""Cells carry their count as text up to this many classes; beyond, the text is unreadable."""
DARK_CELL = 0.55
"""Cells whose share is above this are dark enough to need white text."""
IDLE_TEXT = "Press Train to see what the network predicts on the validation data."
NO_VALIDATION = (
    "Predictions are shown for the validation split, and this run has none.\n"
    "Give the validation split a share in the dataset settings."
)


class TimedSampleGrid(SampleGrid):
    """The sample grid, counting its paint time like the plots do, for the frame pacer."""

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        PaintTime.seconds += time.perf_counter() - started


def class_name(names: tuple[str, ...], index: int) -> str:
    return names[index] if 0 <= index < len(names) else str(index)


def row_shares(confusion: np.ndarray) -> np.ndarray:
    """Each cell as a share of its row (its true class); empty rows stay 0."""
    totals = confusion.sum(axis=1, keepdims=True)
    return (confusion / np.maximum(totals, 1)).astype(np.float32)


class PredictionsPanel(Panel):
    title = "Predictions"
    prepared = Signal(object)
    """Emitted with the run from `prepare`, so the dashboard can bring this panel forward."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.info = QLabel(self)
        self.info.setObjectName("predictions_info")
        self.info.setStyleSheet(f"color: {theme.TEXT};")
        self.header.insertWidget(0, self.info)
        layout = QHBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.plot_widget = PlotWidget(self.body)
        self.plot_widget.setObjectName("predictions_plot")
        layout.addWidget(self.plot_widget, 3)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(0, 1), colorMap=shares(), interactive=False, width=12, label="share of row"
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.scatter = pg.ScatterPlotItem(
            size=5, pen=None, brush=pg.mkBrush(37, 99, 235, 140), pxMode=True
        )
        self.diagonal = pg.InfiniteLine(
            pos=(0, 0), angle=45, pen=pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DashLine)
        )
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.diagonal)
        self.cell_texts: list[pg.TextItem] = []
        self.grid = TimedSampleGrid(self.body)
        self.grid.setObjectName("predictions_samples")
        self.grid.hide()
        layout.addWidget(self.grid, 2)
        self.mode = ""
        """"confusion" or "scatter": which items are set up."""
        self.k = 0
        self.class_names: tuple[str, ...] = ()
        self.scatter_range: tuple[float, float] | None = None
        self.last = None
        self._drawn = None
        self._counts: np.ndarray | None = None
        self._captioned: np.ndarray | None = None
        self.show_message(IDLE_TEXT)

    # -- run hooks -------------------------------------------------------------------------
    def clear(self) -> None:
        self.mode = ""  # set the items up afresh on the next draw
        self.last = None
        self._drawn = None
        self._counts = None
        self._captioned = None
        self.scatter_range = None
        self.image.clear()
        self.scatter.clear()
        for text in self.cell_texts:
            text.setText("")
        self.grid.set_samples(np.zeros((0, 1, 1, 1)), [])
        self.info.setText("")

    def prepare(self, run) -> None:
        data = run.dataset
        if len(data.x_val) == 0:
            self.show_message(NO_VALIDATION)
        else:
            self.show_body()
        self.grid.setVisible(data.kind == "image" and data.task != "regression")
        self.prepared.emit(run)

    def take(self, snap) -> None:
        if snap.predictions is not None:
            self.last = snap.predictions

    def redraw(self) -> None:
        pred = self.last
        if pred is None or pred is self._drawn:
            return
        self._drawn = pred
        self.show_body()
        if pred.confusion is not None:
            self._draw_confusion(pred)
        elif pred.true is not None:
            self._draw_scatter(pred)
        self._draw_samples(pred)

    # -- classification --------------------------------------------------------------------
    def _setup_confusion(self, k: int, names: tuple[str, ...]) -> None:
        """Axes, ticks and cell labels for k classes: rebuilt only when k or the names change."""
        self.mode, self.k, self.class_names = "confusion", k, names
        self._counts = None
        self.scatter.hide()
        self.diagonal.hide()
        self.image.show()
        self.colorbar.show()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        full = [class_name(names, i) for i in range(k)]
        # Names side by side under narrow columns overlap: long ones get numbers below, and
        # the left axis, which has room for them, says which number is which.
        numbered = max(len(n) for n in full) * k > 24
        self.plot.setLabel(
            "bottom", "predicted class (numbered as on the left)" if numbered else "predicted class"
        )
        self.plot.setLabel("left", "true class")
        left = [
            (i + 0.5, f"{i} {n}" if numbered and n != str(i) else n) for i, n in enumerate(full)
        ]
        bottom = [(i + 0.5, str(i) if numbered else n) for i, n in enumerate(full)]
        self.plot.getAxis("bottom").setTicks([bottom])
        self.plot.getAxis("left").setTicks([left])
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0)
        for text in self.cell_texts:
            self.plot.removeItem(text)
        self.cell_texts = []
        if k <= MAX_LABELLED_CLASSES:
            for i in range(k):
                for j in range(k):
                    text = pg.TextItem("", color=theme.TEXT, anchor=(0.5, 0.5))
                    text.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(text)
                    self.cell_texts.append(text)

    def _draw_confusion(self, pred) -> None:
        confusion = pred.confusion
        k = confusion.shape[0]
        fresh = self.mode != "confusion" or k != self.k or pred.class_names != self.class_names
        if fresh:
            self._setup_confusion(k, pred.class_names)
        share = row_shares(confusion)
        self.image.setImage(share, autoLevels=False, levels=(0.0, 1.0))
        if fresh:  # after setImage: the rect scales by the image's size
            self.image.setRect(QRectF(0, 0, k, k))
        if self.cell_texts:
            counts, values = confusion.ravel(), share.ravel()
            changed = (
                np.arange(len(counts))
                if self._counts is None
                else np.flatnonzero(self._counts.ravel() != counts)
            )
            for index in changed:  # the rows' totals are fixed, so shares move with counts
                text = self.cell_texts[index]
                text.setText(str(int(counts[index])) if counts[index] else "")
                text.setColor("w" if values[index] > DARK_CELL else theme.TEXT)
        self._counts = confusion.copy()
        total = int(confusion.sum())
        self.info.setText(
            f"Accuracy {100 * (pred.accuracy or 0.0):.1f} %  ·  {total} validation samples"
        )

    # -- regression ------------------------------------------------------------------------
    def _setup_scatter(self, true: np.ndarray) -> None:
        """Square axes over the true values (fixed for a run), so y = x is the diagonal."""
        self.mode, self.k = "scatter", 0
        self.image.clear()
        self.image.hide()
        self.colorbar.hide()
        for text in self.cell_texts:
            self.plot.removeItem(text)
        self.cell_texts = []
        self.scatter.show()
        self.diagonal.show()
        self.plot.invertY(False)
        self.plot.getAxis("bottom").setTicks(None)
        self.plot.getAxis("left").setTicks(None)
        self.plot.setLabel("bottom", "true value")
        self.plot.setLabel("left", "predicted value")
        lo, hi = float(np.min(true)), float(np.max(true))
        pad = 0.15 * (hi - lo or 1.0)
        self.scatter_range = (lo - pad, hi + pad)
        self.plot.setAspectLocked(True)
        self.plot.setRange(xRange=self.scatter_range, yRange=self.scatter_range, padding=0)

    def _draw_scatter(self, pred) -> None:
        true, predicted = pred.true, pred.predicted
        if self.mode != "scatter" or self.scatter_range is None:
            self._setup_scatter(true)
        self.scatter.setData(true, predicted)
        error = predicted - true
        rmse = float(np.sqrt(np.mean(error**2))) if len(error) else float("nan")
        spread = float(np.sum((true - true.mean()) ** 2)) if len(true) else 0.0
        r2 = 1.0 - float(np.sum(error**2)) / spread if spread > 0 else float("nan")
        self.info.setText(f"R² {r2:.3f}  ·  RMSE {rmse:.3g}  ·  {len(true)} validation samples")

    # -- image samples ---------------------------------------------------------------------
    def _draw_samples(self, pred) -> None:
        if pred.images is None:
            self.grid.hide()
            return
        self.grid.show()
        guesses = pred.image_predicted
        if self._captioned is not None and np.array_equal(self._captioned, guesses):
            return
        self._captioned = guesses.copy()
        names = pred.class_names
        captions, colors = [], []
        for true, guess in zip(pred.image_true, guesses, strict=True):
            captions.append(f"{class_name(names, int(true))} → {class_name(names, int(guess))}")
            colors.append(theme.TEXT if true == guess else theme.ERROR)
        self.grid.set_samples(pred.images, captions, colors)
