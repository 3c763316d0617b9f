"""Test-wide setup: offscreen Qt, and no test may leave a thread running."""

from __future__ import annotations

import os
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tiny models train many times faster on one thread here, and tests are full of tiny models.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def no_leftover_threads():
    """Fail any test that leaves a Python thread or a QThread running."""
    before = set(threading.enumerate())
    yield
    leftover = [
        t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
    ]
    for thread in leftover:
        thread.join(timeout=2.0)
    leftover = [t for t in leftover if t.is_alive()]
    assert not leftover, f"test left threads running: {leftover}"
    try:
        from nnstudio.ui.threads import running_qthreads
    except ImportError:
        return
    running = running_qthreads()
    assert not running, f"test left QThreads running: {running}"
