"""Loss and accuracy curves, train and validation together, so overfitting shows as a gap."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QVBoxLayout

from nnstudio.ui.panels.base import Panel, Series, fast_curve

TRAIN, VAL, BATCH = "#0877bd", "#e8710a", "#b0c4de"
TINY = 1e-12


class LossPanel(Panel):
    title = "Loss curves"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.log_box = QCheckBox("Log scale", self)
        self.log_box.setObjectName("loss_log_scale")
        self.log_box.setToolTip(
            "Show the loss on a logarithmic axis, so late progress stays visible."
        )
        self.log_box.toggled.connect(self.set_log)
        self.header.insertWidget(0, self.log_box)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = pg.GraphicsLayoutWidget(self.body)
        self.graphics.setObjectName("loss_plot")
        layout.addWidget(self.graphics)
        self.loss_plot = self.graphics.addPlot(row=0, col=0)
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.addLegend(offset=(-10, 10))
        self.acc_plot = self.graphics.addPlot(row=1, col=0)
        self.acc_plot.setLabel("left", "accuracy")
        self.acc_plot.setLabel("bottom", "step")
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.setYRange(0, 1.02)
        self.acc_plot.showGrid(x=True, y=True, alpha=0.2)
        self.acc_plot.addLegend(offset=(-10, -10))
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.batch_curve = fast_curve(self.loss_plot, BATCH, name="batch")
        self.train_curve = fast_curve(self.loss_plot, TRAIN, 2, "train")
        self.val_curve = fast_curve(self.loss_plot, VAL, 2, "validation")
        self.train_acc_curve = fast_curve(self.acc_plot, TRAIN, 2, "train")
        self.val_acc_curve = fast_curve(self.acc_plot, VAL, 2, "validation")
        self.batch = Series(4096)
        self.train = Series()
        self.val = Series()
        self.train_acc = Series()
        self.val_acc = Series()
        self._has_accuracy = True

    def set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)

    def clear(self) -> None:
        for series in (self.batch, self.train, self.val, self.train_acc, self.val_acc):
            series.clear()
        self.redraw()

    def prepare(self, run) -> None:
        self._has_accuracy = run.dataset.task != "regression"
        self.acc_plot.setVisible(self._has_accuracy)

    def update_snapshot(self, snap) -> None:
        losses = snap.step_losses
        if len(losses):
            steps = np.arange(snap.step - len(losses) + 1, snap.step + 1, dtype=np.float64)
            self.batch.extend(steps, np.maximum(losses.astype(np.float64), TINY))
        if np.isfinite(snap.train_loss):
            self.train.append(snap.step, max(snap.train_loss, TINY))
        if np.isfinite(snap.val_loss):
            self.val.append(snap.step, max(snap.val_loss, TINY))
        if snap.train_accuracy is not None:
            self.train_acc.append(snap.step, snap.train_accuracy)
        if snap.val_accuracy is not None:
            self.val_acc.append(snap.step, snap.val_accuracy)
        if self.isVisible():
            self.redraw()

    def redraw(self) -> None:
        self.batch_curve.setData(self.batch.x, self.batch.y)
        self.train_curve.setData(self.train.x, self.train.y)
        self.val_curve.setData(self.val.x, self.val.y)
        self.train_acc_curve.setData(self.train_acc.x, self.train_acc.y)
        self.val_acc_curve.setData(self.val_acc.x, self.val_acc.y)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()
