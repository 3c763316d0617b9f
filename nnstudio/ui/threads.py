"""A registry of the app's QThreads, so tests (and shutdown) can find any still running."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QThread

_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def register_qthread(thread: QThread) -> QThread:
    """Remember `thread`; returns it so creation and registration can be one expression."""
    _threads.add(thread)
    return thread


def running_qthreads() -> list[QThread]:
    """Registered threads that are still running (a deleted C++ thread counts as stopped)."""
    running = []
    for thread in list(_threads):
        try:
            if thread.isRunning():
                running.append(thread)
        except RuntimeError:  # the C++ object is gone
            _threads.discard(thread)
    return running
