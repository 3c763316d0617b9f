"""Frame pacing: how often the panels may redraw without starving the training thread.

Painting pyqtgraph views runs Python in the GUI thread, and while it does, the worker thread
waits for the GIL. The pacer reads how much CPU time the GUI thread really used between two
redraws (`time.thread_time`, which counts painting, layout and event handling alike, and not
time spent waiting) and steers the redraw interval so that share stays near `duty`: longer
when the GUI thread is too busy, shorter when it idles, between `max_fps` and `min_fps`.
"""

from __future__ import annotations

import time


class FramePacer:
    def __init__(self, duty: float = 0.08, max_fps: float = 30.0, min_fps: float = 2.0) -> None:
        """`duty`: the share of wall time the GUI thread may spend. Measured on 2 cores with
        the spiral MLP, the worst case for the GIL (its steps are mostly Python): at 0.15 the
        live GUI trained at 0.60-0.85 of headless speed, at 0.08 at 0.79-1.01, six
        interleaved rounds each; the panels still redraw several times a second."""
        self.duty = duty
        self.min_interval = 1.0 / max_fps
        self.max_interval = 1.0 / min_fps
        self.current = self.min_interval
        self.load = 0.0
        """Smoothed share of wall time the GUI thread spent on the CPU."""
        self._cpu = time.thread_time()
        self._wall = time.perf_counter()

    def interval(self) -> float:
        """Seconds to wait before the next redraw."""
        return self.current

    def begin(self) -> None:
        """A redraw starts: update the load estimate and steer the interval."""
        cpu, wall = time.thread_time(), time.perf_counter()
        elapsed = wall - self._wall
        if elapsed > 0:
            share = (cpu - self._cpu) / elapsed
            self.load = 0.6 * self.load + 0.4 * share
            if self.load > self.duty:
                self.current = min(self.max_interval, self.current * 1.3)
            else:
                self.current = max(self.min_interval, self.current / 1.1)
        self._cpu, self._wall = cpu, wall

    def end_update(self) -> None:
        """Kept for symmetry with `begin`; the next `begin` accounts for this redraw's cost."""
