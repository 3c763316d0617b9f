"""Feeds the training controller's snapshots to every live panel, at a paced rate.

Panels draw the curves of the run they follow from that run's History (the controller has
already recorded each snapshot into it; the host only shows).
Drawing is spread out: each tick of a paced timer redraws one visible panel that has news,
in turn, so the GUI thread is never blocked for more than one panel's paint at a time and
the FramePacer keeps the share of time spent drawing (and so holding the GIL) small.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot

from nnstudio.core.history import History
from nnstudio.ui.panels.base import Panel
from nnstudio.ui.panels.pacing import FramePacer


class PanelHost(QObject):
    def __init__(self, controller: Any, panels: list[Panel]) -> None:
        """`controller` is the TrainingController whose signals feed the panels."""
        super().__init__(controller)
        self.controller = controller
        self.panels = panels
        self.history = History()
        self.frames = 0
        """Panel redraws done, for tests and benchmarks."""
        self._dirty: set[int] = set()
        self._turn = 0
        self.pacer = FramePacer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._last_frame = 0.0
        self._share_history()
        controller.run_prepared.connect(self._prepare)
        controller.snapshot.connect(self._snapshot)
        controller.inspected.connect(self._snapshot)
        controller.weights_reset.connect(self.clear_panels)
        controller.run_started.connect(self._started)
        controller.run_finished.connect(lambda _final: self.frame())

    def _share_history(self) -> None:
        for panel in self.panels:
            panel.history = self.history

    def panel(self, cls: type[Panel]) -> Panel:
        return next(p for p in self.panels if isinstance(p, cls))

    def load_history(self, history: History | None) -> None:
        """Follow another run's curves (an opened project's current run, say)."""
        self.history = history if history is not None else History()
        self._share_history()
        for panel in self.panels:
            panel.clear()

    @Slot()
    def clear_panels(self) -> None:
        """Show nothing: no run is followed until the next one starts."""
        self.load_history(None)

    @Slot(object)
    def _started(self, info) -> None:
        if info.continued and info.run.history is self.history:
            return
        self.load_history(info.run.history)

    @Slot(object)
    def _prepare(self, run) -> None:
        for panel in self.panels:
            panel.prepare(run)

    @Slot(object)
    def _snapshot(self, snap) -> None:
        for panel in self.panels:
            panel.take(snap)
        self._dirty.update(range(len(self.panels)))
        if snap.status != "running":
            self.frame()  # pause, step, stop and the end are shown at once
        else:
            self._schedule()

    def _schedule(self) -> None:
        if self._timer.isActive() or not self._dirty:
            return
        wait = self._last_frame + self.pacer.interval() - time.perf_counter()
        self._timer.start(max(0, int(wait * 1000)))

    @Slot()
    def _tick(self) -> None:
        """Redraw the next visible panel with news, then schedule the next turn."""
        count = len(self.panels)
        for offset in range(count):
            index = (self._turn + offset) % count
            if index in self._dirty and self.panels[index].is_shown():
                self._turn = index + 1
                self._dirty.discard(index)
                self._redraw(self.panels[index])
                break
        else:
            self._dirty.clear()  # nothing visible needs drawing; hidden panels catch up on show
        self._schedule()

    def _redraw(self, panel: Panel) -> None:
        self._last_frame = time.perf_counter()
        self.pacer.begin()
        panel.redraw()
        self.pacer.end_update()
        self.frames += 1

    @Slot()
    def frame(self) -> None:
        """Redraw every visible panel now (on pause, step, stop and at the end)."""
        self._timer.stop()
        self._dirty.clear()
        for panel in self.panels:
            if panel.is_shown():
                self._redraw(panel)
