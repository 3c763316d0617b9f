"""Keeps "Inside a node" in step with the canvas selection and the current run's weights.

Views are computed off the GUI thread, on a short-lived QThread per request, from the
predictor's own copy of the weights: the current run's saved weights when nothing trains
(a finished run, a reopened project), the live model's newest ones while a run trains (at
most every REFRESH_S, and only while the panel is on screen). One request runs at a time;
newer requests replace a waiting one, so a fast sample picker never queues work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.ui.threads import register_qthread

REFRESH_S = 0.5
"""While training runs, a shown view is redrawn with weights at most this old."""
NO_WEIGHTS = "There are no trained weights to look inside yet: press Train (or Step)."


@dataclass
class Request:
    project: Any
    weights: Any
    """The run's saved state dict (None while a live model is given)."""
    live: Any
    """The model training now, whose weights are copied as they are (or None)."""
    dataset: Any
    layer_id: str
    index: int


@dataclass
class Answer:
    view: Any
    samples: int
    """How many samples the picker may offer."""


class _Job(QThread):
    def __init__(self, work: Any) -> None:
        super().__init__()
        self.setObjectName("node_view_thread")
        self.work = work
        self.result: Any = None
        self.error = ""

    def run(self) -> None:
        try:
            self.result = self.work()
        except NNStudioError as exc:
            self.error = str(exc)
        except Exception as exc:  # shown in the panel; nothing else depends on it
            self.error = f"This view could not be drawn ({type(exc).__name__}: {exc})."


class NodeViewJobs(QObject):
    """Computes node views one at a time on a background thread."""

    answered = Signal(object)
    """An Answer."""
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job: _Job | None = None
        self._pending: Request | None = None
        self._predictor: Any = None
        self._weights: Any = None
        """Only the job thread touches the predictor, and only one job runs at a time."""

    @property
    def busy(self) -> bool:
        return self._job is not None

    def request(self, request: Request) -> None:
        self._pending = request
        if self._job is None:
            self._start()

    def forget(self) -> None:
        """The network changed: the next request builds a new predictor."""
        self._pending = None
        if self._job is None:
            self._predictor = self._weights = None

    def wait(self, timeout_ms: int = 10000) -> bool:
        """Let a running job end (before the window closes)."""
        self._pending = None
        job = self._job
        return job is None or job.wait(timeout_ms)

    def _start(self) -> None:
        request, self._pending = self._pending, None
        if request is None:
            return
        job = _Job(lambda: self._compute(request))
        register_qthread(job)
        job.finished.connect(self._finished)
        self._job = job
        job.start()

    def _compute(self, request: Request) -> Answer:
        """In the job thread: bring the predictor up to date, then draw one view."""
        from nnstudio.training import node_views
        from nnstudio.training.inference import Predictor

        predictor = self._predictor
        if predictor is None or predictor.project is not request.project:
            state = request.weights
            if state is None and request.live is not None:
                state = request.live.state_dict()
            predictor = Predictor(request.project, state, request.dataset)
            self._predictor, self._weights = predictor, request.weights
        elif request.live is not None:
            predictor.follow(request.live)
        elif request.weights is not None and request.weights is not self._weights:
            predictor.set_weights(request.weights)
            self._weights = request.weights
        samples = node_views.sample_count(predictor.dataset)
        return Answer(predictor.node_view(request.layer_id, request.index), samples)

    @Slot()
    def _finished(self) -> None:
        job, self._job = self._job, None
        if job is None:
            return
        if job.error:
            self.failed.emit(job.error)
        else:
            self.answered.emit(job.result)
        job.deleteLater()
        if self._pending is not None:
            self._start()


class NodeViewFollower(QObject):
    """Wires the canvas, the training controller and the panel to the jobs."""

    def __init__(self, window: Any, panel: Any) -> None:
        super().__init__(window)
        self.window = window
        self.panel = panel
        self.controller = window.training.controller
        self.jobs = NodeViewJobs(self)
        self._data: tuple[Any, Any] = (None, None)
        """(dataset config, loaded dataset) of the last prepared run, to reuse."""
        self._asked = 0.0
        panel.view_wanted.connect(self._wanted)
        self.jobs.answered.connect(self._answered)
        self.jobs.failed.connect(panel.show_problem)
        window.scene.selection_ids_changed.connect(self._selection)
        controller = self.controller
        controller.run_prepared.connect(self._prepared)
        controller.run_started.connect(self._list)
        controller.snapshot.connect(self._trained_more)
        controller.run_finished.connect(self._weights_changed)
        controller.inspected.connect(self._weights_changed)
        controller.weights_reset.connect(self._list)
        window.document.runs_changed.connect(self._list)
        window.document.project_replaced.connect(self._list)
        window.close_guards.append(self._close_guard)
        self._list()

    def project(self) -> Any:
        """The network whose inside is shown: the current run's (what its weights belong
        to), else the open project's."""
        run = self.controller.current_run
        return run.project if run is not None else self.window.document.project

    # -- the list of layers, from the declarations (no torch on the GUI thread) --------------
    @Slot()
    @Slot(object)
    def _list(self, *_args: Any) -> None:
        from nnstudio.core.layer_views import viewable_layers

        layers = viewable_layers(self.project().graph)
        self.panel.set_layers([(v.layer_id, v.label, v.kind) for v in layers])

    # -- asking ---------------------------------------------------------------------------
    def _request(self, layer_id: str, index: int) -> bool:
        from nnstudio.ui.ask.session import live_model

        run = self.controller.current_run
        live = live_model(self.window) if self.controller.busy else None
        weights = run.weights if run is not None else None
        if run is None or (live is None and weights is None):
            self.panel.show_problem(NO_WEIGHTS)
            return False
        config, dataset = self._data
        dataset = dataset if config == run.project.dataset else None
        self._asked = time.perf_counter()
        self.jobs.request(Request(run.project, weights, live, dataset, layer_id, index))
        return True

    @Slot(str, int)
    def _wanted(self, layer_id: str, index: int) -> None:
        self._request(layer_id, index)

    def refresh(self) -> None:
        """Draw the view the panel wants again (newer weights), if it is on screen."""
        wanted = self.panel.wanted()
        if wanted is not None and self.panel.is_shown():
            self._request(*wanted)

    @Slot(object)
    def _answered(self, answer: Answer) -> None:
        self.panel.set_sample_count(answer.samples)
        self.panel.show_view(answer.view)

    # -- what happened ---------------------------------------------------------------------
    @Slot(list)
    def _selection(self, ids: list[str]) -> None:
        """A node selected on the canvas is the one shown, if it has something to show."""
        if len(ids) != 1:
            return
        from nnstudio.core.layer_views import layer_id_for

        try:
            layer_id = layer_id_for(self.project().graph, self.window.document.focus_path, ids[0])
        except (NNStudioError, KeyError):
            layer_id = ids[0]
        self.panel.select(layer_id)

    @Slot(object)
    def _prepared(self, prepared: Any) -> None:
        run = self.controller.current_run
        if run is not None:
            self._data = (run.project.dataset, prepared.dataset)

    @Slot(object)
    def _trained_more(self, _snap: Any) -> None:
        if not self.jobs.busy and time.perf_counter() - self._asked >= REFRESH_S:
            self.refresh()

    @Slot()
    @Slot(object)
    def _weights_changed(self, *_args: Any) -> None:
        self._list()
        self.refresh()

    def _close_guard(self) -> bool:
        self.jobs.wait()
        return True


def install(window: Any, panel: Any) -> NodeViewFollower:
    window.node_views = NodeViewFollower(window, panel)
    return window.node_views
