"""Ask the trained network: hover and pin on the decision boundary, draw, fill a row, type
a sequence; and edit 2D data by hand.

`install(window)` adds an "Ask" dock to the training view once it is built. Nothing here
imports torch or pyqtgraph before that.
"""

from __future__ import annotations

from typing import Any


def install(window: Any) -> None:
    training = getattr(window, "training", None)
    if training is None:
        return
    from nnstudio.ui.ask.session import AskSession

    window.ask = SimpleAsk(window, AskSession(window))
    if training.dashboard is not None:
        window.ask.attach(training.dashboard)
    else:
        training.dashboard_built.connect(window.ask.attach)


class SimpleAsk:
    """What the window holds of the Ask feature: the session, the panel, the boundary tools."""

    def __init__(self, window: Any, session: Any) -> None:
        self.window = window
        self.session = session
        self.panel: Any = None
        self.boundary: Any = None
        self.dock: Any = None

    def attach(self, dashboard: Any) -> None:
        if self.panel is not None:
            return
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtWidgets import QDockWidget

        from nnstudio.ui.ask.boundary import BoundaryAsk
        from nnstudio.ui.ask.panel import AskPanel

        self.panel = AskPanel(self.session)
        dock = QDockWidget("Ask the network", dashboard)
        dock.setObjectName("dock_ask_panel")
        dock.setWidget(self.panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        dashboard.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        # Beside the weights, under the boundary: a pinned point and its path show together.
        weights = dashboard.docks.get(dashboard.weights.title)
        if weights is not None:
            dashboard.tabifyDockWidget(weights, dock)
        dashboard.docks["Ask the network"] = dock
        boundary = dashboard.docks.get(dashboard.boundary.title)
        if boundary is not None and weights is not None:
            # Once laid out: the boundary keeps the larger share of its column.
            QTimer.singleShot(
                0,
                lambda: dashboard.resizeDocks(
                    [boundary, weights], [500, 300], Qt.Orientation.Vertical
                ),
            )
        self.dock = dock
        self.boundary = BoundaryAsk(
            dashboard.boundary, self.session, self.panel, self.window.document
        )
        dashboard.default_state = dashboard.saveState()
