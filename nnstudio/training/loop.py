"""The one training loop: step an engine, obey the control, report at the snapshot cadence.

An engine trains one network (`Trainer`) or several stacked into one step
(`StackedTrainer`); the loop knows neither. It decides when a report is due, hands pause,
step and stop requests to the engine's reports, and ends when the engine is done, stopped
or every network in it diverged. With `block=False` it yields None instead of waiting while
paused, so one worker can interleave several engines.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import torch

from nnstudio.training.control import TrainingControl
from nnstudio.training.snapshot import Snapshot, Status


class Engine(Protocol):
    step_count: int
    total_steps: int

    def advance(self, want_grads: bool) -> tuple[torch.Tensor, Any, bool]:
        """One update: (loss tensor, gradient norms if wanted, whether to stop early)."""

    def reports(
        self,
        pending: list[torch.Tensor],
        status: Status,
        since: float,
        since_step: int,
        grads: Any,
        stopped_early: bool = False,
        heavy: bool = True,
    ) -> list[Snapshot]:
        """One snapshot per network, for the steps since the last report. A light report
        (`heavy` False) carries the step losses and progress only: no evaluation, no probes."""

    def train_mode(self) -> None: ...


PROBE_SHARE = 0.08
"""The most of the worker's time that reports (evaluation and probes) may take.

