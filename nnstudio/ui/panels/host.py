"""Feeds the training controller's signals to every live panel."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from nnstudio.ui.panels.base import Panel
from nnstudio.ui.training.controller import TrainingController


class PanelHost(QObject):
    def __init__(self, controller: TrainingController, panels: list[Panel]) -> None:
        super().__init__(controller)
        self.controller = controller
        self.panels = panels
        controller.run_prepared.connect(self._prepare)
        controller.snapshot.connect(self._snapshot)
        controller.weights_reset.connect(self.clear)
        controller.run_started.connect(self._started)

    def panel(self, cls: type[Panel]) -> Panel:
        return next(p for p in self.panels if isinstance(p, cls))

    @Slot()
    def clear(self) -> None:
        for panel in self.panels:
            panel.clear()

    @Slot(object)
    def _started(self, _info) -> None:
        if self.controller.step_offset == 0:
            self.clear()

    @Slot(object)
    def _prepare(self, run) -> None:
        for panel in self.panels:
            panel.prepare(run)

    @Slot(object)
    def _snapshot(self, snap) -> None:
        for panel in self.panels:
            panel.update_snapshot(snap)
