"""The one training loop: step an engine, obey the control, report at the snapshot cadence.

An engine trains one network (`Trainer`) or several stacked into one step
(`StackedTrainer`); the loop knows neither. It decides when a report is due, hands pause,
step and stop requests to the engine's reports, and ends when the engine is done, stopped
or every network in it diverged. With `block=False` it yields None instead of waiting while
paused, so one worker can interleave several engines.
"""

from __future__ import annotations

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
    ) -> list[Snapshot]:
        """One snapshot per network, for the steps since the last report."""

    def train_mode(self) -> None: ...


PROBE_SHARE = 0.1
"""The most of the worker's time that reports (evaluation and probes) may take."""


class ProbeBudget:
    """Spaces time-based reports so that making them costs at most `share` of the time.

    Each report's cost is measured; the next report is due once the training since the last
    one is at least cost × (1 - share) / share. Small models keep the caller's rate (30 a
    second); a model whose evaluation is slow gets fewer reports, and the step losses still
    reach the caller with every report."""

    def __init__(self, interval: float, share: float = PROBE_SHARE) -> None:
        self.min_interval = interval
        self.share = share
        self.cost = 0.0
        """Recent cost of one report, in seconds (a moving average)."""

    def observe(self, seconds: float) -> None:
        self.cost = seconds if self.cost == 0.0 else 0.7 * self.cost + 0.3 * seconds

    @property
    def interval(self) -> float:
        return max(self.min_interval, self.cost * (1 - self.share) / self.share)


def drive(
    engine: Engine,
    control: TrainingControl | None,
    every: int,
    interval: float,
    want_grads: bool = True,
    block: bool = True,
    clock: Callable[[], float] = time.perf_counter,
    share: float = PROBE_SHARE,
) -> Iterator[list[Snapshot | None] | None]:
    """Train `engine` to its end, yielding its reports (and None while paused if not `block`).

    With `every` 0, reports are time-based and paced by a ProbeBudget. Each report carries
    the time left (`eta_seconds`) from the whole session's pace so far, report costs
    included, so it does not run fast between reports and slow over the whole run."""
    control = control or TrainingControl()
    budget = ProbeBudget(interval, share)
    pending: list[torch.Tensor] = []
    started = last_time = clock()
    first_step = last_step = engine.step_count
    paused_reported = False
    stopped_early = False
    final_grads: Any = {}
    paused_time = 0.0

    def all_diverged(snaps: list[Snapshot | None]) -> bool:
        # None stands for a network that reported its divergence earlier.
        return all(s is None or s.status == "diverged" for s in snaps)

    def report(status: Status, grads: Any, early: bool = False) -> list[Snapshot | None]:
        begun = clock()
        snaps = engine.reports(pending, status, last_time, last_step, grads, early)
        cost = clock() - begun
        budget.observe(cost)
        done = engine.step_count - first_step
        elapsed = max(begun - started - paused_time, 1e-9)
        left = engine.total_steps - engine.step_count
        eta = left * elapsed / done + budget.cost if done > 0 else float("nan")
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
            due = True
        elif every > 0:
            due = engine.step_count + 1 - last_step >= every
        else:
            due = clock() - last_time >= budget.interval
        loss, grads, stopped_early = engine.advance(due and want_grads)
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
        snaps = report(status, grads)
        yield snaps
        if all_diverged(snaps):
            return
        last_time, last_step, pending = clock(), engine.step_count, []
    yield report("finished", final_grads, stopped_early)
