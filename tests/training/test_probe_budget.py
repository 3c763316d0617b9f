"""Reports pay for themselves: their share of the worker's time stays bounded (fake clock)."""

from __future__ import annotations

import math

import pytest
import torch

from nnstudio.training.loop import PROBE_SHARE, drive
from nnstudio.training.snapshot import Snapshot


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


LIGHT_S = 1e-5
"""What a light report (step losses only) costs the fake engine."""


class FakeEngine:
    """Steps cost `step_s`, heavy reports `report_s` and light ones LIGHT_S of fake time."""

    def __init__(self, clock: FakeClock, step_s: float, report_s: float, steps: int) -> None:
        self.clock, self.step_s, self.report_s = clock, step_s, report_s
        self.step_count, self.total_steps = 0, steps
        self.report_time = 0.0
        self.reported_steps = 0
        self.heavy_times: list[float] = []

    def train_mode(self) -> None:
        pass

    slow_steps = 0
    """The first this many steps take twice as long (a run warming up)."""

    def advance(self, want_grads: bool):
        self.clock.now += self.step_s * (2 if self.step_count < self.slow_steps else 1)
        self.step_count += 1
        return torch.tensor(0.5), {}, False

    def reports(self, pending, status, since, since_step, grads, early=False, heavy=True):
        cost = self.report_s if heavy else LIGHT_S
        if heavy:
            self.heavy_times.append(self.clock.now)
        self.clock.now += cost
        self.report_time += cost
        self.reported_steps += len(pending)
        snap = Snapshot(step=self.step_count, epoch=0, epoch_fraction=0.0, status=status)
        if heavy:
            snap.train_loss = 0.5
        return [snap]


@pytest.mark.parametrize(
    ("step_s", "report_s"),
    [(1e-4, 1e-3), (1e-3, 0.05), (0.02, 2.0), (1e-4, 1e-5)],
)
def test_reports_take_a_bounded_share_of_the_time(step_s: float, report_s: float) -> None:
    clock = FakeClock()
    engine = FakeEngine(clock, step_s, report_s, steps=20_000)
    snaps = [s for batch in drive(engine, None, 0, 1 / 30, clock=clock) for s in batch]
    share = engine.report_time / clock.now
    assert share <= PROBE_SHARE * 1.3, share
    assert engine.reported_steps == engine.step_count == 20_000, "every step loss is reported"
    if step_s <= 1e-3:
        # Step losses keep arriving about 30 times a second of training, whatever the cost
        # of a heavy report (light reports carry them in between).
        assert len(snaps) >= 0.9 * (clock.now - engine.report_time) * 30
    heavy = [s for s in snaps if s.scored]
    if report_s < step_s:
        # Cheap reports keep the full rate: every report is a heavy one.
        assert len(heavy) == len(snaps)
    assert snaps[-1].status == "finished" and snaps[-1].scored


@pytest.mark.parametrize("steps", [1000, 3000, 20_000])
def test_first_and_final_reports_count_against_the_budget(steps: int) -> None:
    """A short run of a model whose evaluation is slow (a CNN): heavy reports are so dear
    that the first and the final one alone nearly fill the budget, so none come between."""
    clock = FakeClock()
    engine = FakeEngine(clock, 5e-3, 0.15, steps=steps)
    for _batch in drive(engine, None, 0, 1 / 30, clock=clock):
        pass
    share = engine.report_time / clock.now
    assert share <= PROBE_SHARE * 1.05, (share, len(engine.heavy_times))
    assert len(engine.heavy_times) >= 2, "the first and the final report are always heavy"


@pytest.mark.parametrize(
    ("step_s", "report_s", "steps"),
    [(1e-3, 0.05, 10_000), (1e-4, 1e-3, 50_000), (5e-3, 0.4, 2_600), (0.02, 2.0, 3_000)],
)
@pytest.mark.parametrize("slow_start", [False, True])
def test_the_time_left_is_the_whole_sessions_pace(
    step_s: float, report_s: float, steps: int, slow_start: bool
) -> None:
    """From 10 % of the run on, the time left is within 20 % of the real time left, also
    when the first 3 % of the steps ran at half the speed."""
    clock = FakeClock()
    engine = FakeEngine(clock, step_s, report_s, steps=steps)
    engine.slow_steps = int(0.03 * steps) if slow_start else 0
    shown = []
    for batch in drive(engine, None, 0, 1 / 30, clock=clock):
        snap = batch[0]
        shown.append((clock.now, snap.step, snap.eta_seconds))
    total = clock.now
    for now, step, eta in shown:
        if step >= engine.total_steps // 10 and step < engine.total_steps:
            real_left = total - now
            assert math.isfinite(eta) and abs(eta - real_left) <= 0.2 * real_left, (step, eta)


def test_a_known_change_of_speed_restarts_the_pace() -> None:
    """The thread tuner settles at 15 % of the run on a count twice as fast: the time left
    follows the new speed at once instead of averaging it with the old one."""
    clock = FakeClock()
    engine = FakeEngine(clock, 2e-3, 0.01, steps=10_000)
    era = [0]

    def advance(want_grads: bool, plain=engine.advance):
        if engine.step_count == 1_500:
            engine.step_s, era[0] = 1e-3, 1
        return plain(want_grads)

    engine.advance = advance  # type: ignore[method-assign]
    shown = []
    for batch in drive(engine, None, 0, 1 / 30, clock=clock, speed_era=lambda: era[0]):
        shown.append((clock.now, batch[0].step, batch[0].eta_seconds))
    total = clock.now
    for now, step, eta in shown:
        if 2_000 <= step < engine.total_steps:
            real_left = total - now
            assert abs(eta - real_left) <= 0.2 * real_left, (step, eta, real_left)


def test_the_time_left_holds_near_the_end_when_the_pace_wavers() -> None:
    """A CNN-like run (steps of 5 ms, heavy reports of 0.35 s) whose speed wavers by ±10 %,
    as a shared machine's does. Over a range of run lengths, some end just where one more
    heavy report would or would not fit: the time left must not count a report that never
    comes (or miss one that does) when little time is left."""
    worst = 0.0
    for steps in range(2300, 2800, 5):
        clock = FakeClock()
        engine = FakeEngine(clock, 5e-3, 0.35, steps=steps)

        def advance(want_grads: bool, plain=engine.advance, engine=engine, clock=clock):
            engine.step_s = 5e-3 * (1 + 0.1 * math.sin(2 * math.pi * clock.now / 5.0))
            return plain(want_grads)

        engine.advance = advance  # type: ignore[method-assign]
        shown = [
            (clock.now, batch[0].step, batch[0].eta_seconds)
            for batch in drive(engine, None, 0, 1 / 30, clock=clock)
        ]
        total = clock.now
        for now, step, eta in shown:
            real_left = total - now
            if steps // 10 <= step < steps and real_left >= 0.5:
                worst = max(worst, abs(eta - real_left) / real_left)
    assert worst <= 0.2, worst
