"""Learning-rate schedules: the curves, warm-up on top of each, the preview, and agreement
with torch's own schedulers where both define the same curve."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import torch

from nnstudio.core.schedules import (
    ONE_CYCLE_END_DIVISOR,
    SCHEDULE_PARAMS,
    SCHEDULES,
    is_constant,
    learning_rate,
    preview,
)
from nnstudio.core.settings import TRAINING_PARAMS, TrainingSettings

BASE = 0.1


def values(**changes: Any) -> dict[str, Any]:
    return TRAINING_PARAMS.resolve({"learning_rate": BASE, **changes}, "test")


def curve(total: int, spe: int = 1, **changes: Any) -> np.ndarray:
    v = values(**changes)
    return np.array([learning_rate(s, total, BASE, v, spe) for s in range(total)])


def test_declarations_are_complete_and_offered_in_the_settings() -> None:
    choice = TRAINING_PARAMS.get("lr_schedule")
    assert choice is not None and choice.choices == tuple(SCHEDULES.names())
    assert set(SCHEDULES.names()) == {"constant", "step", "cosine", "one_cycle", "cyclic"}
    for spec in SCHEDULES:
        assert spec.help.strip() and spec.display_name
        assert all(TRAINING_PARAMS.get(name) is not None for name in spec.uses)
    for param in SCHEDULE_PARAMS:
        assert TRAINING_PARAMS.get(param.name) is param and param.help.strip()


def test_constant() -> None:
    assert np.all(curve(50) == BASE)
    assert is_constant(values()) and not is_constant(values(warmup_steps=3))
    assert not is_constant(values(lr_schedule="cosine"))


def test_step_decay_cuts_every_few_epochs() -> None:
    lrs = curve(60, spe=5, lr_schedule="step", decay_every=3, decay_factor=0.5)
    # 3 epochs of 5 steps = 15 steps between cuts.
    np.testing.assert_allclose(
        lrs[[0, 14, 15, 29, 30, 59]], BASE * np.array([1, 1, 0.5, 0.5, 0.25, 0.125])
    )


def test_cosine_runs_from_base_to_floor_without_rising() -> None:
    lrs = curve(101, lr_schedule="cosine", lr_floor=0.1)
    assert lrs[0] == pytest.approx(BASE) and lrs[-1] == pytest.approx(BASE * 0.1)
    assert lrs[50] == pytest.approx(BASE * 0.55)  # halfway: halfway between
    assert np.all(np.diff(lrs) <= 1e-15)


def test_one_cycle_rises_to_the_base_then_ends_far_below_its_start() -> None:
    lrs = curve(101, lr_schedule="one_cycle", lr_floor=0.04, peak_at=0.3)
    assert lrs[0] == pytest.approx(BASE * 0.04)
    assert int(np.argmax(lrs)) == 30 and lrs[30] == pytest.approx(BASE)
    assert np.all(np.diff(lrs[:31]) > 0) and np.all(np.diff(lrs[30:]) < 0)
    assert lrs[-1] == pytest.approx(BASE * 0.04 / ONE_CYCLE_END_DIVISOR)


def test_cyclic_repeats_between_floor_and_base() -> None:
    lrs = curve(80, spe=2, lr_schedule="cyclic", lr_floor=0.2, cycle_epochs=10)
    period = 20
    np.testing.assert_allclose(lrs[:period], lrs[period : 2 * period])
    assert lrs[0] == pytest.approx(BASE * 0.2) and lrs[10] == pytest.approx(BASE)
    assert lrs.min() >= BASE * 0.2 - 1e-12 and lrs.max() <= BASE + 1e-12


@pytest.mark.parametrize("name", ["constant", "step", "cosine", "one_cycle", "cyclic"])
def test_warmup_combines_with_every_schedule(name: str) -> None:
    total, warmup = 100, 10
    plain = curve(total - warmup, lr_schedule=name)
    warmed = curve(total, lr_schedule=name, warmup_steps=warmup)
    # The warm-up climbs in a straight line to where the schedule starts ...
    ramp = warmed[: warmup + 1]
    np.testing.assert_allclose(np.diff(ramp), np.full(warmup, plain[0] / (warmup + 1)))
    assert warmed[0] == pytest.approx(plain[0] / (warmup + 1))
    # ... and the schedule then runs over the steps that are left.
    np.testing.assert_allclose(warmed[warmup:], plain)


def test_warmup_longer_than_the_run_still_ends_at_the_base() -> None:
    lrs = curve(5, warmup_steps=50)
    assert np.all(np.diff(lrs) > 0) and lrs[-1] == pytest.approx(BASE)


def _torch_curve(make, total: int) -> np.ndarray:
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=BASE)
    sched = make(opt)
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(lrs)


def test_agrees_with_torch_schedulers() -> None:
    total, spe = 60, 4
    ours = curve(total, spe, lr_schedule="step", decay_every=2, decay_factor=0.3)
    theirs = _torch_curve(lambda o: torch.optim.lr_scheduler.StepLR(o, 8, gamma=0.3), total)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)

    ours = curve(total, lr_schedule="cosine", lr_floor=0.05)
    theirs = _torch_curve(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, total - 1, eta_min=BASE * 0.05),
        total,
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)

    ours = curve(total, spe, lr_schedule="cyclic", lr_floor=0.1, cycle_epochs=3)
    theirs = _torch_curve(
        lambda o: torch.optim.lr_scheduler.CyclicLR(
            o, BASE * 0.1, BASE, step_size_up=6, cycle_momentum=False
        ),
        total,
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


# -- preview ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["constant", "step", "cosine", "one_cycle", "cyclic"])
def test_preview_samples_the_same_curve(name: str) -> None:
    settings = TrainingSettings({"learning_rate": BASE, "lr_schedule": name, "warmup_steps": 7})
    total, spe = 1000, 10
    steps, lrs = preview(settings, total, points=50, steps_per_epoch=spe)
    assert steps[0] == 0 and steps[-1] == total - 1
    assert np.all(np.diff(steps) > 0) and steps.dtype == np.int64
    assert len(steps) <= 50 + 2 * 50 + 3
    full = np.array([learning_rate(s, total, BASE, settings.values, spe) for s in range(total)])
    np.testing.assert_allclose(lrs, full[steps])
    # Peaks and cuts are sampled, not skipped over.
    assert lrs.max() == pytest.approx(full.max()) and lrs.min() == pytest.approx(full.min())


def test_preview_catches_each_step_decay_cut() -> None:
    v = values(lr_schedule="step", decay_every=1, decay_factor=0.5)
    steps, lrs = preview(v, 3000, points=20, steps_per_epoch=300)
    for cut in range(300, 3000, 300):
        assert cut - 1 in steps and cut in steps
    assert len(set(np.round(lrs / BASE, 9))) == 10


def test_preview_handles_tiny_runs_and_dense_cycles() -> None:
    steps, lrs = preview(values(), 1)
    assert steps.tolist() == [0] and lrs.tolist() == [BASE]
    steps, lrs = preview(values(lr_schedule="cyclic", cycle_epochs=1), 10**6, points=200)
    assert len(steps) <= 200 + 3 and np.all(lrs <= BASE)


def test_schedules_import_without_torch() -> None:
    code = "import sys, nnstudio.core.schedules as s; s.preview({'learning_rate': 0.1}, 10); "
    code += "assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
