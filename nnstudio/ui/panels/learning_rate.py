"""The learning rate over the run (schedules make it move).

The dashed curve is a plan: the one the followed run trains under (it begins where that run
was last continued, not at step 0), or, before Train, the one Train would start next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from nnstudio.core.history import LEARNING_RATE
from nnstudio.core.project import Project
from nnstudio.ui.panels.base import Panel, PlotWidget, fast_curve, nice_ceiling


def planned_steps(project: Project) -> tuple[int, int]:
    """(total steps, steps per epoch) the run will take, from the settings alone.

    Uses the dataset's declared sample count; data whose size is only known once loaded
    counts one step per epoch, so the preview's x axis is then in epochs.
    """
    from nnstudio.core.datasets import split_sizes
    from nnstudio.core.errors import NNStudioError

    epochs = project.training["epochs"]
    try:
        n = project.dataset.resolved_params().get("n_samples")
        n_train = split_sizes(int(n), project.dataset.ratios())[0] if n else 0
    except NNStudioError:
        n_train = 0
    batch = project.training["batch_size"]
    per_epoch = 1 if n_train == 0 or batch <= 0 else -(-n_train // min(batch, n_train))
    return per_epoch * epochs, per_epoch


@dataclass(frozen=True)
class Plan:
    """A learning-rate plan over whole-run steps `start`..`total` with these settings."""

    settings: dict[str, Any]
    """A copy of the training settings' values (the project's own may change later)."""
    start: int
    total: int
    per_epoch: int


def plan_of_run(run: Any) -> Plan:
    """The plan `run` trains under: its own settings, from where it was last continued."""
    values = dict(run.project.training.values)
    if run.steps_per_epoch and run.total_steps:
        total = run.total_steps
        return Plan(values, min(run.plan_start, total), total, run.steps_per_epoch)
    total, per_epoch = planned_steps(run.project)
    return Plan(values, 0, total, per_epoch)


def next_plan(project: Project, continuing: Any = None) -> Plan:
    """The plan Train would start now: from step 0, or from where `continuing` stopped."""
    total, per_epoch = planned_steps(project)
    if continuing is None or not continuing.steps_done:
        return Plan(dict(project.training.values), 0, total, per_epoch)
    if continuing.resumable and continuing.project.training.values == project.training.values:
        return plan_of_run(continuing)  # a stopped run finishes its own plan
    per_epoch = continuing.steps_per_epoch or per_epoch
    start = continuing.steps_done
    end = start + per_epoch * project.training["epochs"]
    return Plan(dict(project.training.values), start, end, per_epoch)


class LearningRatePanel(Panel):
    title = "Learning rate"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot_widget = PlotWidget(self.body)
        self.plot_widget.setObjectName("lr_plot")
        layout.addWidget(self.plot_widget)
        plot = self.plot_widget.getPlotItem()
        plot.setLabel("left", "learning rate")
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.setLabel("bottom", "step")
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.addLegend(offset=(-5, 5), brush=pg.mkBrush(255, 255, 255, 210))
        self.planned = plot.plot(
            [], [], pen=pg.mkPen("#9e9e9e", width=1.5, style=Qt.PenStyle.DashLine), name="planned"
        )
        self.curve = fast_curve(plot, "#6a3d9a", 2, "actual")
        self._planned_max = 0.0
        self._y_top = 0.0
        self.plan: Plan | None = None

    def show_preview(self, project: Project) -> None:
        """Draw the schedule a new run of `project` would follow, from step 0."""
        self.show_plan(next_plan(project))

    def show_plan(self, plan: Plan) -> None:
        """Draw `plan` (dashed) under the rates the followed run really used."""
        from nnstudio.core.schedules import preview

        if plan == self.plan:
            return
        self.plan = plan
        steps, rates = preview(plan.settings, plan.total - plan.start, 300, plan.per_epoch)
        self.planned.setData(steps + plan.start + 1, rates)
        self._planned_max = float(rates.max()) if len(rates) else 0.0
        self.plot_widget.setXRange(0, max(plan.total, 1), padding=0.02)
        self.redraw()

    def clear(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        series = self.history.get(LEARNING_RATE) if self.history is not None else None
        x, y = series.arrays() if series is not None else (np.zeros(0), np.zeros(0))
        self.curve.setData(x, y)
        top = max(self._planned_max, float(y.max()) if len(y) else 0.0) * 1.15 or 1.0
        if len(x) and x[-1] > self.plot_widget.getViewBox().viewRange()[0][1]:
            self.plot_widget.setXRange(0, nice_ceiling(float(x[-1])), padding=0.02)
        # A constant rate would otherwise get a meaningless symmetric range around it.
        if top != self._y_top:
            self._y_top = top
            self.plot_widget.setYRange(0, top, padding=0)
