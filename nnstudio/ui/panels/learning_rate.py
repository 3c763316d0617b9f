"""The learning rate over the run (schedules make it move)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from nnstudio.core.history import LEARNING_RATE
from nnstudio.ui.panels.base import Panel, fast_curve


class LearningRatePanel(Panel):
    title = "Learning rate"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot_widget = pg.PlotWidget(self.body)
        self.plot_widget.setObjectName("lr_plot")
        layout.addWidget(self.plot_widget)
        plot = self.plot_widget.getPlotItem()
        plot.setLabel("left", "learning rate")
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setLabel("bottom", "step")
        plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve = fast_curve(plot, "#6a3d9a", 2)

    def clear(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        series = self.history.get(LEARNING_RATE) if self.history is not None else None
        if series is None or not len(series):
            self.curve.setData([], [])
            return
        x, y = series.arrays()
        self.curve.setData(x, y)
        # A constant rate would otherwise get a meaningless symmetric range around it.
        self.plot_widget.setYRange(0, float(y.max()) * 1.15 or 1.0, padding=0)
