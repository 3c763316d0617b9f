"""The learning rate over the run (schedules make it move)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from nnstudio.core.history import LEARNING_RATE
from nnstudio.core.project import Project
from nnstudio.ui.panels.base import Panel, PlotWidget, fast_curve, nice_ceiling


def planned_steps(project: Project) -> tuple[int, int]:
    """(total steps, steps per epoch) the run will take, from the settings alone.

    Uses the dataset's declared sample count; data whose size is only known once loaded
    counts one step per epoch, so the preview's x axis is then in epochs.
    """
    from nnstudio.core.datasets import split_sizes
    from nnstudio.core.errors import NNStudioError

    epochs = project.training["epochs"]
    try:
        n = project.dataset.resolved_params().get("n_samples")
        n_train = split_sizes(int(n), project.dataset.ratios())[0] if n else 0
    except NNStudioError:
        n_train = 0
    batch = project.training["batch_size"]
    per_epoch = 1 if n_train == 0 or batch <= 0 else -(-n_train // min(batch, n_train))
    return per_epoch * epochs, per_epoch


class LearningRatePanel(Panel):
    title = "Learning rate"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot_widget = PlotWidget(self.body)
        self.plot_widget.setObjectName("lr_plot")
        layout.addWidget(self.plot_widget)
        plot = self.plot_widget.getPlotItem()
        plot.setLabel("left", "learning rate")
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setLabel("bottom", "step")
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.addLegend(offset=(-5, 5), brush=pg.mkBrush(255, 255, 255, 210))
        self.planned = plot.plot(
            [], [], pen=pg.mkPen("#9e9e9e", width=1.5, style=Qt.PenStyle.DashLine), name="planned"
        )
        self.curve = fast_curve(plot, "#6a3d9a", 2, "actual")
        self._planned_max = 0.0
        self._y_top = 0.0

    def show_preview(self, project: Project) -> None:
        """Draw the schedule the settings describe, before (and under) the real curve."""
        from nnstudio.core.schedules import preview

        total, per_epoch = planned_steps(project)
        steps, rates = preview(project.training, total, 300, per_epoch)
        self.planned.setData(steps + 1, rates)
        self._planned_max = float(rates.max()) if len(rates) else 0.0
        self.plot_widget.setXRange(0, max(total, 1), padding=0.02)
        self.redraw()

    def clear(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        series = self.history.get(LEARNING_RATE) if self.history is not None else None
        x, y = series.arrays() if series is not None else (np.zeros(0), np.zeros(0))
        self.curve.setData(x, y)
        top = max(self._planned_max, float(y.max()) if len(y) else 0.0) * 1.15 or 1.0
        if len(x) and x[-1] > self.plot_widget.getViewBox().viewRange()[0][1]:
            self.plot_widget.setXRange(0, nice_ceiling(float(x[-1])), padding=0.02)
        # A constant rate would otherwise get a meaningless symmetric range around it.
        if top != self._y_top:
            self._y_top = top
            self.plot_widget.setYRange(0, top, padding=0)
