"""Loss and accuracy curves, train and validation together, so overfitting shows as a gap."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QVBoxLayout

from nnstudio.core import history as h
from nnstudio.ui.panels.base import LayoutWidget, Panel, fast_curve, nice_ceiling

TRAIN, VAL, BATCH = "#0877bd", "#e8710a", "#b0c4de"
TINY = 1e-12
"""Losses are floored here so the log-scale view never meets log(0)."""


class LossPanel(Panel):
    title = "Loss curves"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.log_box = QCheckBox("Log scale", self)
        self.log_box.setObjectName("loss_log_scale")
        self.log_box.setToolTip("Show the loss on a logarithmic axis, so late progress shows.")
        self.log_box.toggled.connect(self.set_log)
        self.header.insertWidget(0, self.log_box)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = LayoutWidget(self.body)
        self.graphics.setObjectName("loss_plot")
        layout.addWidget(self.graphics)
        self.loss_plot = self.graphics.addPlot(row=0, col=0)
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.addLegend(offset=(-5, 5), brush=pg.mkBrush(255, 255, 255, 210))
        self.acc_plot = self.graphics.addPlot(row=1, col=0)
        self.acc_plot.setLabel("left", "accuracy")
        self.acc_plot.setLabel("bottom", "step")
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.setYRange(0, 1.02, padding=0)
        self.acc_plot.enableAutoRange(y=False)
        self.acc_plot.showGrid(x=True, y=True, alpha=0.2)
        self.acc_plot.addLegend(offset=(-5, -5), brush=pg.mkBrush(255, 255, 255, 210))
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.curves = {
            h.BATCH_LOSS: fast_curve(self.loss_plot, BATCH, name="batch"),
            h.TRAIN_LOSS: fast_curve(self.loss_plot, TRAIN, 2, "train"),
            h.VAL_LOSS: fast_curve(self.loss_plot, VAL, 2, "validation"),
            h.TRAIN_ACCURACY: fast_curve(self.acc_plot, TRAIN, 2, "train"),
            h.VAL_ACCURACY: fast_curve(self.acc_plot, VAL, 2, "validation"),
        }

        # Ranges move in 1-2-5 steps, not every frame: axes then stay cached between frames.
        self.loss_plot.enableAutoRange(x=False, y=False)
        self._x_bound = 0.0
        self._y_bound = 0.0
        self.markers: list[pg.InfiniteLine] = []
        """Early stopping's marks: where it stopped, and the epoch whose weights were kept."""

    def set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.enableAutoRange(y=on)
        self._y_bound = 0.0
        self.redraw()

    def clear(self) -> None:
        self._x_bound = self._y_bound = 0.0
        for line in self.markers:
            self.loss_plot.removeItem(line)
        self.markers = []
        self.redraw()

    def take(self, snap) -> None:
        if snap.status == "finished" and snap.stopped_early:
            self.mark(snap.step, f"stopped early (epoch {snap.epoch})", "#c62828")
            if snap.best_epoch and snap.steps_per_epoch:
                step = snap.best_epoch * snap.steps_per_epoch
                self.mark(step, f"best: epoch {snap.best_epoch}", "#2e7d32")

    def mark(self, step: float, text: str, color: str) -> None:
        """A labelled vertical line on the loss curves."""
        line = pg.InfiniteLine(
            pos=step,
            angle=90,
            pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine),
            label=text,
            labelOpts={"position": 0.9, "color": color, "anchors": [(1, 0), (1, 0)]},
        )
        self.loss_plot.addItem(line)
        self.markers.append(line)

    def prepare(self, run) -> None:
        self.acc_plot.setVisible(run.dataset.task != "regression")

    def points(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        series = self.history.get(name) if self.history is not None else None
        if series is None:
            return np.zeros(0), np.zeros(0)
        return series.arrays()

    def redraw(self) -> None:
        x_last, y_top = 0.0, 0.0
        for name, curve in self.curves.items():
            x, y = self.points(name)
            if name not in (h.TRAIN_ACCURACY, h.VAL_ACCURACY):
                y = np.maximum(y, TINY)
                if len(y):
                    y_top = max(y_top, float(np.nanmax(y[np.isfinite(y)], initial=0.0)))
            if len(x):
                x_last = max(x_last, float(x[-1]))
            curve.setData(x, y)
        x_bound = nice_ceiling(x_last * 1.02)
        if x_bound != self._x_bound:
            self._x_bound = x_bound
            self.loss_plot.setXRange(0, x_bound, padding=0.01)
        if not self.log_box.isChecked():
            y_bound = nice_ceiling(y_top * 1.05)
            if y_bound != self._y_bound:
                self._y_bound = y_bound
                self.loss_plot.setYRange(0, y_bound, padding=0)
