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

    window.ask = AskFeature(window, AskSession(window))
    if training.dashboard is not None:
        window.ask.attach(training.dashboard)
    else:
        training.dashboard_built.connect(window.ask.attach)


class AskFeature:
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
        from nnstudio.ui.ask.boundary import BoundaryAsk
        from nnstudio.ui.ask.panel import AskPanel

        self.panel = AskPanel(self.session)
        # Beside the weights, under the boundary: a pinned point and its path show together.
        self.dock = dashboard.add_view(self.panel, "Ask the network", dashboard.weights)
        self.boundary = BoundaryAsk(
            dashboard.boundary, self.session, self.panel, self.window.document
        )