Kept under 10 %: at exactly 10 % of the time, a trainer would reach 0.90 of a bare loop's
speed only if the loop itself cost nothing, and stepping, scheduling and light reports cost
a little too."""


class ProbeBudget:
    """Spaces the heavy reports (evaluation and probes) so they cost at most `share` of the time.

    Every report carries the step losses, but only a heavy one evaluates the network and runs
    the probes. Each heavy report's cost is measured, and the next one is due when all hold:
    - the training since the last one is at least cost × (1 - share) / share, so no stretch
      of the run spends more than `share` on reports;
    - all heavy reports so far, this one and the final one (which always comes) stay within
      `share` of the time trained, so the whole run keeps the budget, first and final
      reports included;
    - at least that much training is still left (see `heavy_due`): the final report comes
      before another one could have earned its cost.
    Small models keep the caller's rate (30 a second); a model whose evaluation is slow gets
    fewer heavy reports, and light ones in between keep the loss curve moving."""

    def __init__(self, interval: float, share: float = PROBE_SHARE) -> None:
        self.min_interval = interval
        self.share = share
        self.cost = 0.0
        """Recent cost of one heavy report, in seconds (a moving average)."""
        self.spent = 0.0
        """Seconds all heavy reports so far have taken."""
        self._times: list[float] = []
        self._dones: list[int] = []
        """Training seconds and steps done at each report of this era, for the pace."""
        self._era = 0
        self.step_pace = 0.0
        """Training seconds per step at the last report (0 before the first)."""

    def observe(self, seconds: float) -> None:
        self.cost = seconds if self.cost == 0.0 else 0.7 * self.cost + 0.3 * seconds
        self.spent += seconds

    @property
    def earned(self) -> float:
        """Training seconds one heavy report must be spaced by to keep within `share`."""
        return self.cost * (1 - self.share) / self.share

    @property
    def interval(self) -> float:
        return max(self.min_interval, self.earned)

    def heavy_due(self, since_heavy: float, active: float, steps_left: int) -> bool:
        """Whether a heavy report may be made now: `since_heavy` seconds after the last one,
        `active` seconds into the run (pauses not counted), `steps_left` steps before the end.

        None is made in the last stretch of training that would be needed to earn its cost
        (`earned`): the final report comes within that time anyway. This also keeps the time
        left honest near the end. Whether one more report comes is settled at least that
        stretch before the end, so a wrong guess about it is one report's cost against at
        least `earned` seconds left (under 9 % at an 8 % share), not against the last second.
        """
        if since_heavy < self.interval:
            return False
        if self.step_pace * steps_left < self.earned:
            return False
        return self.share >= 1.0 or self.spent + 2 * self.cost <= self.share * active

    def new_era(self, era: int) -> None:
        """Forget the pace so far if the speed changed for a known reason (`era` moved on)."""
        if era != self._era:
            self._era = era
            self._times.clear()
            self._dones.clear()

    def pace(self, training: float, done: int) -> float:
        """Seconds of training per step, over the later three quarters of the training so far
        (of the current era: since the last known change of speed).

        The first steps of a run are slower (memory touched for the first time, a window
        still drawing), so a pace over the whole run would promise too long a time left.
        A shorter window follows the machine's own swings more closely, and they are not to
        be foretold: on this project's 2-core machine a bare PyTorch loop's speed wanders by up
        to 2x for seconds at a time. Replaying 16 recorded runs (4 models, headless and in
        the window), the worst error from 10 % of the run on averaged 17.6 % with the later
        three quarters, 20.7 % with the later half, and 17.7 % with the whole run."""
        self._times.append(training)
        self._dones.append(done)
        start = self._times[0]  # the start of the current era
        at = max(bisect.bisect_right(self._times, start + (training - start) / 4) - 1, 0)
        then, then_done = self._times[at], self._dones[at]
        if done - then_done < 1:
            self.step_pace = training / done
        else:
            self.step_pace = (training - then) / (done - then_done)
        return self.step_pace

    def time_left(self, done: int, left: int, active: float, since_heavy: float) -> float:
        """Seconds until the end: the `left` steps at the training pace of the `done` ones so
        far, plus the heavy reports the rules above will still make in that time and the
        final one. `active` is the run's time so far, `since_heavy` the time since the last
        heavy report."""
        training = max(active - self.spent, 1e-9)
        steps_left = left * self.pace(training, done)
        if self.cost <= 0.0:
            return steps_left
        # The next heavy report waits for its spacing and for the whole-run budget; after
        # that, the two rules agree and reports come every `interval` of training, but none
        # in the last `earned` stretch.
        spacing = max(self.interval, steps_left / left if left else 0.0)  # one per step at most
        first = max(self.interval - since_heavy, 0.0)
        if self.share < 1.0:
            first = max(first, (self.spent + 2 * self.cost) / self.share - active)
        last = steps_left - self.earned
        coming = 0 if first > last or spacing <= 0 else 1 + int((last - first) / spacing)
        return steps_left + (coming + 1) * self.cost


def drive(
    engine: Engine,
    control: TrainingControl | None,
    every: int,
    interval: float,
    want_grads: bool = True,
    block: bool = True,
    clock: Callable[[], float] = time.perf_counter,
    share: float = PROBE_SHARE,
    speed_era: Callable[[], int] | None = None,
) -> Iterator[list[Snapshot | None] | None]:
    """Train `engine` to its end, yielding its reports (and None while paused if not `block`).

    `speed_era`, when given, counts changes that alter the training speed (a new torch
    thread count): when it moves on, the pace for the time left is measured afresh.

    With `every` 0, reports are time-based and paced by a ProbeBudget. Each report carries
    the time left (`eta_seconds`) from the whole session's pace so far, report costs
    included, so it does not run fast between reports and slow over the whole run."""
    control = control or TrainingControl()
    budget = ProbeBudget(interval, share)
    pending: list[torch.Tensor] = []
    started = last_time = last_heavy = clock()
    first_step = last_step = engine.step_count
    paused_reported = False
    stopped_early = False
    final_grads: Any = {}
    paused_time = 0.0

    def all_diverged(snaps: list[Snapshot | None]) -> bool:
        # None stands for a network that reported its divergence earlier.
        return all(s is None or s.status == "diverged" for s in snaps)

    def report(
        status: Status, grads: Any, early: bool = False, heavy: bool = True
    ) -> list[Snapshot | None]:
        nonlocal last_heavy
        begun = clock()
        snaps = engine.reports(pending, status, last_time, last_step, grads, early, heavy)
        ended = clock()
        if heavy:
            budget.observe(ended - begun)
            last_heavy = ended
        if speed_era is not None:
            budget.new_era(speed_era())
        done = engine.step_count - first_step
        left = engine.total_steps - engine.step_count
        active = max(ended - started - paused_time, 1e-9)
        eta = budget.time_left(done, left, active, ended - last_heavy) if done > 0 else float("nan")
        for snap in snaps:
            if snap is not None:
                snap.eta_seconds = eta if left > 0 else 0.0
        return snaps

    engine.train_mode()
    while engine.step_count < engine.total_steps:
        if not control.may_step():
            if control.stop_requested:
                yield report("stopped", {})
                return
            if not paused_reported:
                snaps = report("paused", {})
                yield snaps
                if all_diverged(snaps):
                    return
                last_time, last_step, pending = clock(), engine.step_count, []
                paused_reported = True
            wait_from = clock()
            if block:
                control.wait(0.05)
            else:
                yield None
            paused_time += clock() - wait_from
            continue
        single = control.paused
        paused_reported = single
        if single:
            due = heavy = True
        elif every > 0:
            due = heavy = engine.step_count + 1 - last_step >= every
        else:
            now = clock()
            due = now - last_time >= budget.min_interval
            left = engine.total_steps - engine.step_count
            heavy = due and budget.heavy_due(now - last_heavy, now - started - paused_time, left)
        last_step_of_run = engine.step_count + 1 >= engine.total_steps
        loss, grads, stopped_early = engine.advance((heavy or last_step_of_run) and want_grads)
        pending.append(loss)
        if stopped_early:
            final_grads = grads
            break
        if not due:
            continue
        status: Status = "paused" if single else "running"
        if not single and engine.step_count >= engine.total_steps:
            final_grads = grads  # the last step's report is the final one, not a duplicate
            break
        snaps = report(status, grads, heavy=heavy)
        yield snaps
        if all_diverged(snaps):
            return
        last_time, last_step, pending = clock(), engine.step_count, []
    yield report("finished", final_grads, stopped_early)
