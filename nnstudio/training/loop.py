"""The one training loop: step an engine, obey the control, report at the snapshot cadence.

An engine trains one network (`Trainer`) or several stacked into one step
(`StackedTrainer`); the loop knows neither. It decides when a report is due, hands pause,
step and stop requests to the engine's reports, and ends when the engine is done, stopped
or every network in it diverged. With `block=False` it yields None instead of waiting while
paused, so one worker can interleave several engines.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
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


def drive(
    engine: Engine,
    control: TrainingControl | None,
    every: int,
    interval: float,
    want_grads: bool = True,
    block: bool = True,
) -> Iterator[list[Snapshot | None] | None]:
    """Train `engine` to its end, yielding its reports (and None while paused if not `block`)."""
    control = control or TrainingControl()
    pending: list[torch.Tensor] = []
    last_time = time.perf_counter()
    last_step = engine.step_count
    paused_reported = False
    stopped_early = False
    final_grads: Any = {}

    def all_diverged(snaps: list[Snapshot | None]) -> bool:
        # None stands for a network that reported its divergence earlier.
        return all(s is None or s.status == "diverged" for s in snaps)

    engine.train_mode()
    while engine.step_count < engine.total_steps:
        if not control.may_step():
            if control.stop_requested:
                yield engine.reports(pending, "stopped", last_time, last_step, {})
                return
            if not paused_reported:
                snaps = engine.reports(pending, "paused", last_time, last_step, {})
                yield snaps
                if all_diverged(snaps):
                    return
                last_time, last_step, pending = time.perf_counter(), engine.step_count, []
                paused_reported = True
            if block:
                control.wait(0.05)
            else:
                yield None
            continue
        single = control.paused
        paused_reported = single
        if single:
            due = True
        elif every > 0:
            due = engine.step_count + 1 - last_step >= every
        else:
            due = time.perf_counter() - last_time >= interval
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
        snaps = engine.reports(pending, status, last_time, last_step, grads)
        yield snaps
        if all_diverged(snaps):
            return
        last_time, last_step, pending = time.perf_counter(), engine.step_count, []
    yield engine.reports(pending, "finished", last_time, last_step, final_grads, stopped_early)
