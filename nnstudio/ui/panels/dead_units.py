"""Dead units: for every ReLU-family layer, the share of units that fire for no validation
sample, over the run. A unit that never fires passes no gradient back and has stopped learning.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QVBoxLayout

from nnstudio.ui.colors import CLASS_COLORS
from nnstudio.ui.panels.base import LayoutWidget, Panel, fast_curve, nice_ceiling
from nnstudio.ui.panels.layer_names import readable_names

MAX_POINTS = 600
"""Per layer; the oldest half is thinned when full, so a long run stays cheap to draw."""


class DeadUnitsPanel(Panel):
    title = "Dead units"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = LayoutWidget(self.body)
        self.graphics.setObjectName("dead_units_plot")
        layout.addWidget(self.graphics)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setLabel("left", "dead units (%)")
        self.plot.setLabel("bottom", "step")
        self.plot.setYRange(0, 102, padding=0)
        self.plot.enableAutoRange(x=False, y=False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot.addLegend(offset=(-5, 5))
        self.curves: dict[str, object] = {}
        self.points: dict[str, list[tuple[int, float]]] = {}
        self.latest: dict[str, float] = {}
        self.names: dict[str, str] = {}
        """Node id -> the layer's name in the legend ("ReLU 2", not "n5")."""
        self._dirty = False
        self._x_bound = 0.0
        self.show_message(
            "The share of silent units in each ReLU layer shows here while a network with "
            "ReLU, Leaky ReLU or PReLU layers trains."
        )

    def clear(self) -> None:
        self.points.clear()
        self.latest.clear()
        for curve in self.curves.values():
            curve.setData([], [])  # type: ignore[attr-defined]
        self._dirty = False

    def prepare(self, run) -> None:
        names = readable_names(list(getattr(run, "names", None) or []))
        if names == self.names:
            return
        self.names = names
        for node_id, curve in self.curves.items():  # curves kept from an earlier run
            self.legend.removeItem(curve)
            self.legend.addItem(curve, self.name_of(node_id))

    def name_of(self, node_id: str) -> str:
        return self.names.get(node_id, node_id)

    def take(self, snap) -> None:
        dead = getattr(snap, "dead_units", None)
        if not dead:
            return
        for node_id, share in dead.items():
            series = self.points.setdefault(node_id, [])
            series.append((snap.step, 100.0 * share))
            if len(series) > MAX_POINTS:
                del series[: MAX_POINTS // 2 : 2]
        self.latest = dict(dead)
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.show_body()
        top = 0.0
        for index, (node_id, series) in enumerate(self.points.items()):
            curve = self.curves.get(node_id)
            if curve is None:
                color = CLASS_COLORS[index % len(CLASS_COLORS)]
                curve = self.curves[node_id] = fast_curve(
                    self.plot, color, 2, self.name_of(node_id)
                )
            data = np.asarray(series, dtype=np.float64)
            curve.setData(data[:, 0], data[:, 1])  # type: ignore[attr-defined]
            top = max(top, float(data[-1, 0]))
        bound = nice_ceiling(top)
        if bound != self._x_bound:
            self._x_bound = bound
            self.plot.setXRange(0, bound, padding=0)
