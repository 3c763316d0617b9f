"""The object that runs the core trainer on a QThread and hands snapshots to the GUI."""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.core.memory import is_out_of_memory
from nnstudio.core.project import Project
from nnstudio.training.control import TrainingControl
from nnstudio.ui.training.mailbox import SnapshotMailbox


def explain_failure(exc: BaseException) -> str:
    """A message a person can act on, for errors the trainer can hit."""
    if isinstance(exc, NNStudioError):
        return str(exc)
    name = type(exc).__name__
    text = str(exc)
    if is_out_of_memory(exc) and "cuda" in text.lower():
        return (
            "The GPU ran out of memory. Use a smaller batch size or smaller layers, or train "
            "on the CPU."
        )
    if is_out_of_memory(exc):
        return (
            "The computer ran out of memory: use a smaller batch size, smaller layers or "
            "fewer samples."
        )
    return f"Training failed with an unexpected error ({name}: {text}). Your work is intact."


@dataclass
class PreparedRun:
    """What panels need once a run is set up: the data, the layers and the run's length."""

    dataset: Any
    layers: list[tuple[str, str]]
    """(node id, label) of every layer with weights, input to output."""
    total_steps: int
    device: str


def worker_threads() -> int:
    """Torch threads for the worker: every core but one, which the GUI thread keeps.

    Measured here (2 cores): with torch's default of 2 threads the worker thread trained the
    spiral MLP at about 60 steps/s while the GUI ran; with 1 thread, at about 3,500.
    """
    return max(1, (os.cpu_count() or 2) - 1)


class TrainingWorker(QObject):
    """Builds the dataset and trainer in the worker thread, then forwards its snapshots.

    Everything slow (importing torch, generating data, compiling) happens here, never in the
    GUI thread. Control goes through the thread-safe `TrainingControl`, not through signals,
    so pause and stop work while `run` is busy.
    """

    snapshot_available = Signal()
    """A snapshot waits in `mailbox`; emitted only when the mailbox goes from empty to full."""
    done = Signal(object, object)
    """(final Snapshot or None, trained state_dict on the CPU or None)."""
    failed = Signal(str)
    prepared = Signal(object)
    """PreparedRun, once the dataset and model exist."""
    evaluated = Signal(str, float, object)
    """(split, loss, accuracy or None) from an evaluation-only job."""

    def __init__(
        self,
        project: Project,
        control: TrainingControl,
        initial_state: dict[str, Any] | None,
        options: Any = None,
        evaluate_split: str | None = None,
    ) -> None:
        super().__init__()
        self.project = project
        self.control = control
        self.initial_state = initial_state
        self.options = options
        self.evaluate_split = evaluate_split
        """When set, score the weights on this split instead of training."""
        self.mailbox = SnapshotMailbox()
        self.trainer: Any = None

    @Slot()
    def run(self) -> None:
        final = None
        state = None
        try:
            import torch

            from nnstudio.core.datasets import load_dataset
            from nnstudio.training.trainer import ProbeOptions, Trainer

            torch.set_num_threads(worker_threads())
            dataset = load_dataset(self.project.dataset)
            self.trainer = Trainer(
                self.project.graph,
                dataset,
                self.project.training,
                self.options or ProbeOptions(),
                initial_state=self.initial_state,
            )
            model = self.trainer.model
            self.prepared.emit(
                PreparedRun(
                    dataset,
                    [(nid, model.labels[nid]) for nid, _m in self.trainer.layers],
                    self.trainer.total_steps,
                    str(self.trainer.device),
                )
            )
            if self.evaluate_split is not None:
                loss, accuracy = self.trainer.evaluate(self.evaluate_split)
                self.evaluated.emit(self.evaluate_split, loss, accuracy)
                return
            for snap in self.trainer.run(self.control):
                final = snap
                if self.mailbox.put(snap):
                    self.snapshot_available.emit()
            state = {
                k: v.detach().to("cpu", copy=True)
                for k, v in self.trainer.model.state_dict().items()
            }
        except Exception as exc:
            traceback.print_exc()
            self.failed.emit(explain_failure(exc))
        finally:
            self.done.emit(final, state)
