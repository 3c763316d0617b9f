"""The app's side of asking the network: which project and weights to ask, and one Predictor
kept ready for the ask views.

Predictions run in the GUI thread because one input through a small network costs well
under a millisecond (see `bench/ask_latency.py`); they use the predictor's own copy of the
weights, so the GUI never waits for the training thread or locks anything it uses. While
training runs, the copy is refreshed at most every REFRESH_S seconds, when asked.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.errors import NNStudioError

REFRESH_S = 0.1
"""While training runs, ask with weights at most this old."""


def live_model(window: Any) -> Any:
    """The current run's model while it trains (its weights change as we look), else None."""
    controller = window.training.controller
    run = controller.current_run
    session = getattr(controller.worker, "session", None)
    trainer = session.trainer_of(run) if session is not None and run is not None else None
    return trainer.model if controller.busy and trainer is not None else None


def weights_now(window: Any) -> dict[str, Any] | None:
    """The weights to ask: the current run's, copied from its live model while it trains.
    The one place that knows where weights live."""
    model = live_model(window)
    if model is not None:
        from nnstudio.training.inference import copy_weights

        return copy_weights(model.state_dict())
    return window.training.controller.trained_state


def project_now(window: Any) -> Any:
    """The network to ask: the current run's (what its weights belong to), else the open
    project's."""
    run = window.training.controller.current_run
    return run.project if run is not None else window.document.project


def one_thread() -> None:
    """Ask on one torch thread while nothing trains (a run sets its own count when it
    starts): one input is far too small to share out, and a second thread that must wait
    for a busy core made each answer about 40 times slower here (62 ms against 1.5 ms)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def running_trainer_inbox(window: Any) -> Any:
    """The running worker's inbox for new training data, or None when nothing trains."""
    worker = window.training.controller.worker
    if worker is None or getattr(worker, "session", None) is None:
        return None
    return getattr(worker, "data_inbox", None)


class AskSession(QObject):
    """Keeps one Predictor that fits the open project, its data and the newest weights."""

    changed = Signal()
    """The answers may differ now (new weights, new data): views ask again."""
    dataset_changed = Signal(object)
    """The Dataset asked about was (re)loaded; None means "load it when needed"."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.controller = window.training.controller
        self._predictor: Any = None
        self._dataset: Any = None
        self._stale = True
        self._refreshed = 0.0
        self.problem = ""
        """Why there is no predictor now, in words for the user."""
        self.controller.run_prepared.connect(self._run_prepared)
        self.controller.snapshot.connect(self._new_weights)
        self.controller.run_finished.connect(self._new_weights)
        self.controller.weights_reset.connect(self._forget_predictor)
        self.document.dataset_changed.connect(self._forget_dataset)
        self.document.project_replaced.connect(self._forget_dataset)
        self.document.graph_event.connect(self._graph_changed)

    # -- what views call ------------------------------------------------------------------
    def dataset(self) -> Any:
        """The loaded data of the open project (loaded on first need), or None."""
        if self._dataset is None:
            from nnstudio.core.datasets import load_dataset

            try:
                self._dataset = load_dataset(self.document.project.dataset)
            except NNStudioError as exc:
                self.problem = str(exc)
                return None
        return self._dataset

    def predictor(self) -> Any:
        """A Predictor with fresh enough weights, or None (see `problem`)."""
        if not self.controller.busy:
            one_thread()
        now = time.perf_counter()
        if self._predictor is not None and not self._stale:
            return self._predictor
        if self._predictor is not None and now - self._refreshed < REFRESH_S:
            return self._predictor
        live = live_model(self.window) if self._predictor is not None else None
        if live is not None:
            try:
                self._predictor.follow(live)  # one copy, no dict of copies in between
            except NNStudioError as exc:
                self._predictor, self.problem = None, str(exc)
                return None
            self._stale, self._refreshed = False, now
            return self._predictor
        state = weights_now(self.window)
        if state is None:
            self._predictor = None
            self.problem = (
                "The network has no trained weights yet: press Train (or Step), then ask it."
            )
            return None
        try:
            if self._predictor is None:
                from nnstudio.training.inference import Predictor

                data = self.dataset()
                if data is None:
                    return None
                self._predictor = Predictor(project_now(self.window), state, data)
                if not self.controller.busy:
                    one_thread()  # torch is loaded now
            else:
                self._predictor.set_weights(state)
        except NNStudioError as exc:
            self._predictor = None
            self.problem = str(exc)
            return None
        self._stale = False
        self._refreshed = now
        self.problem = ""
        return self._predictor

    def use_dataset(self, dataset: Any) -> None:
        """Adopt freshly loaded data (after an edit), so answers use its scaling."""
        self._dataset = dataset
        if self._predictor is not None:
            self._predictor.dataset = dataset
        self.dataset_changed.emit(dataset)
        self.changed.emit()

    # -- keeping up -----------------------------------------------------------------------
    @Slot(object)
    def _run_prepared(self, run: Any) -> None:
        if self._dataset is None:
            self._dataset = run.dataset
            self.dataset_changed.emit(run.dataset)
        self._new_weights()

    @Slot()
    @Slot(object)
    def _new_weights(self, *_args: Any) -> None:
        self._stale = True
        self.changed.emit()

    @Slot()
    def _forget_predictor(self) -> None:
        self._predictor = None
        self._stale = True
        self.changed.emit()

    @Slot()
    def _forget_dataset(self) -> None:
        """The dataset choice changed. 2D points are quick to make, so they are loaded now
        and, while training runs (when only hand edits can change them), handed to it."""
        self._dataset = None
        self._predictor = None
        self._stale = True
        config = self.document.project.dataset
        try:
            quick = config.spec().generate is not None
        except NNStudioError:
            quick = False
        if quick:
            data = self.dataset()
            inbox = running_trainer_inbox(self.window)
            if data is not None and inbox is not None and self.controller.busy:
                inbox.put(data)
                self._record_in_run(config)
        self.dataset_changed.emit(self._dataset)
        self.changed.emit()

    def _record_in_run(self, config: Any) -> None:
        """The running run now trains on the edited data: its project says so (and Train
        after a stop continues it rather than starting afresh)."""
        import copy

        run = self.controller.current_run
        session = getattr(self.controller.worker, "session", None)
        if run is not None and session is not None and session.trainer_of(run) is not None:
            run.project.dataset = copy.deepcopy(config)

    @Slot(object)
    def _graph_changed(self, event: Any) -> None:
        from nnstudio.core.graph import NODE_MOVED

        if event.kind != NODE_MOVED:  # moving a node changes no answer
            self._forget_predictor()
