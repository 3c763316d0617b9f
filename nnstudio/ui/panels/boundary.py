"""The decision boundary: the model's output as an image under the data points.

Train points are filled, test points hollow. For regression the panel is a regression
surface: the image is the predicted value, and points are coloured by their target on the
same scale, so a point that matches the surface around it is predicted well. Data that is
not 2D gets a message instead of an empty plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
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


CLASSES_TITLE, REGRESSION_TITLE = "Decision boundary", "Regression surface"
CLASSES_LABEL, REGRESSION_LABEL = "P(class 1)", "predicted value (points: target)"


class BoundaryPanel(Panel):
    title = CLASSES_TITLE
    retitled = Signal(str)
    """The panel now shows a decision boundary or a regression surface (its dock follows)."""

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
            label=CLASSES_LABEL,
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.regression = False
        self.levels = (0.0, 1.0)
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
        title = REGRESSION_TITLE if self.regression else CLASSES_TITLE
        self.colorbar.getAxis("left").setLabel(
            REGRESSION_LABEL if self.regression else CLASSES_LABEL
        )
        self.retitled.emit(title)
        if self.regression:
            self.colorbar.setColorMap(sequential())
            self._points_regression(data)
        else:
            self.colorbar.setColorMap(diverging(BOUNDARY_TINT))
            self.levels = (0.0, 1.0)
            self.colorbar.setLevels(self.levels)
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
        """Points coloured by their target, on the scale the surface uses."""
        cmap = sequential()
        train, test = data.y_train.reshape(-1), data.y_test.reshape(-1)
        both = np.concatenate((train, test))
        lo, hi = float(both.min()), float(both.max())
        span = hi - lo or 1.0
        self.levels = (lo, hi if hi > lo else lo + 1e-6)
        self.colorbar.setLevels(self.levels)

        def brushes(values: np.ndarray) -> list:
            return [pg.mkBrush(cmap.map((v - lo) / span, mode="qcolor")) for v in values]

        self.train_points.setData(
            pos=data.points_train, brush=brushes(train), pen=pg.mkPen("w", width=0.8)
        )
        self.test_points.setData(
            pos=data.points_test, brush=brushes(test), pen=pg.mkPen("#333", width=1.2)
        )

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
        self.image.setImage(boundary.values, autoLevels=False, levels=self.levels)
        self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
