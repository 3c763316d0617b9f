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


class FakeEngine:
    """Steps cost `step_s` and reports cost `report_s` of fake time."""

    def __init__(self, clock: FakeClock, step_s: float, report_s: float, steps: int) -> None:
        self.clock, self.step_s, self.report_s = clock, step_s, report_s
        self.step_count, self.total_steps = 0, steps
        self.report_time = 0.0
        self.reported_steps = 0

    def train_mode(self) -> None:
        pass

    def advance(self, want_grads: bool):
        self.clock.now += self.step_s
        self.step_count += 1
        return torch.tensor(0.5), {}, False

    def reports(self, pending, status, since, since_step, grads, early=False):
        self.clock.now += self.report_s
        self.report_time += self.report_s
        self.reported_steps += len(pending)
        return [Snapshot(step=self.step_count, epoch=0, epoch_fraction=0.0, status=status)]


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
    if report_s < step_s:
        # Cheap reports keep the full rate: about 30 a second of training.
        assert len(snaps) >= 0.9 * (clock.now - engine.report_time) * 30


def test_the_time_left_is_the_whole_sessions_pace() -> None:
    clock = FakeClock()
    engine = FakeEngine(clock, 1e-3, 0.05, steps=10_000)
    shown = []
    for batch in drive(engine, None, 0, 1 / 30, clock=clock):
        snap = batch[0]
        shown.append((clock.now, snap.step, snap.eta_seconds))
    total = clock.now
    for now, step, eta in shown:
        if step >= 1000 and step < engine.total_steps:
            real_left = total - now
            assert math.isfinite(eta) and abs(eta - real_left) <= 0.2 * real_left, (step, eta)
