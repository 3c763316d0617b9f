"""A training session: trains one or more Runs, feeding each its reports and final weights.

This is the only place that goes from a Run to data, a trainer and back: the CLI, the
self-test, the GUI worker, variants and lessons all use it. Runs that differ only in numbers
(seed, learning rate, init scale, L1/L2 ...) train stacked in one step; the rest train
interleaved in the same thread, one engine report at a time. Every network obeys one
control, so Pause, Step and Stop act on them all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from nnstudio.core.datasets import Dataset, load_dataset
from nnstudio.core.run import Run
from nnstudio.training.control import TrainingControl
from nnstudio.training.loop import drive
from nnstudio.training.snapshot import Snapshot
from nnstudio.training.thread_tuning import ThreadTuner
from nnstudio.training.trainer import ProbeOptions, Trainer

Reports = dict[str, Snapshot]
"""Run id -> its newest snapshot, for the runs that reported this turn."""


def record(run: Run, snap: Snapshot) -> None:
    """Feed one snapshot into its run: curves, progress, scores, status."""
    run.observe(
        snap.step,
        snap.total_steps,
        snap.steps_per_epoch,
        snap.status,
        snap.step_losses,
        snap.metrics(),
        snap.message,
        snap.seconds,
    )


def adopt_weights(run: Run, state: dict[str, torch.Tensor] | None) -> bool:
    """Keep `state` as the run's weights if every number in it is finite; True if kept.

    A diverged session's weights are never kept (they are NaN, or on their way there): the
    run keeps the weights it had before (none, for a run that diverged from fresh weights)."""
    if state is None or run.status == "diverged":
        return False
    if not all(bool(torch.isfinite(t).all()) for t in state.values() if t.is_floating_point()):
        return False
    run.weights = state
    return True


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


@dataclass
class Member:
    """One run inside an engine: its run and its index among the engine's networks."""

    run: Run
    index: int


