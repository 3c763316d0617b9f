"""Frame pacing: how often the panels may redraw without starving the training thread.

Painting pyqtgraph views runs Python in the GUI thread, and while it does the worker thread
waits for the GIL. So the host measures what each frame really costs (updating the items plus
the paint that follows) and spaces frames so that drawing takes at most `duty` of the time.
A cheap frame runs at up to `max_fps`; an expensive one less often, never below `min_fps`.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer


class FramePacer(QObject):
    def __init__(
        self,
        parent: QObject | None = None,
        duty: float = 0.12,
        max_fps: float = 30.0,
        min_fps: float = 4.0,
    ) -> None:
        super().__init__(parent)
        self.duty = duty
        self.min_interval = 1.0 / max_fps
        self.max_interval = 1.0 / min_fps
        self.cost = 0.0
        """Smoothed seconds of GUI-thread work per frame."""
        self._frame_started: float | None = None
        self._paint_started: float | None = None
        self._work = 0.0
        self._watched: list[QObject] = []

    def watch(self, widget: QObject) -> None:
        """Count the paint time of `widget` (a plot's viewport) towards the frame cost."""
        widget.installEventFilter(self)
        self._watched.append(widget)

    def interval(self) -> float:
        """Seconds to wait between frames at the current cost."""
        return min(self.max_interval, max(self.min_interval, self.cost / self.duty))

    def begin(self) -> None:
        self._frame_started = time.perf_counter()
        self._work = 0.0

    def end_update(self) -> None:
        """The panels' item updates are done; their paint follows in the event loop."""
        if self._frame_started is not None:
            self._work += time.perf_counter() - self._frame_started
            self._frame_started = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._paint_started is None:
            self._paint_started = time.perf_counter()
            # A zero timer fires once the current batch of paint events has been handled.
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        if self._paint_started is None:
            return
        self._work += time.perf_counter() - self._paint_started
        self._paint_started = None
        self.cost = 0.7 * self.cost + 0.3 * self._work if self.cost else self._work
        self._work = 0.0
