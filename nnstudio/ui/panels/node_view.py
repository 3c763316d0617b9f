"""Inside a node: what the chosen layer computes.

For 2D data, each unit's output over the input plane (the unit maps that snapshots carry).
For a layer whose declaration names a view, that view for one chosen sample: the feature
maps of a convolution or pooling layer beside the sample itself, the attention (or pointer)
weights per head, or a recurrent layer's hidden state over time. The panel only draws: it
asks for a view with `view_wanted` and is handed a `NodeView` (see `ui/node_view_follow.py`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QLabel, QSpinBox

from nnstudio.ui.panels.base import LayoutWidget
from nnstudio.ui.panels.colormaps import greys, shares, weights_map
from nnstudio.ui.panels.layer_names import readable_names
from nnstudio.ui.panels.unit_maps import UnitMapsPanel, mosaic

UNIT_MAPS = "unit_maps"
MAX_HEADS = 8
"""Attention heads drawn side by side; more are left out (the caption says so)."""


class NodeViewPanel(UnitMapsPanel):
    view_wanted = Signal(str, int)
    """(layer id, sample index): draw this layer's view of this sample, please."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sample_box = QSpinBox(self)
        self.sample_box.setObjectName("node_view_sample")
        self.sample_box.setPrefix("Sample ")
        self.sample_box.setRange(0, 99999)  # narrowed when the data is known
        self.sample_box.setToolTip(
            "Which validation sample to send through the network (0 is the first)."
        )
        self.sample_box.valueChanged.connect(self._want)
        self.sample_box.hide()
        self.header.insertWidget(1, self.sample_box)
        self.layer_box.setToolTip("Which layer to look inside (or select a node on the canvas).")
        layout = self.body.layout()
        self.caption = QLabel(self.body)
        self.caption.setObjectName("node_view_caption")
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #444; padding: 2px 4px;")
        self.caption.hide()
        layout.insertWidget(0, self.caption)
        self.tiles = LayoutWidget(self.body)
        self.tiles.setObjectName("node_view_plot")
        self.tiles.hide()
        layout.addWidget(self.tiles)
        self.kinds: dict[str, str] = {}
        """Layer id -> UNIT_MAPS or its declared view kind, in the list's order."""
        self.view_labels: dict[str, str] = {}
        self.node_names: dict[str, str] = {}
        """Node id -> name, over every node of the network (numbered as other panels do)."""
        self.shown: Any = None
        """The NodeView drawn now (None when unit maps or nothing show)."""
        self.tile_count = 0
        self._view_dirty = False
        self._view_stale = False
        """A view is wanted but was not asked for while the panel was hidden."""
        self.show_message(
            "Select a node on the canvas to look inside it. For 2D data, each unit's output "
            "over the input plane; for a convolution, its feature maps of one sample; for "
            "attention, its weights; for RNN, LSTM and GRU, the state over time."
        )

    # -- what there is to show -------------------------------------------------------------
    def set_layers(self, layers: list[tuple[str, str, str]]) -> None:
        """The layers with a declared view, as (layer id, label, kind); unit-map layers come
        from snapshots."""
        self.view_labels = {layer_id: label for layer_id, label, _kind in layers}
        units = {n: k for n, k in self.kinds.items() if k == UNIT_MAPS}
        self.kinds = {layer_id: kind for layer_id, _label, kind in layers} | units
        self._refill()

    def set_sample_count(self, samples: int) -> None:
        """How many samples the picker offers (known once the data is loaded)."""
        self.sample_box.setMaximum(max(samples - 1, 0))

    def clear(self) -> None:
        super().clear()
        self.kinds = {n: k for n, k in self.kinds.items() if k != UNIT_MAPS}
        self.shown = None
        self.tile_count = 0
        self.tiles.clear()
        self._refill()

    def take(self, snap) -> None:
        maps = getattr(snap, "unit_maps", None)
        if not maps:
            return
        self.latest = maps
        if any(n not in self.kinds for n in maps):
            self.kinds.update(dict.fromkeys(maps, UNIT_MAPS))
            self._refill()
        self._dirty = True

    def prepare(self, run) -> None:
        super().prepare(run)
        self.node_names = readable_names(list(getattr(run, "names", None) or []))
        self._refill()

    def _refill(self) -> None:
        """The layer list: names, not node ids ("Tanh 2" as in the other panels, inner
        layers by their block); the chosen layer stays chosen."""
        names = dict(self.node_names)
        others = [n for n in self.kinds if n not in names]
        known = dict(self.labels) | self.view_labels
        names |= readable_names([(n, known.get(n, n)) for n in others])
        self.layer_box.blockSignals(True)
        chosen = self.layer_box.currentData()
        self.layer_box.clear()
        for layer_id in self.kinds:
            self.layer_box.addItem(names[layer_id], layer_id)
        index = self.layer_box.findData(chosen)
        self.layer_box.setCurrentIndex(max(index, 0))
        self.layer_box.blockSignals(False)
        if self.layer_box.currentData() != chosen:
            self._choice_changed()

    def select(self, node_id: str) -> bool:
        """Show layer `node_id` (a canvas selection), or the first layer inside a block of
        that id; False when it has nothing to show."""
        index = self.layer_box.findData(node_id)
        if index < 0:
            inside = (node_id + "/", node_id + "#")
            index = next(
                (i for i, n in enumerate(self.kinds) if n.startswith(inside)),
                -1,
            )
        if index >= 0:
            self.layer_box.setCurrentIndex(index)
        return index >= 0

    def chosen_kind(self) -> str | None:
        return self.kinds.get(self.layer_box.currentData())

    def _choice_changed(self, *_args: object) -> None:
        kind = self.chosen_kind()
        self.sample_box.setVisible(kind not in (None, UNIT_MAPS))
        if kind == UNIT_MAPS:
            self._dirty = True
            self.redraw()
        else:
            self._want()

    def _want(self, *_args: object) -> None:
        """Ask for the chosen layer's view of the chosen sample (see `view_wanted`); a
        hidden panel asks when it is shown, so nothing is computed for nobody."""
        wanted = self.wanted()
        self._view_stale = wanted is not None and not self.is_shown()
        if wanted is not None and not self._view_stale:
            self.view_wanted.emit(*wanted)

    def wanted(self) -> tuple[str, int] | None:
        """The view the panel would show now, if the chosen layer has one."""
        layer_id, kind = self.layer_box.currentData(), self.chosen_kind()
        if layer_id is None or kind in (None, UNIT_MAPS):
            return None
        return layer_id, self.sample_box.value()

    # -- drawing ---------------------------------------------------------------------------
    def show_view(self, view: Any) -> None:
        """Draw a NodeView, if it is still the one wanted (an answer may come late)."""
        if view is None or self.wanted() != (view.layer_id, self.sample_box.value()):
            return
        self.shown = view
        self._view_dirty = True
        self.redraw()

    def show_problem(self, text: str) -> None:
        self.shown = None
        self.show_message(text)

    def redraw(self) -> None:
        if self._view_stale:
            self._want()
        if self.chosen_kind() == UNIT_MAPS:
            if self._dirty:
                self.graphics.show()
                self.tiles.hide()
                self.caption.hide()
            super().redraw()
            return
        if not self._view_dirty or self.shown is None:
            return
        self._view_dirty = False
        self.show_body()
        self.graphics.hide()
        self.tiles.show()
        view = self.shown
        self.caption.setText(" ".join(t for t in (view.caption + ".", view.note) if t))
        self.caption.show()
        self.tiles.clear()
        draw = {
            "feature_maps": self._feature_maps,
            "attention": self._attention,
            "sequence_state": self._sequence_state,
        }[view.kind]
        draw(view)

    def _plot(self, row: int, col: int, title: str) -> pg.PlotItem:
        plot = self.tiles.addPlot(row=row, col=col, title=title)
        plot.setAspectLocked(True)
        plot.invertY(True)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        return plot

    def _feature_maps(self, view: Any) -> None:
        maps = view.values
        self.tile_count = len(maps)
        if view.sample is not None:
            sample = self._plot(0, 0, "sample")
            sample.hideAxis("left")
            sample.hideAxis("bottom")
            item = pg.ImageItem(view.sample)
            item.setColorMap(greys())
            sample.addItem(item)
        plot = self._plot(0, 1, f"{len(maps)} channels")
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        # Each tile upright: the mosaic flips tiles for a y-up plane; undo that here.
        image = mosaic(np.ascontiguousarray(maps[:, ::-1, :]))
        finite = image[np.isfinite(image)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        high = high if high > low else low + 1.0
        tiles = pg.ImageItem(image, levels=(low, high))  # the NaN gaps stay see-through
        tiles.setColorMap(greys())
        plot.addItem(tiles)
        plot.autoRange(padding=0.02)
        self.tiles.ci.layout.setColumnStretchFactor(0, 1)
        self.tiles.ci.layout.setColumnStretchFactor(1, 3)

    def _attention(self, view: Any) -> None:
        heads = view.values[:MAX_HEADS]
        self.tile_count = len(heads)
        if len(view.values) > MAX_HEADS:
            shown = f"The first {MAX_HEADS} of {len(view.values)} heads."
            self.caption.setText(f"{self.caption.text()} {shown}")
        columns = min(len(heads), 4)
        image_items = []
        for k, weights in enumerate(heads):
            names = view.tile_names
            title = (
                (names[k] if k < len(names) else f"head {k + 1}") if len(heads) > 1 else "weights"
            )
            plot = self._plot(k // columns, k % columns, title)
            plot.setAspectLocked(False)
            item = self._grid_image(plot, weights, view.row_axis, view.col_axis)
            item.setLevels((0.0, 1.0))
            item.setColorMap(shares())
            image_items.append(item)
        bar = pg.ColorBarItem(
            values=(0, 1), colorMap=shares(), interactive=False, width=12, label="weight"
        )
        bar.setImageItem(image_items)
        self.tiles.addItem(bar, row=0, col=columns, rowspan=max(1, -(-len(heads) // columns)))

    def _sequence_state(self, view: Any) -> None:
        self.tile_count = 1
        states = view.values[0]
        plot = self._plot(0, 0, "hidden state at each step")
        plot.setAspectLocked(False)
        item = self._grid_image(plot, states, view.row_axis, view.col_axis)
        bound = float(np.abs(states).max()) if states.size else 1.0
        bound = bound if bound > 0 else 1.0
        item.setLevels((-bound, bound))
        item.setColorMap(weights_map())
        bar = pg.ColorBarItem(
            values=(-bound, bound), colorMap=weights_map(), interactive=False, width=12
        )
        bar.setImageItem(item)
        self.tiles.addItem(bar, row=0, col=1)

    @staticmethod
    def _grid_image(plot: pg.PlotItem, values: np.ndarray, rows: str, cols: str) -> pg.ImageItem:
        """`values` (rows, cols) with each cell centred on its whole-number position."""
        item = pg.ImageItem(np.ascontiguousarray(values, dtype=np.float32))
        height, width = values.shape
        item.setRect(QRectF(-0.5, -0.5, width, height))
        plot.addItem(item)
        plot.setLabel("left", rows)
        plot.setLabel("bottom", cols)
        plot.setRange(xRange=(-0.5, width - 0.5), yRange=(-0.5, height - 0.5), padding=0)
        return item
