"""Autosave: while the document has unsaved changes, copy it to the recovery folder every minute.

The copy (project, trained weights, curves) is taken on the GUI thread, where the model lives.
Packing and writing it runs on a short-lived worker thread: it is a few milliseconds for a
small network but about 90 ms for 17 MB of weights and grows with them, and an fsync on a slow
disk can take longer still, so a big network must not freeze the window once a minute.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from nnstudio.core import recovery
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project, project_from_dict, project_to_dict
from nnstudio.core.run import RunBook
from nnstudio.ui.document import Document

DEFAULT_INTERVAL_S = 60.0
INTERVAL_ENV = "NNSTUDIO_AUTOSAVE_SECONDS"
"""Seconds between autosaves; 0 turns autosave off (tests use a fraction of a second)."""
MIN_INTERVAL_S = 0.05


def autosave_interval() -> float | None:
    """The autosave period in seconds from the environment; None when autosave is off."""
    text = os.environ.get(INTERVAL_ENV, "").strip()
    if not text:
        return DEFAULT_INTERVAL_S
    try:
        seconds = float(text)
    except ValueError:
        return DEFAULT_INTERVAL_S
    if seconds != seconds:  # NaN
        return DEFAULT_INTERVAL_S
    if seconds <= 0:
        return None
    return max(seconds, MIN_INTERVAL_S)


@dataclass(frozen=True)
class _Snapshot:
    """What one autosave writes: copies the GUI thread may go on changing afterwards."""

    project: Project
    runs: RunBook
    source: Path | None
    epoch: int


class AutoSaver(QObject):
    """Writes recovery copies of one Document while it is modified, and forgets them after
    the user saves, discards or closes it."""

    saved = Signal(object)
    """Path of the recovery file just written."""
    failed = Signal(str)
    """Why an autosave could not be written (shown in the status bar)."""
    _written = Signal(object, object, str)
    """(snapshot, path or None, error): from the worker thread, delivered on the GUI thread."""

    def __init__(
        self,
        document: Document,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.interval_s = autosave_interval()
        self.timer = QTimer(self)
        self.timer.setObjectName("autosave_timer")
        if self.interval_s is not None:
            self.timer.setInterval(round(self.interval_s * 1000))
        self.timer.timeout.connect(self.autosave)
        self._thread: threading.Thread | None = None
        self._in_flight: _Snapshot | None = None
        self._sources: set[Path | None] = set()
        """Documents this saver has autosaves of (their source paths; None for untitled)."""
        self._epoch = 0
        """Bumped whenever autosaves are forgotten, so a write in flight then is dropped."""
        self._failing = False
        self._closed = False
        self._written.connect(self._on_written)
        document.modified_changed.connect(self._sync)
        document.path_changed.connect(self._sync)
        document.project_replaced.connect(self._sync)
        self._sync()

    @property
    def busy(self) -> bool:
        """Whether a write is in progress on the worker thread."""
        return self._thread is not None

    # -- when to save -----------------------------------------------------------------------
    @Slot()
    def _sync(self, *_args: object) -> None:
        """Run the timer exactly while there are unsaved changes; clean means nothing to keep."""
        if self._closed:
            return
        if self.document.is_modified():
            if self.interval_s is not None and not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
            self.forget()

    @Slot()
    def autosave(self) -> bool:
        """Start writing a recovery copy now, if there are unsaved changes; False if not started."""
        if self._closed or self._thread is not None:
            return False
        if not self.document.is_modified():
            self._sync()
            return False
        try:
            snapshot = self._snapshot()
            recovery.session_id()  # start the session here, never first on the worker thread
        except NNStudioError as exc:
            self._report(str(exc))
            return False
        except Exception as exc:  # the timer keeps running; the next tick tries again
            self._report(f"Autosave failed unexpectedly: {exc!r}.")
            return False
        self._in_flight = snapshot
        self._thread = threading.Thread(
            target=self._write, args=(snapshot,), name="nnstudio-autosave"
        )
        self._thread.start()
        return True

    def write_now(self) -> Path | None:
        """Autosave on this thread and wait for it (after a recovery, before the old copy goes)."""
        self.wait()
        if self._closed or not self.document.is_modified():
            return None
        try:
            snapshot = self._snapshot()
            path = recovery.write_recovery(snapshot.project, snapshot.runs, snapshot.source)
        except NNStudioError as exc:
            self._report(str(exc))
            return None
        except Exception as exc:
            self._report(f"Autosave failed unexpectedly: {exc!r}.")
            return None
        self._sources.add(snapshot.source)
        self._failing = False
        self.saved.emit(path)
        return path

    def _snapshot(self) -> _Snapshot:
        project = self.document.project
        return _Snapshot(
            project=project_from_dict(project_to_dict(project)),
            # Trained state dicts are replaced whole after each run, never changed in place,
            # so copying the runs with shallow copies of their weights is enough.
            runs=self.document.runs.copy_for_saving(),
            source=self.document.path,
            epoch=self._epoch,
        )

    def _write(self, snapshot: _Snapshot) -> None:
        """On the worker thread: pack and write, then hand the outcome to the GUI thread."""
        path: Path | None = None
        error = ""
        try:
            path = recovery.write_recovery(snapshot.project, snapshot.runs, snapshot.source)
        except NNStudioError as exc:
            error = str(exc)
        except Exception as exc:  # an autosave must never take the app down
            error = f"Autosave failed unexpectedly: {exc!r}."
        with contextlib.suppress(RuntimeError):  # the window may be gone already
            self._written.emit(snapshot, path, error)

    @Slot(object, object, str)
    def _on_written(self, snapshot: _Snapshot, path: Path | None, error: str) -> None:
        waited = snapshot is not self._in_flight  # `wait` already took care of this write
        if not waited:
            self._join()
        if path is not None and snapshot.epoch != self._epoch:
            # Saved, discarded or closed while this was being written: it is already stale.
            recovery.forget_recovery(snapshot.source)
            return
        if waited:
            return
        if path is None:
            self._report(error)
            return
        self._sources.add(snapshot.source)
        self._failing = False
        self.saved.emit(path)

    @property
    def failing(self) -> bool:
        """Whether the latest autosave failed (cleared by the next one that succeeds)."""
        return self._failing

    def _report(self, message: str) -> None:
        """Say once per run of failures that autosave is not protecting the work."""
        if not self._failing:
            self._failing = True
            self.failed.emit(message)

    # -- forgetting -------------------------------------------------------------------------
    def forget(self) -> None:
        """Delete this document's autosaves: it was saved, discarded or replaced."""
        self._epoch += 1
        for source in self._sources:
            recovery.forget_recovery(source)
        self._sources.clear()

    def wait(self) -> None:
        """Block until a write in progress has finished (its outcome is handled now)."""
        thread = self._thread
        if thread is None:
            return
        thread.join()
        snapshot = self._in_flight
        self._join()
        if snapshot is not None and snapshot.epoch == self._epoch:
            self._sources.add(snapshot.source)  # it was written, or it was not: forget copes

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self._in_flight = None

    def shutdown(self) -> None:
        """The window is closing: stop, wait for a write in progress, and delete the copies."""
        self.timer.stop()
        self.wait()
        self.forget()
        self._closed = True
