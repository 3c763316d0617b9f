"""Starts, steers and stops training runs for the main window, one run at a time.

It owns the QThread and the worker, keeps the trained weights between runs (so Train
continues where the last run ended, and Reset throws them away), and re-emits what the
worker reports as GUI-thread signals the panels connect to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from nnstudio.core.finite import all_finite
from nnstudio.core.project import Project, project_from_dict, project_to_dict
from nnstudio.training.control import TrainingControl
from nnstudio.ui.threads import register_qthread
from nnstudio.ui.training.worker import TrainingWorker

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"
EVALUATING = "evaluating"


@dataclass
class RunInfo:
    """What panels need to set themselves up when a run starts."""

    project: Project
    total_steps: int = 0


class TrainingController(QObject):
    state_changed = Signal(str)
    run_started = Signal(object)
    """RunInfo: the frozen copy of the project this run trains."""
    snapshot = Signal(object)
    failed = Signal(str)
    run_finished = Signal(object)
    """The last Snapshot of the run (None if it failed before its first step)."""
    weights_reset = Signal()
    evaluated = Signal(str, float, object)
    """(split, loss, accuracy or None): the answer to `evaluate`."""
    run_prepared = Signal(object)
    """PreparedRun: dataset and layers of the run, from the worker."""

    def __init__(self, parent: QObject | None = None, options: Any = None) -> None:
        super().__init__(parent)
        self.options = options
        self.state = IDLE
        self.trained_state: dict[str, Any] | None = None
        self.last_snapshot = None
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control: TrainingControl | None = None
        self.step_offset = 0
        """Steps trained by earlier runs since the last Reset, so curves continue."""
        self.epoch_offset = 0

    # -- queries --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.state != IDLE

    @property
    def worker(self) -> TrainingWorker | None:
        return self._worker

    # -- commands -------------------------------------------------------------------------
    def start(self, project: Project, paused: bool = False) -> None:
        """Train a frozen copy of `project`, continuing from the last run's weights if any."""
        self._launch(project, paused, None)

    def evaluate(self, project: Project, split: str = "test") -> None:
        """Score the current weights on one split, on the worker thread; see `evaluated`.

        This is the only way the GUI touches the test split: a deliberate, final check."""
        if self.trained_state is not None:
            self._launch(project, False, split)

    def _launch(self, project: Project, paused: bool, split: str | None) -> None:
        if self.busy:
            return
        frozen = project_from_dict(project_to_dict(project))
        control = TrainingControl()
        if paused:
            control.pause()
        worker = TrainingWorker(
            frozen, control, self.trained_state, self.options, evaluate_split=split
        )
        worker.evaluated.connect(self.evaluated)
        thread = QThread()
        thread.setObjectName("training_thread")
        register_qthread(thread)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.snapshot_available.connect(self._deliver)
        worker.failed.connect(self.failed)
        worker.prepared.connect(self.run_prepared)
        worker.done.connect(self._on_done)
        # Direct: quit must reach the thread even while the GUI thread is blocked in wait().
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread, self._worker, self._control = thread, worker, control
        if split is not None:
            self._set_state(EVALUATING)
        else:
            self._set_state(PAUSED if paused else RUNNING)
            self.run_started.emit(RunInfo(frozen))
        thread.start()

    def pause(self) -> None:
        if self._control is not None and self.state == RUNNING:
            self._control.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._control is not None and self.state == PAUSED:
            self._control.resume()
            self._set_state(RUNNING)

    def step(self, project: Project | None = None) -> None:
        """Run one batch; from idle this starts a paused run first."""
        if self.state == IDLE and project is not None:
            self.start(project, paused=True)
        if self._control is not None and self.state in (PAUSED, RUNNING):
            self._control.step()
            self._set_state(PAUSED)

    def stop(self) -> None:
        if self._control is not None and self.state in (RUNNING, PAUSED):
            self._control.stop()
            self._set_state(STOPPING)

    def reset(self) -> None:
        """Forget trained weights: the next run starts from freshly initialized ones."""
        if self.busy:
            return
        self.trained_state = None
        self.last_snapshot = None
        self.step_offset = self.epoch_offset = 0
        self.weights_reset.emit()

    def set_trained_state(self, state: dict[str, Any] | None, step: int = 0) -> None:
        """Adopt weights loaded from a project file, so Train continues from them at `step`."""
        if not self.busy:
            self.trained_state = state
            self.step_offset = step if state is not None else 0
            self.epoch_offset = 0
            self.last_snapshot = None

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop any run and wait for its thread; True if the thread ended in time."""
        if self._control is not None:
            self._control.stop()
        thread = self._thread
        if thread is None:
            return True
        finished = thread.wait(timeout_ms)
        if finished:
            # Handle the worker's last queued signals now (its final snapshot and weights),
            # so a window closing right after this can still offer to save them.
            QCoreApplication.sendPostedEvents(self)
            if self._thread is not None:
                self._cleanup()
                self._set_state(IDLE)
        return finished

    # -- worker callbacks (GUI thread) ----------------------------------------------------
    @Slot()
    def _deliver(self) -> None:
        worker = self._worker
        if worker is None:
            return
        snap = worker.mailbox.take()
        if snap is None:
            return
        snap.step += self.step_offset
        snap.epoch += self.epoch_offset
        self.last_snapshot = snap
        self.snapshot.emit(snap)

    @Slot(object, object)
    def _on_done(self, final: Any, state: Any) -> None:
        self._deliver()
        if state is not None and not all_finite(state):
            state = None  # diverged: keep the last finite weights, never the NaN ones
        if state is not None:
            self.trained_state = state
        if state is not None and self.last_snapshot is not None:
            self.step_offset = self.last_snapshot.step
            self.epoch_offset = self.last_snapshot.epoch
        thread = self._thread
        if thread is not None:
            thread.wait(2000)
        self._cleanup()
        self._set_state(IDLE)
        self.run_finished.emit(final)

    def _cleanup(self) -> None:
        if self._worker is not None:
            self._worker.deleteLater()
        if self._thread is not None:
            self._thread.deleteLater()
        self._worker = self._thread = self._control = None

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
