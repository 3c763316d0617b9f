"""The object that runs the core trainer on a QThread and hands snapshots to the GUI."""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.core.memory import is_out_of_memory
from nnstudio.training.control import TrainingControl
from nnstudio.training.data_swap import DataInbox, take_new_data
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
    names: list[tuple[str, str]] = field(default_factory=list)
    """(node id, label) of every node of the network, input to output, for panels that name
    layers without weights (the ReLUs of Dead units)."""


def node_labels(project: Any) -> list[tuple[str, str]]:
    """(node id, label) of every node of `project`'s network, in forward order."""
    graph = project.graph
    return [(nid, graph.nodes[nid].label) for nid in graph.topological_order()]


INSPECT = "inspect"
"""The job that draws saved weights into the panels without training them."""


def look_at(trainer: Any) -> Any:
    """A final-style snapshot of the trainer's weights, with one batch's gradient norms
    (no update is made), so panels can show a saved run as it ended."""
    from nnstudio.training import probes

    xb, yb = trainer._batch()
    trainer._train_step(xb, yb)
    grads = probes.grad_norms(trainer.layers)
    trainer.optimizer.zero_grad(set_to_none=True)
    snap = trainer._snapshot([], "stopped", 0.0, trainer.step_count)
    snap.grad_norms = grads
    snap.steps_per_second = 0.0
    return snap


def worker_threads() -> int:
    """Torch threads for the worker: every core but one, which the GUI thread keeps
    (NNSTUDIO_WORKER_THREADS overrides it, for benchmarks).

    Measured here (2 cores, `bench/model_sizes.py`): with the window live, a worker with 2
    threads trained at 0.42-0.58 of the speed of one with 1 thread, on every model from the
    spiral MLP to the Fashion-MNIST CNN (which headless is 1.7 times faster on 2 threads):
    the GUI thread needs its core. Trying both counts at the start of each run (as the
    command line does) only cost time, so the worker keeps the one that won.
    """
    override = os.environ.get("NNSTUDIO_WORKER_THREADS", "")
    if override.isdigit() and int(override) > 0:
        return int(override)
    return max(1, (os.cpu_count() or 2) - 1)


class TrainingWorker(QObject):
    """Runs a TrainingSession in the worker thread and forwards its reports.

    Everything slow (importing torch, generating data, compiling) happens here, never in the
    GUI thread. The worker only reads the runs (when the session is prepared); the GUI thread
    records each report into its run when it takes it from the mailbox, so a Run is only ever
    changed on one thread. Control goes through the thread-safe `TrainingControl`.
    """

    snapshot_available = Signal()
    """Reports wait in `mailbox`; emitted only when the mailbox goes from empty to full."""
    done = Signal(object)
    """{run id: trained state dict on the CPU} for the runs whose training ended."""
    failed = Signal(str)
    prepared = Signal(object)
    """PreparedRun of the first run, once the data and models exist."""
    evaluated = Signal(str, float, object)
    """(split, loss, accuracy or None) from an evaluation-only job."""
    inspected = Signal(object)
    """A Snapshot of the first run's saved weights (boundary, predictions, weights,
    gradients), from an INSPECT job that trains nothing."""

    def __init__(
        self,
        runs: list[Any],
        control: TrainingControl,
        options: Any = None,
        evaluate_split: str | None = None,
    ) -> None:
        super().__init__()
        self.runs = runs
        self.control = control
        self.options = options
        self.evaluate_split = evaluate_split
        """When set, score the first run's weights on this split instead of training."""
        self.mailbox = SnapshotMailbox()
        self.session: Any = None
        self.data_inbox = DataInbox()
        """New training data (2D points edited by hand) for the running session."""

    def _put(self, reports: dict[str, Any]) -> None:
        if self.mailbox.put(reports):
            self.snapshot_available.emit()

    @Slot()
    def run(self) -> None:
        states: dict[str, Any] = {}
        try:
            import torch

            from nnstudio.training.session import TrainingSession
            from nnstudio.training.trainer import ProbeOptions

            torch.set_num_threads(worker_threads())
            self.session = session = TrainingSession(
                self.runs, self.options or ProbeOptions(), self.control
            )
            if self.evaluate_split == INSPECT:
                trainer = session.trainer_for(self.runs[0])
                self.prepared.emit(
                    PreparedRun(
                        session.dataset_for(self.runs[0]),
                        trainer.layer_labels(),
                        trainer.total_steps,
                        str(trainer.device),
                        node_labels(self.runs[0].project),
                    )
                )
                self.inspected.emit(look_at(trainer))
                return
            if self.evaluate_split is not None:
                trainer = session.trainer_for(self.runs[0])
                loss, accuracy = trainer.evaluate(self.evaluate_split)
                self.evaluated.emit(self.evaluate_split, loss, accuracy)
                return
            session.prepare()
            engine = session.engines[0][0]
            self.prepared.emit(
                PreparedRun(
                    session.dataset_for(self.runs[0]),
                    engine.layer_labels(),
                    session.total_steps,
                    str(engine.device),
                    node_labels(self.runs[0].project),
                )
            )
            for _reports in session.run(sink=self._put):
                take_new_data(session, self.data_inbox)
            states = dict(session.final_states)
        except Exception as exc:
            traceback.print_exc()
            self.failed.emit(explain_failure(exc))
        finally:
            self.done.emit(states)
