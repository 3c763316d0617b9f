"""A chosen layer's weight matrix as a live heatmap, zero in white, centred colour scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QVBoxLayout

from nnstudio.ui.panels.base import Panel, PlotWidget
from nnstudio.ui.panels.colormaps import weights_map
from nnstudio.ui.panels.layer_names import readable_names


def as_matrix(weight: np.ndarray) -> np.ndarray:
    """2D view of any weight: rows are output units, columns everything feeding one unit."""
    if weight.ndim == 1:
        return weight.reshape(1, -1)
    return weight.reshape(weight.shape[0], -1)


def as_tiles(weight: np.ndarray, gap: int = 1) -> tuple[np.ndarray, int, int]:
    """Convolution kernels (out, in, h, w) as a near-square mosaic of small tiles, zero
    (white) between them: (mosaic, rows, columns of tiles)."""
    out, inp, kh, kw = weight.shape
    kernels = weight.reshape(out * inp, kh, kw)
    count = len(kernels)
    cols = int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / cols))
    mosaic = np.zeros((rows * (kh + gap) - gap, cols * (kw + gap) - gap), dtype=np.float32)
    for index, kernel in enumerate(kernels):
        r, c = divmod(index, cols)
        mosaic[r * (kh + gap) : r * (kh + gap) + kh, c * (kw + gap) : c * (kw + gap) + kw] = kernel
    return mosaic, rows, cols


class IntegerAxis(pg.AxisItem):
    """Ticks only at whole numbers: units are counted, never 2.5."""

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        whole = []
        for spacing, values in levels:
            if spacing < 1:
                continue
            whole.append((spacing, [v for v in values if float(v).is_integer()]))
        if not whole:
            start, stop = int(np.ceil(minVal)), int(np.floor(maxVal))
            whole = [(1.0, list(range(start, stop + 1)))]
        return whole


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
        # A long shape line must not widen the whole training view on a small screen.
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.info.setMinimumWidth(20)
        self.header.insertWidget(0, QLabel("Layer:", self))
        self.header.insertWidget(1, self.layer_box)
        self.header.insertWidget(2, self.info)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.axes = {"left": IntegerAxis("left"), "bottom": IntegerAxis("bottom")}
        self.plot_widget = PlotWidget(self.body, axisItems=self.axes)
        self.plot_widget.setObjectName("weight_plot")
        layout.addWidget(self.plot_widget)
        plot = self.plot_widget.getPlotItem()
        self.plot = plot
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
        for node_id, name in readable_names(run.layers).items():
            self.layer_box.addItem(name, node_id)
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
        bound = float(np.max(np.abs(weight))) or 1e-6
        self.colorbar.setLevels((-bound, bound))
        if weight.ndim == 4:
            mosaic, _rows, _cols = as_tiles(weight)
            self.image.setImage(mosaic, autoLevels=False, levels=(-bound, bound))
            self.image.setRect(QRectF(0, 0, mosaic.shape[1], mosaic.shape[0]))
            self.plot.showAxis("left", False)
            self.plot.showAxis("bottom", False)
            out, inp, kh, kw = weight.shape
            what = f"{out * inp} kernels of {kh} × {kw}"
            if inp > 1:
                what += f" ({out} out × {inp} in)"
            self.info.setText(f"{what}  ·  max |w| = {bound:.3g}")
            return
        matrix = as_matrix(weight)
        self.plot.showAxis("left", True)
        self.plot.showAxis("bottom", True)
        self.image.setImage(matrix, autoLevels=False, levels=(-bound, bound))
        # Unit k's pixel is centred on k (counted from 1), so ticks name whole units.
        self.image.setRect(QRectF(0.5, 0.5, matrix.shape[1], matrix.shape[0]))
        shape = " × ".join(str(d) for d in weight.shape)
        self.info.setText(f"{shape}  ·  max |w| = {bound:.3g}")