class TrainingSession:
    """Builds the engines for `runs`, then trains them all to their end (or a stop)."""

    def __init__(
        self,
        runs: list[Run],
        options: ProbeOptions | None = None,
        control: TrainingControl | None = None,
        batch_variants: bool = True,
        tuner: ThreadTuner | None = None,
    ) -> None:
        """`tuner`, when given, picks the torch thread count by measuring the first steps."""
        if not runs:
            raise ValueError("a session needs at least one run")
        self.runs = runs
        self.options = options or ProbeOptions()
        self.control = control or TrainingControl()
        self.batch_variants = batch_variants
        self.tuner = tuner
        self.engines: list[tuple[object, list[Member]]] = []
        self.datasets: dict[str, Dataset] = {}
        self.final_states: dict[str, dict[str, torch.Tensor]] = {}
        """Run id -> the weights its engine ended with (CPU copies), once it has ended."""
        self.started = 0.0

    # -- building ---------------------------------------------------------------------------
    def dataset_for(self, run: Run) -> Dataset:
        key = json.dumps(run.project.dataset.to_dict(), sort_keys=True)
        if key not in self.datasets:
            self.datasets[key] = load_dataset(run.project.dataset)
        return self.datasets[key]

    def trainer_for(self, run: Run) -> Trainer:
        """A trainer for `run`, continuing its weights and step count when it has them."""
        project = run.project
        start = run.steps_done if run.weights is not None else 0
        plan = (run.plan_start, run.total_steps) if run.resumable else None
        trainer = Trainer(
            project.graph,
            self.dataset_for(run),
            project.training,
            self.options,
            initial_state=run.weights,
            start_step=start,
            plan=plan,
        )
        run.plan_start = trainer.plan_start
        return trainer

    def prepare(self) -> None:
        """Load data and build every engine; raises what a bad project raises, before training."""
        from nnstudio.training.stacked import StackedTrainer, stack_groups

        groups = stack_groups(self.runs) if self.batch_variants else [[r] for r in self.runs]
        for group in groups:
            engine = None
            if len(group) > 1:
                engine = StackedTrainer.try_build(group, self.dataset_for(group[0]), self.options)
            if engine is not None:
                self.engines.append((engine, [Member(r, i) for i, r in enumerate(group)]))
            else:
                for run in group:
                    self.engines.append((self.trainer_for(run), [Member(run, 0)]))
        for run in self.runs:
            run.status = "running"

    @property
    def total_steps(self) -> int:
        return max(engine.total_steps for engine, _m in self.engines)  # type: ignore[attr-defined]

    def trainer_of(self, run: Run) -> Trainer | None:
        """The plain trainer training `run`, if it trains alone (for evaluation, say)."""
        for engine, members in self.engines:
            if isinstance(engine, Trainer) and members[0].run is run:
                return engine
        return None

    # -- training ---------------------------------------------------------------------------
    def run(self, sink: Callable[[Reports], None] | None = None) -> Iterator[Reports]:
        """Train every engine to its end; yields the reports of each turn.

        With `sink` None, each report is recorded into its run here (CLI, self-test); the GUI
        passes its own sink and records on its own thread instead.

        While it trains, the CPU treats numbers too small for a normal float32 (below about
        1e-38) as zero. Such numbers are far below anything a loss or a gradient view can
        show, but arithmetic on them is slow: as an MLP's weights settled on Fashion-MNIST,
        its steps slowed from 380 to 330 a second, and the time left could not be foretold.
        Flushing them kept it steady at about 440."""
        flush = torch.set_flush_denormal(True)
        try:
            yield from self._run(sink)
        finally:
            if flush:
                torch.set_flush_denormal(False)

    def _run(self, sink: Callable[[Reports], None] | None) -> Iterator[Reports]:
        if not self.engines:
            self.prepare()
        opts = self.options
        loops = [
            (
                drive(
                    engine,  # type: ignore[arg-type]
                    self.control,
                    opts.snapshot_every_steps,
                    opts.min_interval_s,
                    opts.grad_norms,
                    block=len(self.engines) == 1,
                    share=opts.probe_share,
                    speed_era=self.tuner.era if self.tuner is not None else None,
                ),
                members,
                engine,
            )
            for engine, members in self.engines
        ]
        self.started = time.perf_counter()
        last = {id(members[0].run): self.started for _loop, members, _e in loops}
        while loops:
            idle = True
            for item in list(loops):
                loop, members, engine = item
                try:
                    snaps = next(loop)
                except StopIteration:
                    loops.remove(item)
                    self._finish(engine, members)
                    continue
                if snaps is None:
                    continue
                idle = False
                if self.tuner is not None:
                    self.tuner.observe(engine.step_count)  # type: ignore[attr-defined]
                now = time.perf_counter()
                key = id(members[0].run)
                seconds, last[key] = now - last[key], now
                reports = {
                    m.run.id: snap
                    for m in members
                    if m.index < len(snaps) and (snap := snaps[m.index]) is not None
                }
                measuring = self.tuner is not None and self.tuner.chosen is None
                for snap in reports.values():
                    snap.seconds = seconds
                    if measuring:
                        # Still timing thread counts that may differ twofold in speed: no
                        # honest time left yet (shown as "estimating"), for a second or so.
                        snap.eta_seconds = float("nan")
                if sink is None:
                    for member in members:
                        if member.run.id in reports:
                            record(member.run, reports[member.run.id])
                else:
                    sink(reports)
                yield reports
            if idle and loops:
                self.control.wait(0.05)

    def _finish(self, engine: object, members: list[Member]) -> None:
        states = engine.final_states() if hasattr(engine, "final_states") else None
        for member in members:
            if states is not None:
                self.final_states[member.run.id] = states[member.index]
            else:
                self.final_states[member.run.id] = cpu_state(engine.model)  # type: ignore[attr-defined]

    def adopt_final_weights(self) -> None:
        """Give each run the weights its engine ended with, if they are all finite numbers."""
        for run in self.runs:
            adopt_weights(run, self.final_states.get(run.id))
