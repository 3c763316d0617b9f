"""A chosen layer's weight matrix as a live heatmap, zero in white, centred colour scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout

from nnstudio.ui.panels.base import Panel, PlotWidget
from nnstudio.ui.panels.colormaps import weights_map


def as_matrix(weight: np.ndarray) -> np.ndarray:
    """2D view of any weight: rows are output units, columns everything feeding one unit."""
    if weight.ndim == 1:
        return weight.reshape(1, -1)
    return weight.reshape(weight.shape[0], -1)


class WeightPanel(Panel):
    title = "Weights"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layer_box = QComboBox(self)
        self.layer_box.setObjectName("weight_layer")
        self.layer_box.setToolTip("Which layer's weights to show.")
        self.layer_box.currentIndexChanged.connect(self.redraw)
        self.info = QLabel(self)
        self.info.setStyleSheet("color: #555;")
        self.header.insertWidget(0, QLabel("Layer:", self))
        self.header.insertWidget(1, self.layer_box)
        self.header.insertWidget(2, self.info)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot_widget = PlotWidget(self.body)
        self.plot_widget.setObjectName("weight_plot")
        layout.addWidget(self.plot_widget)
        plot = self.plot_widget.getPlotItem()
        plot.invertY(True)
        plot.setLabel("left", "output unit")
        plot.setLabel("bottom", "input")
        self.image = pg.ImageItem()
        plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=weights_map(), interactive=False, width=12, label="weight"
        )
        self.colorbar.setImageItem(self.image, insert_in=plot)
        self.weights: dict[str, np.ndarray] = {}

    def clear(self) -> None:
        self.weights = {}
        self.image.clear()
        self.info.setText("")

    def prepare(self, run) -> None:
        current = self.layer_box.currentData()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for node_id, label in run.layers:
            self.layer_box.addItem(label, node_id)
        index = self.layer_box.findData(current)
        self.layer_box.setCurrentIndex(max(index, 0))
        self.layer_box.blockSignals(False)

    def take(self, snap) -> None:
        if snap.weights is None:
            return
        self.weights = snap.weights

    def redraw(self) -> None:
        node_id = self.layer_box.currentData()
        weight = self.weights.get(node_id)
        if weight is None:
            return
        matrix = as_matrix(weight)
        bound = float(np.max(np.abs(matrix))) or 1e-6
        self.colorbar.setLevels((-bound, bound))
        self.image.setImage(matrix, autoLevels=False, levels=(-bound, bound))
        shape = " × ".join(str(d) for d in weight.shape)
        self.info.setText(f"{shape}  ·  max |w| = {bound:.3g}")
