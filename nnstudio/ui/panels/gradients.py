"""Per-layer gradient magnitudes: bars for now, a layer × time heatmap for the history.

Both use log10 of the norm, so a gradient a thousand times smaller is three steps down, and
vanishing (the first layers fade) or exploding (they blow up) gradients show at a glance.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout

from nnstudio.ui.panels.base import LayoutWidget, Panel, nice_ceiling
from nnstudio.ui.panels.colormaps import sequential
from nnstudio.ui.panels.layer_names import readable_names, short_name

HISTORY_COLUMNS = 300
FLOOR = 1e-12


class GradientPanel(Panel):
    title = "Gradient magnitudes"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = LayoutWidget(self.body)
        self.graphics.setObjectName("gradient_plot")
        layout.addWidget(self.graphics)
        self.bar_plot = self.graphics.addPlot(row=0, col=0)
        self.bar_plot.setLabel("left", "log₁₀ ‖grad‖")
        self.bar_plot.getAxis("left").enableAutoSIPrefix(False)
        self.bar_plot.showGrid(y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#0877bd")
        self.bar_plot.addItem(self.bars)
        self.heat_plot = self.graphics.addPlot(row=1, col=0)
        self.heat_plot.setLabel("bottom", "time (snapshots, oldest → newest)")
        self.heat_plot.setLabel("left", "layer")
        self.heat_plot.invertY(True)
        self.heatmap = pg.ImageItem()
        self.heat_plot.addItem(self.heatmap)
        self.colorbar = pg.ColorBarItem(
            values=(-6, 0), colorMap=sequential(), interactive=False, width=12, label="log₁₀"
        )
        self.colorbar.setImageItem(self.heatmap, insert_in=self.heat_plot)
        self._bar_range = (0.0, 0.0)
        self._heat_width = 0.0
        self.layer_ids: list[str] = []
        self.labels: dict[str, str] = {}
        self.norms = np.full((0, 0), np.nan, dtype=np.float32)
        self.columns = 0
        self.latest: np.ndarray | None = None

    def clear(self) -> None:
        self.norms = np.full((len(self.layer_ids), HISTORY_COLUMNS), np.nan, dtype=np.float32)
        self.columns = 0
        self.latest = None
        self.bars.setOpts(x=[], height=[])
        self.heatmap.clear()

    def prepare(self, run) -> None:
        self.layer_ids = [node_id for node_id, _label in run.layers]
        self.labels = readable_names(run.layers)
        count = max(len(self.layer_ids), 1)
        # Many layers: short names under the bars, and every k-th row named in the heatmap.
        many = count > 5
        ticks = [
            (i, short_name(self.labels[n]) if many else self.labels[n])
            for i, n in enumerate(self.layer_ids)
        ]
        self.bar_plot.getAxis("bottom").setTicks([ticks])
        every = max(1, -(-count // 6))
        rows = [(i + 0.5, self.labels[n]) for i, n in enumerate(self.layer_ids) if i % every == 0]
        self.heat_plot.getAxis("left").setTicks([rows])
        self.bar_plot.setXRange(-0.6, count - 0.4, padding=0)
        self.heat_plot.setYRange(0, count, padding=0)
        self._heat_width = 0.0
        self._bar_range = (0.0, 0.0)
        if self.norms.shape[0] != len(self.layer_ids):
            self.clear()

    def take(self, snap) -> None:
        if not snap.grad_norms or not self.layer_ids:
            return
        values = np.array(
            [snap.grad_norms.get(n, np.nan) for n in self.layer_ids], dtype=np.float64
        )
        logs = np.log10(np.maximum(values, FLOOR)).astype(np.float32)
        logs[~np.isfinite(values)] = np.nan
        self.latest = logs
        if self.columns == HISTORY_COLUMNS:
            # Keep the whole run in view: halve the history's time resolution when full.
            half = self.norms[:, 1::2]
            self.norms[:, : half.shape[1]] = half
            self.norms[:, half.shape[1] :] = np.nan
            self.columns = half.shape[1]
        self.norms[:, self.columns] = logs
        self.columns += 1

    def redraw(self) -> None:
        if self.latest is None:
            return
        finite = np.nan_to_num(self.latest, nan=np.log10(FLOOR))
        # Bars rise from a floor below the smallest norm, so a taller bar is a larger gradient.
        base = min(-6.0, float(np.floor(finite.min())) - 1.0)
        self.bars.setOpts(x=np.arange(len(finite)), y0=base, y1=finite, height=None, width=0.7)
        top = max(1.0, float(np.ceil(finite.max())) + 0.5)
        if (base, top) != self._bar_range:
            self._bar_range = (base, top)
            self.bar_plot.setYRange(base, top, padding=0)
        shown = self.norms[:, : self.columns]
        valid = shown[np.isfinite(shown)]
        if valid.size:
            lo, hi = float(valid.min()), float(valid.max())
            levels = (lo, hi if hi > lo else lo + 1.0)
            self.colorbar.setLevels(levels)
            self.heatmap.setImage(np.nan_to_num(shown, nan=lo), autoLevels=False, levels=levels)
            self.heatmap.setRect(QRectF(0, 0, self.columns, len(self.layer_ids)))
            width = min(nice_ceiling(self.columns), HISTORY_COLUMNS)
            if width != self._heat_width:  # grows in 1-2-5 steps, so the axis rarely redraws
                self._heat_width = width
                self.heat_plot.setXRange(0, width, padding=0)
