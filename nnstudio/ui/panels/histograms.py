"""Histograms over time: how one layer's weights, activations or gradients spread, as a
ridgeline (newest in front, older ones stacked behind), like TensorBoard's histogram view.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QVBoxLayout

from nnstudio.ui.panels.base import LayoutWidget, Panel

KINDS = (("weights", "Weights"), ("activations", "Activations"), ("gradients", "Gradients"))
RIDGES = 24
"""At most this many histograms are drawn, evenly spread over the run."""
KEEP = 96
"""Per layer and kind; every other one is dropped when full, so the whole run stays in view."""
SPACING = 0.35
"""Vertical distance between ridges, in units of one ridge's full height."""


class HistogramPanel(Panel):
    title = "Histograms"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("histogram_kind")
        for key, label in KINDS:
            self.kind_box.addItem(label, key)
        self.kind_box.setToolTip("What to show: weights, the layer's outputs, or gradients.")
        self.layer_box = QComboBox(self)
        self.layer_box.setObjectName("histogram_layer")
        self.layer_box.setToolTip("Which layer to show.")
        self.layer_box.setMinimumContentsLength(10)
        self.header.insertWidget(0, self.kind_box)
        self.header.insertWidget(1, self.layer_box)
        self.kind_box.currentIndexChanged.connect(self._choice_changed)
        self.layer_box.currentIndexChanged.connect(self._choice_changed)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = LayoutWidget(self.body)
        self.graphics.setObjectName("histogram_plot")
        layout.addWidget(self.graphics)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setLabel("bottom", "value")
        self.plot.setLabel("left", "older → newer (step)")
        self.plot.getAxis("left").setStyle(showValues=False)
        self.back = self.plot.plot([], [], pen={"color": "#9ab6d3", "width": 1}, connect="finite")
        self.front = self.plot.plot([], [], pen={"color": "#0877bd", "width": 2})
        self.front.setFillLevel(0.0)
        self.front.setBrush((8, 119, 189, 60))
        self.store: dict[tuple[str, str], list[tuple[int, np.ndarray, np.ndarray]]] = {}
        self.labels: dict[str, str] = {}
        self._dirty = False
        self.show_message(
            "Histograms of each layer's weights, outputs and gradients show here while a "
            "network trains."
        )

    # -- choice -------------------------------------------------------------------------------
    @property
    def choice(self) -> tuple[str, str]:
        return str(self.kind_box.currentData()), str(self.layer_box.currentData())

    def _choice_changed(self, *_args: object) -> None:
        self._dirty = True
        self.redraw()

    def _sync_layers(self, kind_tables: dict[str, dict[str, object]]) -> None:
        known = {self.layer_box.itemData(i) for i in range(self.layer_box.count())}
        names = [n for table in kind_tables.values() for n in table]
        for node_id in dict.fromkeys(names):
            if node_id not in known:
                self.layer_box.addItem(self.labels.get(node_id, node_id), node_id)

    # -- run hooks ----------------------------------------------------------------------------
    def clear(self) -> None:
        self.store.clear()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.blockSignals(False)
        self.back.setData([], [])
        self.front.setData([], [])
        self._dirty = False

    def prepare(self, run) -> None:
        self.labels = dict(getattr(run, "layers", []) or [])

    def take(self, snap) -> None:
        tables = getattr(snap, "histograms", None)
        if not tables:
            return
        for kind, table in tables.items():
            for node_id, hist in table.items():
                series = self.store.setdefault((kind, node_id), [])
                series.append((snap.step, hist.edges, hist.counts))
                if len(series) > KEEP:
                    del series[::2]
        if self.layer_box.count() == 0 or len(self.store) > self.layer_box.count():
            self._sync_layers(tables)
        self._dirty = True

    def ridges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x, y) of the older ridges joined by NaN breaks, and (x, y) of the newest one."""
        series = self.store.get(self.choice, [])
        if not series:
            empty = np.zeros(0)
            return empty, empty, empty, empty
        picks = np.unique(np.linspace(0, len(series) - 1, min(RIDGES, len(series))).astype(int))
        xs, ys = [], []
        count = len(picks)
        for rank, index in enumerate(picks):
            _step, edges, counts = series[index]
            centres = (edges[:-1] + edges[1:]) / 2
            peak = max(int(counts.max()), 1)
            base = (count - 1 - rank) * SPACING
            xs.append(np.concatenate([centres, [np.nan]]))
            ys.append(np.concatenate([base + counts / peak, [np.nan]]))
        x_all, y_all = np.concatenate(xs), np.concatenate(ys)
        last = len(xs[-1])
        return x_all[:-last], y_all[:-last], xs[-1][:-1], ys[-1][:-1]

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        if not self.store:
            return
        self.show_body()
        back_x, back_y, front_x, front_y = self.ridges()
        self.back.setData(back_x, back_y, connect="finite")
        self.front.setData(front_x, front_y)
