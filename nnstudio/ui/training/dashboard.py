"""The training view: the live panels as dock widgets in a 2 × 2 grid of their own.

The panels live in a nested QMainWindow so each stays a real dock (movable, floatable,
closable, restorable from the View menu) without crowding the editor's docks.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

from nnstudio.ui.panels.base import Panel
from nnstudio.ui.panels.boundary import BoundaryPanel
from nnstudio.ui.panels.dead_units import DeadUnitsPanel
from nnstudio.ui.panels.gradients import GradientPanel
from nnstudio.ui.panels.histograms import HistogramPanel
from nnstudio.ui.panels.learning_rate import LearningRatePanel
from nnstudio.ui.panels.loss import LossPanel
from nnstudio.ui.panels.node_view import NodeViewPanel
from nnstudio.ui.panels.predictions import PredictionsPanel
from nnstudio.ui.panels.weights import WeightPanel

Left, Right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea


class TrainingDashboard(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training_dashboard")
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setDockNestingEnabled(True)
        self.loss = LossPanel()
        self.boundary = BoundaryPanel()
        self.predictions = PredictionsPanel()
        self.gradients = GradientPanel()
        self.weights = WeightPanel()
        self.learning_rate = LearningRatePanel()
        self.dead_units = DeadUnitsPanel()
        self.histograms = HistogramPanel()
        self.unit_maps = NodeViewPanel()
        self.node_view = self.unit_maps
        self.panels: list[Panel] = [
            self.loss,
            self.boundary,
            self.predictions,
            self.gradients,
            self.weights,
            self.learning_rate,
            self.dead_units,
            self.histograms,
            self.unit_maps,
        ]
        self.docks: dict[str, QDockWidget] = {}
        loss = self._dock(self.loss, Left)
        boundary = self._dock(self.boundary, Right)
        predictions = self._dock(self.predictions, Right)
        gradients = self._dock(self.gradients, Left)
        weights = self._dock(self.weights, Right)
        lr = self._dock(self.learning_rate, Right)
        self.splitDockWidget(loss, gradients, Qt.Orientation.Vertical)
        self.splitDockWidget(boundary, weights, Qt.Orientation.Vertical)
        self.tabifyDockWidget(weights, lr)
        self.tabifyDockWidget(gradients, self._dock(self.dead_units, Left))
        self.tabifyDockWidget(weights, self._dock(self.histograms, Right))
        gradients.raise_()
        self.tabifyDockWidget(boundary, predictions)
        self.tabifyDockWidget(boundary, self._dock(self.unit_maps, Right))
        weights.raise_()
        boundary.raise_()
        self._points_2d = True
        self._boundary_hidden = False
        self._sized = False
        self.predictions.prepared.connect(self.raise_fitting_view)
        self.boundary.retitled.connect(boundary.setWindowTitle)
        self.default_state = QByteArray(self.saveState())

    def raise_fitting_view(self, run) -> None:
        """Bring forward the decision boundary for 2D data, the predictions otherwise.

        Data that is not 2D has no boundary to draw: its tab steps aside (View → Panels
        brings it back). Only when the kind of data changes, so a tab the user picked stays
        picked."""
        points_2d = run.dataset.points_train is not None
        if points_2d != self._points_2d:
            self._points_2d = points_2d
            boundary = self.docks[self.boundary.title]
            if points_2d and self._boundary_hidden:
                boundary.show()
            elif not points_2d and boundary.isVisible():
                boundary.hide()
            self._boundary_hidden = not points_2d
            panel = self.boundary if points_2d else self.predictions
            self.docks[panel.title].raise_()

    def apply_default_sizes(self) -> None:
        """Two equal columns; in each, the main panel gets about three fifths of the height.

        Restoring a saved state alone keeps the sizes it was saved with (the dashboard's
        first, unsized ones), which crushed the loss curves to a sliver."""
        width, height = max(self.width(), 400), max(self.height(), 300)
        top = [self.docks[self.loss.title], self.docks[self.boundary.title]]
        bottom = [self.docks[self.gradients.title], self.docks[self.weights.title]]
        self.resizeDocks(top, [width // 2, width // 2], Qt.Orientation.Horizontal)
        for upper, lower in zip(top, bottom, strict=True):
            self.resizeDocks(
                [upper, lower], [int(height * 0.6), int(height * 0.4)], Qt.Orientation.Vertical
            )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            self.apply_default_sizes()

    def _dock(self, panel: Panel, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(panel.title, self)
        dock.setObjectName(f"dock_{panel.objectName()}")
        dock.setWidget(panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        # A tab brought to the front shows no new widget, so draw what the panel has stored.
        dock.visibilityChanged.connect(lambda visible, p=panel: visible and p.redraw())
        self.docks[panel.title] = dock
        return dock

    def add_view(self, widget: QWidget, title: str, beside: Panel) -> QDockWidget:
        """Add a view that is not a snapshot panel (runs, variants) as a tab beside `beside`."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{widget.objectName()}")
        # Scrolls rather than widening the whole view: the Runs table's buttons would make
        # the window wider than a small (or scale 2) screen.
        holder = QScrollArea(dock)
        holder.setObjectName(f"scroll_{widget.objectName()}")
        holder.setWidgetResizable(True)
        holder.setFrameShape(QScrollArea.Shape.NoFrame)
        holder.setWidget(widget)
        dock.setWidget(holder)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Left, dock)
        self.tabifyDockWidget(self.docks[beside.title], dock)
        self.docks[beside.title].raise_()
        self.docks[title] = dock
        self.default_state = QByteArray(self.saveState())
        return dock

    def restore_default_layout(self) -> None:
        self.restoreState(self.default_state)
        for title, dock in self.docks.items():
            dock.setFloating(False)
            dock.setVisible(title != self.boundary.title or self._points_2d)
        self.apply_default_sizes()
