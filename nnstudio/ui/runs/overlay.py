"""Curves of several runs on one pair of axes, each in its run's colour, with a legend.

Runs that differ only in their seed can be drawn as one group: the mean curve with a band
from the lowest to the highest run, so a lucky seed is not mistaken for a better setting.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from nnstudio.core import history as h
from nnstudio.core.run import Run

LOSS_SERIES = {
    "Validation loss": h.VAL_LOSS,
    "Training loss": h.TRAIN_LOSS,
    "Batch loss": h.BATCH_LOSS,
}
ACCURACY_SERIES = {"Validation accuracy": h.VAL_ACCURACY, "Training accuracy": h.TRAIN_ACCURACY}
GROUP_POINTS = 200


def series_arrays(run: Run, name: str) -> tuple[np.ndarray, np.ndarray]:
    series = run.history.get(name)
    if series is None:
        return np.zeros(0), np.zeros(0)
    x, y = series.arrays()
    keep = np.isfinite(y)
    return x[keep], y[keep]


def group_band(
    runs: list[Run], name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(x, mean, low, high) over the steps every run of the group reached; None if none."""
    curves = [series_arrays(r, name) for r in runs]
    curves = [(x, y) for x, y in curves if len(x) >= 2]
    if len(curves) < 2:
        return None
    end = min(x[-1] for x, _y in curves)
    start = max(x[0] for x, _y in curves)
    if end <= start:
        return None
    grid = np.linspace(start, end, GROUP_POINTS)
    stack = np.stack([np.interp(grid, x, y) for x, y in curves])
    return grid, stack.mean(0), stack.min(0), stack.max(0)


def seed_groups(runs: list[Run]) -> list[list[Run]]:
    """Runs grouped by everything but the seed, in first-seen order."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.seed_group, []).append(run)
    return list(groups.values())


class OverlayPlot(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("runs_overlay")
        self.setBackground("w")
        self.loss_plot = self.addPlot(row=0, col=0)
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.setLabel("left", "loss")
        self.legend = self.loss_plot.addLegend(offset=(-5, 5), brush=pg.mkBrush(255, 255, 255, 220))
        self.acc_plot = self.addPlot(row=1, col=0)
        self.acc_plot.showGrid(x=True, y=True, alpha=0.2)
        self.acc_plot.setLabel("left", "accuracy")
        self.acc_plot.setLabel("bottom", "step")
        self.acc_plot.setXLink(self.loss_plot)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.loss_name = h.VAL_LOSS
        self.acc_name = h.VAL_ACCURACY
        self.log_y = False
        self.curve_count = 0
        """Curves drawn at the last redraw (a group counts once), for tests."""

    def set_log(self, on: bool) -> None:
        self.log_y = on
        self.loss_plot.setLogMode(y=on)

    def draw(self, runs: list[Run], highlight: str | None, grouped: bool) -> None:
        """Redraw every shown run (or seed group); the highlighted run is drawn thick.

        While the same runs are shown, only the curves' data change (cheap); a change of
        runs, grouping or highlight rebuilds the items."""
        groups = seed_groups(runs) if grouped else [[r] for r in runs]
        key = (
            tuple(r.id for r in runs),
            highlight,
            grouped,
            self.loss_name,
            self.acc_name,
            self.log_y,
        )
        has_acc = any(len(series_arrays(r, self.acc_name)[0]) for r in runs)
        self.acc_plot.setVisible(has_acc)
        if key == getattr(self, "_key", None) and not grouped:
            self._update_data(runs)
            return
        self._key = key
        self._items: dict[str, list] = {}
        for plot in (self.loss_plot, self.acc_plot):
            plot.clear()
        self.legend.clear()
        self.legend.setColumnCount(2 if len(groups) > 4 else 1)
        self.curve_count = 0
        for group in groups:
            first = group[0]
            color = QColor(first.color)
            bold = any(r.id == highlight for r in group)
            width = 3.2 if bold else 1.6
            if len(group) > 1:
                shared = [f"{k} {v}" for k, v in first.changes.items() if k != "Seed"]
                label = f"{', '.join(shared) or first.label} · mean of {len(group)} seeds"
                self._band(group, color, width, label)
            else:
                self._curves(first, color, width, first.label)
            self.curve_count += 1

    def _arrays(self, run: Run, name: str, log: bool) -> tuple[np.ndarray, np.ndarray]:
        x, y = series_arrays(run, name)
        return (x, np.maximum(y, 1e-12)) if log else (x, y)

    def _curves(self, run: Run, color: QColor, width: float, label: str) -> None:
        items = []
        for plot, name, legend in (
            (self.loss_plot, self.loss_name, label),
            (self.acc_plot, self.acc_name, None),
        ):
            x, y = self._arrays(run, name, plot is self.loss_plot and self.log_y)
            items.append(plot.plot(x, y, pen=pg.mkPen(color, width=width), name=legend))
        self._items[run.id] = items

    def _update_data(self, runs: list[Run]) -> None:
        for run in runs:
            items = self._items.get(run.id)
            if items is None:
                continue
            for item, name, log in zip(
                items, (self.loss_name, self.acc_name), (self.log_y, False), strict=True
            ):
                item.setData(*self._arrays(run, name, log))

    def _band(self, runs: list[Run], color: QColor, width: float, label: str) -> None:
        for plot, name, legend in (
            (self.loss_plot, self.loss_name, label),
            (self.acc_plot, self.acc_name, None),
        ):
            band = group_band(runs, name)
            if band is None:
                continue
            x, mean, low, high = band
            if plot is self.loss_plot and self.log_y:
                mean, low, high = (np.maximum(a, 1e-12) for a in (mean, low, high))
            fill = QColor(color)
            fill.setAlpha(60)
            lo = pg.PlotDataItem(x, low, pen=pg.mkPen(fill, width=0.5))
            hi = pg.PlotDataItem(x, high, pen=pg.mkPen(fill, width=0.5))
            plot.addItem(lo)
            plot.addItem(hi)
            plot.addItem(pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(fill)))
            plot.plot(
                x, mean, pen=pg.mkPen(color, width=width, style=Qt.PenStyle.SolidLine), name=legend
            )
