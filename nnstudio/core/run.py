"""One training run: the project it trained, its weights, its curves and how it went.

A Run is the single home of a run's state. The CLI, the self-test, the GUI worker, the Runs
panel, lessons and export all read and feed this object; no widget keeps run state of its own.
It knows nothing of Qt or of the trainer: a training session feeds it plain numbers through
`observe`, and its curves through `history.record`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nnstudio.core.history import VAL_ACCURACY, VAL_LOSS, History
from nnstudio.core.project import Project, project_from_dict, project_to_dict

if TYPE_CHECKING:
    import torch

RunStatus = Literal["new", "running", "paused", "finished", "stopped", "diverged", "failed"]
RUN_STATUSES: tuple[str, ...] = (
    "new",
    "running",
    "paused",
    "finished",
    "stopped",
    "diverged",
    "failed",
)
ENDED = ("finished", "stopped", "diverged", "failed")

PALETTE: tuple[str, ...] = (
    "#1f6fd1",
    "#e0632a",
    "#2a9d4b",
    "#c2368a",
    "#7a52c7",
    "#b8860b",
    "#16a2b8",
    "#d43b3b",
    "#5c6b7a",
    "#8fb82a",
    "#e08fb8",
    "#2f4f8f",
)
"""Run colours, in the order new runs take them: distinct on white and on each other."""

SCORE_NAMES = (
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "best_val_loss",
    "best_val_accuracy",
    "test_loss",
    "test_accuracy",
)


def freeze(project: Project) -> Project:
    """A deep, independent copy of `project`, as the run saw it."""
    return project_from_dict(project_to_dict(project))


@dataclass(eq=False)
class Run:
    project: Project
    """The frozen project this run trained: network, data and settings."""
    id: str = ""
    label: str = ""
    color: str = PALETTE[0]
    changes: dict[str, str] = field(default_factory=dict)
    """What differs from the project or run it came from: setting label -> value shown."""
    history: History = field(default_factory=History)
    weights: dict[str, torch.Tensor] | None = None
    """The trained state dict on the CPU; None before the first step or after a discard."""
    status: RunStatus = "new"
    message: str = ""
    steps_done: int = 0
    epochs_done: int = 0
    total_steps: int = 0
    steps_per_epoch: int = 0
    plan_start: int = 0
    """The step where the current learning-rate plan began (a continued run starts a new
    plan; a stopped one resumes its plan up to `total_steps`)."""
    wall_time: float = 0.0
    """Seconds spent training, over every session of this run."""
    scores: dict[str, float] = field(default_factory=dict)
    """Latest and best measured numbers (see SCORE_NAMES); absent when never measured."""
    pinned: bool = False
    """Pinned runs keep their weights in the file even when they are not the current run."""
    created: float = field(default_factory=time.time)
    variant_of: str = ""
    """The id shared by runs started together as variants; empty for a single run."""

    # -- reading ----------------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def resumable(self) -> bool:
        """Stopped part-way with weights: continuing finishes the planned steps."""
        return (
            self.weights is not None
            and self.status not in ("finished", "diverged", "failed")
            and 0 < self.steps_done < self.total_steps
        )

    @property
    def total_epochs(self) -> int:
        if not self.steps_per_epoch:
            return int(self.project.training["epochs"])
        return self.total_steps // self.steps_per_epoch

    @property
    def seed_group(self) -> str:
        """Runs whose projects differ only in the seed share this key (for mean ± band)."""
        from nnstudio.core.variants import network_dict

        values = dict(self.project.training.values)
        values.pop("seed", None)
        values.pop("device", None)
        return repr(
            (
                network_dict(self.project.graph),
                self.project.dataset.to_dict(),
                sorted(values.items()),
                sorted(self.project.training.optimizer_values().items()),
            )
        )

    def score(self, name: str) -> float | None:
        value = self.scores.get(name)
        return None if value is None or not math.isfinite(value) else value

    # -- feeding ----------------------------------------------------------------------------
    def observe(
        self,
        step: int,
        total_steps: int,
        steps_per_epoch: int,
        status: RunStatus,
        losses: np.ndarray,
        metrics: Mapping[str, float],
        message: str = "",
        seconds: float = 0.0,
    ) -> None:
        """Take one report of the training session: progress, curves and scores."""
        self.history.record(step, losses, metrics)
        self.steps_done = step
        self.total_steps = total_steps
        self.steps_per_epoch = steps_per_epoch
        self.epochs_done = step // steps_per_epoch if steps_per_epoch else 0
        self.status = status
        if message or status in ENDED:
            self.message = message
        self.wall_time += max(0.0, seconds)
        for name, value in metrics.items():
            if name in SCORE_NAMES and math.isfinite(value):
                self.scores[name] = value
        val_loss = metrics.get(VAL_LOSS)
        if val_loss is not None and math.isfinite(val_loss):
            best = self.scores.get("best_val_loss")
            if best is None or val_loss < best:
                self.scores["best_val_loss"] = val_loss
        val_acc = metrics.get(VAL_ACCURACY)
        if val_acc is not None and math.isfinite(val_acc):
            best = self.scores.get("best_val_accuracy")
            if best is None or val_acc > best:
                self.scores["best_val_accuracy"] = val_acc

    def restart(self) -> None:
        """Forget weights, curves and scores: the next session starts from fresh weights."""
        self.history = History()
        self.weights = None
        self.status = "new"
        self.message = ""
        self.steps_done = self.epochs_done = self.total_steps = 0
        self.wall_time = 0.0
        self.scores = {}

    def to_summary(self) -> dict[str, Any]:
        """The plain facts a table or a report shows."""
        return {
            "id": self.id,
            "label": self.label,
            "status": self.status,
            "changes": dict(self.changes),
            "steps": self.steps_done,
            "epochs": self.epochs_done,
            "seconds": round(self.wall_time, 3),
            **{k: v for k, v in self.scores.items() if math.isfinite(v)},
        }


@dataclass
class RunBook:
    """The runs of a project, the current one and the counter for new ids."""

    runs: list[Run] = field(default_factory=list)
    current: str | None = None
    next_number: int = 1

    def get(self, run_id: str | None) -> Run | None:
        return next((r for r in self.runs if r.id == run_id), None)

    @property
    def current_run(self) -> Run | None:
        return self.get(self.current)

    def new_id(self) -> str:
        run_id = f"r{self.next_number}"
        self.next_number += 1
        while self.get(run_id) is not None:
            run_id = f"r{self.next_number}"
            self.next_number += 1
        return run_id

    def next_color(self) -> str:
        used = {r.color for r in self.runs}
        free = [c for c in PALETTE if c not in used]
        return free[0] if free else PALETTE[len(self.runs) % len(PALETTE)]

    def add(self, run: Run, make_current: bool = True, index: int | None = None) -> Run:
        """Give `run` an id, label and colour if it lacks them, and keep it."""
        if not run.id:
            run.id = self.new_id()
        if not run.label:
            run.label = f"Run {run.id.lstrip('r')}"
        if not run.color or run.color in {r.color for r in self.runs}:
            run.color = self.next_color()
        if index is None:
            self.runs.append(run)
        else:
            self.runs.insert(index, run)
        if make_current:
            self.current = run.id
        return run

    def copy_for_saving(self, keep_weights: bool = True) -> RunBook:
        """An independent copy a background save can write while training goes on."""
        from nnstudio.core.history import MAX_SAVED_POINTS

        runs = [
            dataclasses.replace(
                run,
                history=run.history.thinned(MAX_SAVED_POINTS),
                weights=dict(run.weights) if keep_weights and run.weights is not None else None,
                changes=dict(run.changes),
                scores=dict(run.scores),
            )
            for run in self.runs
        ]
        return RunBook(runs, self.current, self.next_number)

    def remove(self, run_id: str) -> tuple[Run, int] | None:
        """Take a run out; returns it and where it was, so undo can put it back."""
        for index, run in enumerate(self.runs):
            if run.id == run_id:
                del self.runs[index]
                if self.current == run_id:
                    self.current = self.runs[-1].id if self.runs else None
                return run, index
        return None
