"""Torch threads chosen by measurement, per model, while it trains.

More threads help a big convolution and hurt a tiny MLP (on 2 cores, 2 threads next to a busy
GUI thread made a spiral MLP ten times slower). So instead of guessing from the model, the
session trains its first stretches with each candidate thread count, in turn, and keeps the
fastest. The steps are real training steps: only their speed is compared.

The start of a run is not a fair race: memory is first touched, and in the GUI the window is
busy laying out and drawing its panels. So the first `window_s` of training is not measured,
and each candidate is timed `rounds` times in alternation (1, 2, 1, 2): a candidate's speed
is its best window, since a disturbance can only slow a window down.

More threads must win clearly (by `MARGIN`) to be chosen. For a model too small for torch to
split its work, 1 and 2 threads run the same code, and on a shared machine their best
windows still differ by up to 10 %; the extra thread only adds contention with whatever
else runs (in the CLI, a spiral MLP chose 2 threads on an 8 % lead that was noise).
"""

from __future__ import annotations

import time
from collections.abc import Callable

MARGIN = 1.15
"""How much faster a larger thread count must measure to be chosen over a smaller one."""


class ThreadTuner:
    def __init__(
        self,
        candidates: list[int],
        set_threads: Callable[[int], None],
        window_s: float = 0.25,
        clock: Callable[[], float] = time.perf_counter,
        rounds: int = 2,
    ) -> None:
        self.candidates = sorted(set(max(1, c) for c in candidates))
        self.set_threads = set_threads
        self.window_s = window_s
        self.clock = clock
        self.rates: dict[int, float] = {}
        """Candidate -> its best measured steps per second so far."""
        self.chosen: int | None = None if len(self.candidates) > 1 else self.candidates[0]
        self._plan = [c for _round in range(rounds) for c in self.candidates]
        self._index = -1  # -1: warming up, not measured
        self._start_time = 0.0
        self._start_step = -1
        self._switches = 0
        self.set_threads(self.candidates[0])

    def era(self) -> int:
        """How many times the thread count has changed: each change starts a new speed."""
        return self._switches

    @property
    def current(self) -> int:
        if self.chosen is not None:
            return self.chosen
        return self._plan[max(self._index, 0)]

    def observe(self, step: int) -> None:
        """Call with the step count at each report; switches threads as the trial goes."""
        if self.chosen is not None:
            return
        now = self.clock()
        if self._start_step < 0:
            self._start_time, self._start_step = now, step
            return
        elapsed = now - self._start_time
        if elapsed < self.window_s or step <= self._start_step:
            return
        if self._index >= 0:
            rate = (step - self._start_step) / elapsed
            current = self._plan[self._index]
            self.rates[current] = max(rate, self.rates.get(current, 0.0))
        self._index += 1
        if self._index < len(self._plan):
            self._switch(self._plan[self._index])
            self._start_time, self._start_step = self.clock(), step
            return
        best = max(self.rates.values())
        self.chosen = min(t for t, rate in self.rates.items() if rate * MARGIN >= best)
        self._switch(self.chosen)

    def _switch(self, threads: int) -> None:
        self.set_threads(threads)
        self._switches += 1

    def describe(self) -> str:
        if not self.rates:
            return f"{self.current} thread(s)"
        measured = ", ".join(f"{t}: {r:,.0f} steps/s" for t, r in sorted(self.rates.items()))
        return f"{self.current} thread(s) (measured {measured})"
