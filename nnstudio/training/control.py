"""The thread-safe switchboard a running trainer obeys: pause, resume, step and stop.

The trainer checks it before every step, so a request is honoured within one step. It is
plain `threading`, so tests drive it with no Qt at all.
"""

from __future__ import annotations

import threading


class TrainingControl:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._stop = False
        self._steps_granted = 0

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stop_requested(self) -> bool:
        return self._stop

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._steps_granted = 0
            self._cond.notify_all()

    def step(self) -> None:
        """Run exactly one more batch, then stay paused."""
        with self._cond:
            self._paused = True
            self._steps_granted += 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def may_step(self) -> bool:
        """Non-blocking: whether the next step may run now (consumes a granted single step)."""
        with self._cond:
            if self._stop:
                return False
            if not self._paused:
                return True
            if self._steps_granted > 0:
                self._steps_granted -= 1
                return True
            return False

    def wait(self, timeout: float | None = None) -> None:
        """Block while paused with no step granted, until something changes or `timeout`."""
        with self._cond:
            if self._paused and not self._stop and self._steps_granted == 0:
                self._cond.wait(timeout)
