"""Inside a node: for 2D data, what each unit of a layer outputs over the input plane.

Like TensorFlow Playground's per-neuron pictures: one small heatmap per unit (up to 16), laid
out as one mosaic image so a redraw is a single texture upload.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QVBoxLayout

from nnstudio.ui.panels.base import LayoutWidget, Panel
from nnstudio.ui.panels.colormaps import diverging

GAP = 2
"""Pixels of background between tiles."""


def mosaic(maps: np.ndarray) -> np.ndarray:
    """(units, r, r) -> one (rows·(r+GAP), cols·(r+GAP)) image, NaN in the gaps; row 0 on top."""
    count, r, _ = maps.shape
    cols = int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / cols))
    cell = r + GAP
    image = np.full((rows * cell - GAP, cols * cell - GAP), np.nan, dtype=np.float32)
    for i in range(count):
        row, col = divmod(i, cols)
        # Image rows grow downward on screen; the plane's y grows upward, so flip each tile.
        image[row * cell : row * cell + r, col * cell : col * cell + r] = maps[i][::-1]
    return image


class UnitMapsPanel(Panel):
    title = "Inside a node"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layer_box = QComboBox(self)
        self.layer_box.setObjectName("unit_maps_layer")
        self.layer_box.setToolTip("Which layer's units to show.")
        self.layer_box.setMinimumContentsLength(10)
        self.layer_box.currentIndexChanged.connect(self._choice_changed)
        self.header.insertWidget(0, self.layer_box)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = LayoutWidget(self.body)
        self.graphics.setObjectName("unit_maps_plot")
        layout.addWidget(self.graphics)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=diverging(), interactive=False, width=12, label="output"
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.latest: dict[str, np.ndarray] = {}
        self.labels: dict[str, str] = {}
        self._dirty = False
        self.show_message(
            "For 2D data, each unit's output over the input plane shows here while the network "
            "trains: one small picture per unit of the chosen layer."
        )

    def clear(self) -> None:
        self.latest = {}
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.blockSignals(False)
        self.image.clear()
        self._dirty = False

    def prepare(self, run) -> None:
        self.labels = dict(getattr(run, "layers", []) or [])

    def take(self, snap) -> None:
        maps = getattr(snap, "unit_maps", None)
        if not maps:
            return
        self.latest = maps
        if self.layer_box.count() != len(maps):
            self.layer_box.blockSignals(True)
            chosen = self.layer_box.currentData()
            self.layer_box.clear()
            for node_id in maps:
                self.layer_box.addItem(self.labels.get(node_id, node_id), node_id)
            index = self.layer_box.findData(chosen)
            self.layer_box.setCurrentIndex(max(index, 0))
            self.layer_box.blockSignals(False)
        self._dirty = True

    def select(self, node_id: str) -> bool:
        """Show `node_id`'s units (e.g. the node selected on the canvas), if it has maps."""
        index = self.layer_box.findData(node_id)
        if index >= 0:
            self.layer_box.setCurrentIndex(index)
        return index >= 0

    def _choice_changed(self, *_args: object) -> None:
        self._dirty = True
        self.redraw()

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        maps = self.latest.get(self.layer_box.currentData())
        if maps is None:
            return
        self.show_body()
        image = mosaic(maps)
        finite = image[np.isfinite(image)]
        bound = float(np.abs(finite).max()) if finite.size else 1.0
        bound = bound if bound > 0 else 1.0
        self.colorbar.setLevels((-bound, bound))
        self.image.setImage(np.nan_to_num(image, nan=0.0), autoLevels=False, levels=(-bound, bound))
