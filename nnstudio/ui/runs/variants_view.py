"""Variants side by side while they train: one tile per variant with its decision boundary
(for 2D data) and its per-layer gradient bars, under the variant's name and colour.

Tiles keep only the newest report of their run and redraw on a slow timer while visible, so
many variants cost the GUI thread little.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from nnstudio.core.run import Run
from nnstudio.ui.panels.colormaps import diverging, sequential

REDRAW_MS = 80
TILES_PER_TICK = 2
"""Tiles redrawn per tick, in turn: 16 variants then each redraw about 1.5 times a second,
and one tick never holds the GUI thread for more than two small plots."""
TILE_WIDTH = 260


class VariantTile(QWidget):
    def __init__(self, run: Run, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.setObjectName(f"variant_tile_{run.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        self.title = QLabel(self)
        self.title.setObjectName("variant_title")
        self.title.setWordWrap(True)
        self.title.setStyleSheet(f"border-left: 6px solid {run.color}; padding-left: 4px;")
        layout.addWidget(self.title)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setBackground("w")
        self.graphics.setMinimumSize(TILE_WIDTH - 20, 200)
        layout.addWidget(self.graphics, 1)
        self.boundary_plot = self.graphics.addPlot(row=0, col=0)
        self.boundary_plot.hideAxis("left")
        self.boundary_plot.hideAxis("bottom")
        self.boundary_plot.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.boundary_plot.addItem(self.image)
        self.grad_plot = self.graphics.addPlot(row=1, col=0)
        self.grad_plot.setLabel("left", "log₁₀ |grad|")
        self.grad_plot.setMouseEnabled(False, False)
        self.grad_plot.hideAxis("bottom")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=QColor(run.color))
        self.grad_plot.addItem(self.bars)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.snap: Any = None
        self.regression = False
        self.dirty = False
        self.frames = 0

    def take(self, snap: Any) -> None:
        if snap.boundary is None and self.snap is not None:
            snap.boundary = self.snap.boundary
        if not snap.grad_norms and self.snap is not None:
            snap.grad_norms = self.snap.grad_norms
        self.snap = snap
        self.dirty = True

    def redraw(self) -> None:
        self.dirty = False
        self.frames += 1
        run, snap = self.run, self.snap
        changes = ", ".join(f"{k} {v}" for k, v in run.changes.items()) or run.label
        loss = run.score("val_loss") or run.score("train_loss")
        status = (
            "diverged"
            if run.status == "diverged"
            else (f"loss {loss:.4f}" if loss is not None else "…")
        )
        self.title.setText(f"<b>{run.label}</b> · {changes}<br>{status}")
        if snap is None:
            return
        if snap.boundary is not None:
            values = snap.boundary.values
            if self.regression:
                lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
                levels = (lo, hi if hi > lo else lo + 1e-6)
                self.image.setColorMap(sequential())
            else:
                levels = (0.0, 1.0)
                self.image.setColorMap(diverging(0.75))
            self.image.setImage(values, autoLevels=False, levels=levels)
            xmin, xmax, ymin, ymax = snap.boundary.extent
            self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
        norms = [v for v in snap.grad_norms.values() if math.isfinite(v)]
        if norms:
            heights = np.maximum(np.asarray(norms, dtype=float), 1e-12)
            logs = np.log10(heights)
            self.bars.setOpts(
                x=np.arange(len(logs)), height=logs - (logs.min() - 1), y0=logs.min() - 1
            )
            self.grad_plot.setYRange(logs.min() - 1, max(logs.max(), logs.min()) + 0.5)


class VariantsView(QWidget):
    """Small multiples of the variants of the session in progress (or the last one)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variants_view")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.message = QLabel(
            "Train Variants… (Train menu) to watch several versions learn side by side.", self
        )
        self.message.setObjectName("variants_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.inner = QWidget()
        self.grid = QGridLayout(self.inner)
        self.scroll.setWidget(self.inner)
        layout.addWidget(self.scroll, 1)
        self.tiles: dict[str, VariantTile] = {}
        self._turn = 0
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.redraw)

    def start(self, runs: list[Run], regression: bool = False) -> None:
        """Lay out one tile per run."""
        for tile in self.tiles.values():
            tile.setParent(None)
            tile.deleteLater()
        self.tiles = {}
        for run in runs:
            tile = VariantTile(run, self.inner)
            tile.regression = regression
            self.tiles[run.id] = tile
        self._columns = 0
        self._lay_out()
        self.message.setText(
            f"{len(runs)} variants: each tile shows its decision boundary (2D data) and "
            "its gradient size per layer, first layer on the left."
        )
        self.timer.start()
        self.redraw(force=True)

    def _lay_out(self) -> None:
        """As many tile columns as fit the width (at least one)."""
        width = max(self.scroll.viewport().width(), TILE_WIDTH)
        columns = max(1, min(len(self.tiles) or 1, width // TILE_WIDTH))
        if columns == getattr(self, "_columns", 0):
            return
        self._columns = columns
        for i, tile in enumerate(self.tiles.values()):
            self.grid.addWidget(tile, i // columns, i % columns)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._lay_out()

    @Slot(object)
    def take(self, reports: dict[str, Any]) -> None:
        for run_id, snap in reports.items():
            tile = self.tiles.get(run_id)
            if tile is not None:
                tile.take(snap)

    def stop(self) -> None:
        self.redraw(force=True)
        self.timer.stop()

    def redraw(self, force: bool = False) -> None:
        if force:
            for tile in self.tiles.values():
                tile.redraw()
            return
        if not self.isVisible():
            return
        tiles = list(self.tiles.values())
        done = 0
        for offset in range(len(tiles)):
            tile = tiles[(self._turn + offset) % len(tiles)]
            if tile.dirty and not tile.visibleRegion().isEmpty():
                tile.redraw()
                done += 1
                if done == TILES_PER_TICK:
                    self._turn = (self._turn + offset + 1) % len(tiles)
                    return
