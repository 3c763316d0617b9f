"""The training view: the live panels as dock widgets in a 2 × 2 grid of their own.

The panels live in a nested QMainWindow so each stays a real dock (movable, floatable,
closable, restorable from the View menu) without crowding the editor's docks.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QTabBar, QWidget

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

MIN_PLOT = (200, 140)
"""The smallest plot (logical px) worth a place of its own in the grid."""
DOCK_CHROME = (16, 90)
"""Room a panel's dock takes around its plot: title bar, header row, tab bar, margins."""
LOWER_SHARE = 0.4
"""The lower row's share of the height in the 2 × 2 grid."""


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

    def grid_shape(self) -> tuple[int, int]:
        """(rows, columns) of panel groups that leave each plot at least MIN_PLOT: 2 × 2 when
        there is room, fewer on a small (or scale 2) screen, the rest as tabs."""
        columns = 2 if self.width() / 2 - DOCK_CHROME[0] >= MIN_PLOT[0] else 1
        rows = 2 if self.height() * LOWER_SHARE - DOCK_CHROME[1] >= MIN_PLOT[1] else 1
        return rows, columns

    def _fold_into_tabs(self) -> None:
        """Move the lower row (and, if need be, the right column) into the tabs of the
        groups above (to the left), so the panels that show get a usable size."""
        rows, columns = self.grid_shape()
        loss, boundary = self.docks[self.loss.title], self.docks[self.boundary.title]
        moves = []
        if rows == 1:
            moves += [(loss, self.docks[self.gradients.title])]
            moves += [(boundary, self.docks[self.weights.title])]
        if columns == 1:
            moves += [(loss, boundary)]
        for target, anchor in moves:
            for dock in [anchor, *self.tabifiedDockWidgets(anchor)]:
                if dock is not target:
                    self.tabifyDockWidget(target, dock)
        if moves:
            for dock in (boundary, loss):
                dock.raise_()
            if not self._points_2d:
                self.docks[self.predictions.title].raise_()
        QTimer.singleShot(0, self._whole_tab_titles)

    def _whole_tab_titles(self) -> None:
        """Tabs keep their whole titles and scroll when there are many: "P…" names nothing."""
        for bar in self.findChildren(QTabBar):
            bar.setElideMode(Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)

    def apply_default_sizes(self) -> None:
        """Two equal columns; in each, the main panel gets about three fifths of the height.

        Restoring a saved state alone keeps the sizes it was saved with (the dashboard's
        first, unsized ones), which crushed the loss curves to a sliver."""
        width, height = max(self.width(), 400), max(self.height(), 300)
        rows, columns = self.grid_shape()
        top = [self.docks[self.loss.title], self.docks[self.boundary.title]]
        bottom = [self.docks[self.gradients.title], self.docks[self.weights.title]]
        if columns == 2:
            self.resizeDocks(top, [width // 2, width // 2], Qt.Orientation.Horizontal)
        if rows == 2:
            upper, lower = int(height * (1 - LOWER_SHARE)), int(height * LOWER_SHARE)
            for pair in zip(top, bottom, strict=True):
                self.resizeDocks(list(pair), [upper, lower], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            # Once laid out: on its first show the view does not have its real size yet.
            QTimer.singleShot(0, self._arrange)

    def _arrange(self) -> None:
        """Fold what does not fit into tabs and size the rest, once the view has a real
        size (before its first show it is a placeholder a few pixels wide)."""
        if self.width() < MIN_PLOT[0] or self.height() < MIN_PLOT[1]:
            self._sized = False  # again at the next show
            return
        self._fold_into_tabs()
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
        self._arrange()
