"""The learning rate over the run (schedules make it move)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from nnstudio.ui.panels.base import Panel, Series, fast_curve


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
        self.series = Series()

    def clear(self) -> None:
        self.series.clear()
        self.curve.setData([], [])

    def update_snapshot(self, snap) -> None:
        self.series.append(snap.step, snap.learning_rate)
        if self.isVisible():
            self.curve.setData(self.series.x, self.series.y)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.curve.setData(self.series.x, self.series.y)
