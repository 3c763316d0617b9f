"""Starts, steers and stops training sessions for the main window, one session at a time.

The runs themselves live in the project's RunBook (a core object); the controller decides
whether Train starts a new run or continues the current one, owns the QThread and worker,
records every report into its run on the GUI thread, and re-emits what happened as signals
the panels connect to. It keeps no run state of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from nnstudio.core.project import Project
from nnstudio.core.run import Run, RunBook, freeze
from nnstudio.core.variants import Variant, describe_changes, needs_fresh_weights
from nnstudio.training.control import TrainingControl
from nnstudio.ui.threads import register_qthread
from nnstudio.ui.training.worker import TrainingWorker

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"
EVALUATING = "evaluating"
DELIVERY_INTERVAL = 0.08
"""Seconds between two takes of the worker's reports (about 12 a second): often enough for
curves that move smoothly, rare enough that taking them costs the GUI thread little."""


@dataclass
class RunInfo:
    """What panels need to set themselves up when a session starts."""

    project: Project
    runs: list[Run] = field(default_factory=list)
    continued: bool = False
    """Whether the current run continues from its weights (its curves go on)."""

    @property
    def run(self) -> Run:
        return self.runs[0]


class TrainingController(QObject):
    state_changed = Signal(str)
    run_started = Signal(object)
    """RunInfo: the runs this session trains (the first is the one the panels follow)."""
    snapshot = Signal(object)
    """The newest Snapshot of the run the panels follow, already recorded into its run."""
    reports = Signal(object)
    """{run id: Snapshot} for every run that reported, already recorded into the runs."""
    failed = Signal(str)
    run_finished = Signal(object)
    """The last Snapshot of the followed run (None if it failed before its first step)."""
    weights_reset = Signal()
    evaluated = Signal(str, float, object)
    """(split, loss, accuracy or None): the answer to `evaluate`."""
    run_prepared = Signal(object)
    """PreparedRun: dataset and layers of the followed run, from the worker."""
    runs_changed = Signal()
    """Runs were added or the current run changed."""
    inspected = Signal(object)
    """A Snapshot of the current run's saved weights (see `inspect`)."""

    def __init__(
        self,
        parent: QObject | None = None,
        options: Any = None,
        book: Callable[[], RunBook] | None = None,
    ) -> None:
        super().__init__(parent)
        self.options = options
        own = RunBook()
        self._book = book or (lambda: own)
        self.state = IDLE
        self.last_snapshot = None
        self.active: list[Run] = []
        """The runs of the session in progress (empty when idle)."""
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control: TrainingControl | None = None
        self._evaluating = False
        self._inspecting = False
        """A job drawing saved weights runs: it leaves the state idle and gives way to Train."""
        self._last_delivery = 0.0
        self._delivery_timer = QTimer(self)
        self._delivery_timer.setSingleShot(True)
        self._delivery_timer.timeout.connect(self._deliver)

    # -- queries --------------------------------------------------------------------------
    @property
    def book(self) -> RunBook:
        return self._book()

    @property
    def busy(self) -> bool:
        return self.state != IDLE

    @property
    def worker(self) -> TrainingWorker | None:
        return self._worker

    @property
    def current_run(self) -> Run | None:
        return self.book.current_run

    @property
    def trained_state(self) -> dict[str, Any] | None:
        """The current run's weights (None before it trained)."""
        run = self.book.current_run
        return run.weights if run is not None else None

    def continues(self, project: Project) -> bool:
        """Whether Train would continue the current run rather than start a new one."""
        run = self.book.current_run
        return (
            run is not None
            and run.weights is not None
            and run.status != "diverged"
            and not needs_fresh_weights(run.project, project)
        )

    # -- commands -------------------------------------------------------------------------
    def start(self, project: Project, paused: bool = False, fresh: bool = False) -> Run | None:
        """Train `project`: continue the current run when nothing needs fresh weights (and
        not `fresh`), else start a new run, which becomes the current one."""
        if self.busy:
            return None
        if not fresh and self.continues(project):
            return self.continue_run(project, paused)
        book = self.book
        previous = book.current_run
        changes = describe_changes(previous.project, project) if previous is not None else {}
        run = book.add(Run(freeze(project), changes=changes))
        self.runs_changed.emit()
        self._launch([run], paused, None, continued=False)
        return run

    def continue_run(self, project: Project, paused: bool = False) -> Run | None:
        """Continue the current run from its weights, with `project`'s settings from now on."""
        run = self.book.current_run
        if self.busy or run is None or run.weights is None:
            return None
        changed = describe_changes(run.project, project)
        run.project = freeze(project)
        run.changes.update(changed)
        self._launch([run], paused, None, continued=True)
        return run

    def start_variants(self, variants: list[Variant]) -> list[Run]:
        """Train every variant as a new run, all together; the first becomes current."""
        if self.busy or not variants:
            return []
        book = self.book
        runs = [book.add(Run(v.project, changes=v.changes), make_current=False) for v in variants]
        for run in runs:
            run.variant_of = runs[0].id
        book.current = runs[0].id
        self.runs_changed.emit()
        self._launch(runs, False, None, continued=False)
        return runs

    def evaluate(self, project: Project, split: str = "test") -> None:
        """Score the current run's weights on one split, on the worker thread; see `evaluated`.

        This is the only way the GUI touches the test split: a deliberate, final check."""
        run = self.book.current_run
        if run is not None and run.weights is not None:
            self._launch([run], False, split, continued=True)

    def inspect(self) -> bool:
        """Compute the panels' views of the current run's saved weights (an opened file),
        on the worker thread, training nothing; see `inspected`. False when there is none."""
        from nnstudio.ui.training.worker import INSPECT

        run = self.book.current_run
        if self.busy or self._thread is not None or run is None or run.weights is None:
            return False
        self._launch([run], False, INSPECT, continued=True)
        return True

    def _end_inspect(self) -> None:
        """Train pressed while saved weights are being drawn: that short job ends first."""
        if self._control is not None:
            self._control.stop()
        if self._thread is not None:
            self._thread.wait(10000)
        self._cleanup()

    @Slot(object)
    def _on_inspected(self, snap: Any) -> None:
        if self._inspecting and self.sender() is self._worker:
            self.inspected.emit(snap)

    def _launch(self, runs: list[Run], paused: bool, split: str | None, continued: bool) -> None:
        from nnstudio.ui.training.worker import INSPECT

        if self._inspecting:
            self._end_inspect()
        control = TrainingControl()
        if paused:
            control.pause()
        worker = TrainingWorker(runs, control, self.options, evaluate_split=split)
        worker.evaluated.connect(self._on_evaluated)
        worker.inspected.connect(self._on_inspected)
        thread = QThread()
        thread.setObjectName("training_thread")
        register_qthread(thread)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.snapshot_available.connect(self._deliver_soon)
        worker.failed.connect(self._on_failed)
        worker.prepared.connect(self.run_prepared)
        worker.done.connect(self._on_done)
        # Direct: quit must reach the thread even while the GUI thread is blocked in wait().
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread, self._worker, self._control = thread, worker, control
        self._evaluating = split is not None
        self._inspecting = split == INSPECT
        if self._inspecting:
            pass  # the state stays idle: Train may start at once
        elif split is not None:
            self._set_state(EVALUATING)
        else:
            self.active = list(runs)
            self.last_snapshot = None
            for run in runs:
                run.status = "paused" if paused else "running"
            self._set_state(PAUSED if paused else RUNNING)
            self.run_started.emit(RunInfo(runs[0].project, list(runs), continued))
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
        """Run one batch; from idle this starts a paused session first."""
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
        """The next Train starts a new run from fresh weights; earlier runs stay in the list."""
        if self.busy:
            return
        self.book.current = None
        self.last_snapshot = None
        self.runs_changed.emit()
        self.weights_reset.emit()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop any session and wait for its thread; True if the thread ended in time."""
        if self._control is not None:
            self._control.stop()
        thread = self._thread
        if thread is None:
            return True
        finished = thread.wait(timeout_ms)
        if finished:
            # Handle the worker's last queued signals now (its final reports and weights),
            # so a window closing right after this can still offer to save them.
            QCoreApplication.sendPostedEvents(self)
            if self._thread is not None:
                self._cleanup()
                self._set_state(IDLE)
        return finished

    # -- worker callbacks (GUI thread) ----------------------------------------------------
    @Slot()
    def _deliver_soon(self) -> None:
        """Take the worker's reports now, or once DELIVERY_INTERVAL has passed since the last
        take. Reports wait in the mailbox meanwhile (merged, so no step loss is lost): taking
        each of 30 reports a second cost the GUI thread about a twentieth of its time."""
        wait = self._last_delivery + DELIVERY_INTERVAL - time.perf_counter()
        if wait <= 0:
            self._deliver()
        elif not self._delivery_timer.isActive():
            self._delivery_timer.start(max(1, int(wait * 1000)))

    @Slot()
    def _deliver(self) -> None:
        from nnstudio.training.session import record

        self._delivery_timer.stop()
        self._last_delivery = time.perf_counter()
        worker = self._worker
        if worker is None or self._evaluating:
            return
        reports = worker.mailbox.take()
        if not reports:
            return
        by_id = {run.id: run for run in self.active}
        for run_id, snap in reports.items():
            run = by_id.get(run_id)
            if run is not None:
                record(run, snap)
        self.reports.emit(reports)
        followed = self.active[0].id if self.active else None
        snap = reports.get(followed) if followed is not None else None
        if snap is not None:
            self.last_snapshot = snap
            self.snapshot.emit(snap)

    @Slot(str, float, object)
    def _on_evaluated(self, split: str, loss: float, accuracy: Any) -> None:
        """Keep the score with the run it belongs to, then pass it on."""
        run = self.book.current_run
        if run is not None:
            run.scores[f"{split}_loss"] = loss
            if accuracy is not None:
                run.scores[f"{split}_accuracy"] = float(accuracy)
            self.runs_changed.emit()
        self.evaluated.emit(split, loss, accuracy)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        for run in self.active:
            if not run.ended:
                run.status = "failed"
                run.message = text
        self.failed.emit(text)

    @Slot(object)
    def _on_done(self, states: Any) -> None:
        from nnstudio.training.session import adopt_weights

        if self.sender() is not None and self.sender() is not self._worker:
            return  # a job that an earlier _end_inspect already closed
        self._deliver()
        for run in self.active:
            kept = adopt_weights(run, (states or {}).get(run.id))
            if run.status in ("running", "paused"):
                run.status = "stopped"
            if not kept and run.weights is None and run.status == "diverged":
                run.message += " No weights were kept: they were no longer numbers."
        thread = self._thread
        if thread is not None:
            thread.wait(2000)
        final = self.last_snapshot if not self._evaluating else None
        evaluating = self._evaluating
        self._cleanup()
        self._set_state(IDLE)
        if not evaluating:
            self.active = []
            self.runs_changed.emit()
            self.run_finished.emit(final)

    def _cleanup(self) -> None:
        if self._worker is not None:
            self._worker.deleteLater()
        if self._thread is not None:
            self._thread.deleteLater()
        self._worker = self._thread = self._control = None
        self._evaluating = False
        self._inspecting = False

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
