"""The decision boundary: the model's output as an image under the data points.

Train points are filled, test points hollow. For regression the image is the predicted
surface. Data that is not 2D gets a message instead of an empty plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout

from nnstudio.ui.colors import class_color
from nnstudio.ui.panels.base import Panel, PlotWidget
from nnstudio.ui.panels.colormaps import diverging, sequential

BOUNDARY_TINT = 0.45
"""How strongly the boundary image is coloured; points are drawn at full strength on top."""
NOT_2D = {
    "image": "The decision boundary is drawn for 2D points only.\n"
    "This dataset holds {shape} images, so there is no plane to draw it on.",
    "sequence": "The decision boundary is drawn for 2D points only.\n"
    "This dataset holds sequences of {shape}, so there is no plane to draw it on.",
    "table": "The decision boundary is drawn for 2D points only.\n"
    "This dataset has {n} input columns, so there is no plane to draw it on.",
}


class BoundaryPanel(Panel):
    title = "Decision boundary"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot_widget = PlotWidget(self.body)
        self.plot_widget.setObjectName("boundary_plot")
        layout.addWidget(self.plot_widget)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "x1")
        self.plot.setLabel("left", "x2")
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=6, pxMode=True)
        self.test_points = pg.ScatterPlotItem(size=7, pxMode=True)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.colorbar = pg.ColorBarItem(
            values=(0, 1),
            colorMap=diverging(BOUNDARY_TINT),
            interactive=False,
            width=12,
            label="P(class 1)",
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.regression = False
        self.last = None
        self.last_values: np.ndarray | None = None
        self.show_message("Press Train to see how the network splits the plane.")

    def clear(self) -> None:
        self.image.clear()
        self.last = None
        self.last_values = None

    def prepare(self, run) -> None:
        data = run.dataset
        if data.points_train is None:
            shape = " × ".join(str(d) for d in data.feature_shape)
            text = NOT_2D.get(getattr(data, "kind", "table"), NOT_2D["table"])
            self.show_message(text.format(shape=shape, n=int(np.prod(data.feature_shape))))
            return
        self.show_body()
        xmin, xmax, ymin, ymax = data.bounds()
        self.plot.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self.regression = data.task == "regression"
        if self.regression:
            self.colorbar.setColorMap(sequential())
            self._points_regression(data)
        else:
            self.colorbar.setColorMap(diverging(BOUNDARY_TINT))
            self.colorbar.setLevels((0.0, 1.0))
            self._points_classes(data)

    def show_points(self, data) -> None:
        """Redraw the data points (after the data was edited by hand)."""
        if data.task == "regression":
            self._points_regression(data)
        else:
            self._points_classes(data)

    def _points_classes(self, data) -> None:
        classes = range(max(data.num_classes, 2))
        brushes = {c: pg.mkBrush(class_color(c)) for c in classes}
        pens = {c: pg.mkPen(class_color(c), width=1.5) for c in classes}
        self.train_points.setData(
            pos=data.points_train,
            brush=[brushes[int(c)] for c in data.y_train],
            pen=pg.mkPen("w", width=0.8),
        )
        self.test_points.setData(
            pos=data.points_test, brush=pg.mkBrush("w"), pen=[pens[int(c)] for c in data.y_test]
        )

    def _points_regression(self, data) -> None:
        cmap = sequential()
        values = data.y_train.reshape(-1)
        lo, hi = float(values.min()), float(values.max())
        span = hi - lo or 1.0
        self.train_points.setData(
            pos=data.points_train,
            brush=[pg.mkBrush(cmap.map((v - lo) / span, mode="qcolor")) for v in values],
            pen=pg.mkPen("w", width=0.8),
        )
        self.test_points.setData(pos=data.points_test, brush=pg.mkBrush(None), pen=pg.mkPen("#333"))

    def take(self, snap) -> None:
        if snap.boundary is None:
            return
        self.last = snap.boundary
        self.last_values = snap.boundary.values

    def redraw(self) -> None:
        boundary = self.last
        if boundary is None:
            return
        xmin, xmax, ymin, ymax = boundary.extent
        if self.regression:
            lo, hi = float(np.nanmin(boundary.values)), float(np.nanmax(boundary.values))
            levels = (lo, hi if hi > lo else lo + 1e-6)
            self.colorbar.setLevels(levels)
        else:
            levels = (0.0, 1.0)
        self.image.setImage(boundary.values, autoLevels=False, levels=levels)
        self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
