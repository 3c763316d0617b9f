"""Learning-rate schedules, declared once, as pure functions of the step.

No torch here: the settings panel draws the curve with `preview` before training starts,
and the trainer sets each step's rate from `learning_rate`, so both show the same numbers.

A step is one weight update, counted from 0. An optional linear warm-up comes first: the
rate climbs from almost 0 to where the schedule starts; the schedule then runs over the
steps that are left. Epoch-based settings (step decay, cyclic) count epochs from the end
of the warm-up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.params import ParamSpec
from nnstudio.core.registry import Registry

ScheduleFn = Callable[[int, int, float, Mapping[str, Any], int], float]
"""(step after warm-up, steps after warm-up, base rate, settings, steps per epoch) -> rate."""


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    display_name: str
    help: str
    rate: ScheduleFn
    uses: tuple[str, ...] = ()
    """The training settings this schedule reads: the panel shows only these for it."""


# -- the settings the schedules read (listed in TRAINING_PARAMS) -------------------------

SCHEDULE_PARAMS = (
    ParamSpec(
        "warmup_steps",
        "int",
        0,
        "Start with a tiny learning rate and raise it in a straight line over this many "
        "steps, so the first, wild gradients cannot throw the weights far. Works with any "
        "schedule; 0 turns it off.",
        label="Warm-up steps",
        minimum=0,
        maximum=1_000_000,
        special_value_text="Off",
    ),
    ParamSpec(
        "lr_floor",
        "float",
        0.01,
        "The lowest learning rate the schedule reaches, as a share of the base rate: where "
        "cosine ends, where cyclic bottoms out and where one-cycle starts.",
        label="Lowest rate (share)",
        minimum=0.0,
        maximum=1.0,
        step=0.01,
        decimals=4,
    ),
    ParamSpec(
        "decay_every",
        "int",
        10,
        "Step decay: how many epochs pass between two cuts of the learning rate.",
        label="Decay every (epochs)",
        minimum=1,
        maximum=1_000_000,
    ),
    ParamSpec(
        "decay_factor",
        "float",
        0.5,
        "Step decay: the learning rate is multiplied by this at each cut.",
        label="Decay factor",
        minimum=0.001,
        maximum=1.0,
        step=0.05,
    ),
    ParamSpec(
        "cycle_epochs",
        "int",
        10,
        "Cyclic: how many epochs one full rise and fall of the learning rate takes.",
        label="Cycle length (epochs)",
        minimum=1,
        maximum=1_000_000,
    ),
    ParamSpec(
        "peak_at",
        "float",
        0.3,
        "One-cycle: how far into training the learning rate peaks, as a share of all steps.",
        label="Peak at (share)",
        minimum=0.01,
        maximum=0.99,
        step=0.05,
        decimals=2,
    ),
)
"""`lr_schedule` (the choice) is declared in settings.py, next to the other settings."""

ONE_CYCLE_END_DIVISOR = 100.0
"""One-cycle ends this many times below where it started: the final cool-down."""


def _cosine_between(fraction: float, high: float, low: float) -> float:
    """Half a cosine wave from `high` (fraction 0) down to `low` (fraction 1)."""
    return low + (high - low) * 0.5 * (1.0 + math.cos(math.pi * min(max(fraction, 0.0), 1.0)))


def _constant(_s: int, _n: int, base: float, _p: Mapping[str, Any], _spe: int) -> float:
    return base


def _step_decay(s: int, _n: int, base: float, p: Mapping[str, Any], spe: int) -> float:
    cuts = s // (max(spe, 1) * p["decay_every"])
    return base * p["decay_factor"] ** cuts


def _cosine(s: int, n: int, base: float, p: Mapping[str, Any], _spe: int) -> float:
    return _cosine_between(s / max(n - 1, 1), base, base * p["lr_floor"])


def _one_cycle_peak(steps: int, peak_at: float) -> int:
    """The step (after warm-up) where one-cycle reaches the base rate."""
    return max(round(peak_at * (steps - 1)), 1)


def _one_cycle(s: int, n: int, base: float, p: Mapping[str, Any], _spe: int) -> float:
    start = base * p["lr_floor"]
    peak = _one_cycle_peak(n, p["peak_at"])
    if s < peak:
        return start + (base - start) * s / peak
    return _cosine_between((s - peak) / max(n - 1 - peak, 1), base, start / ONE_CYCLE_END_DIVISOR)


def _cyclic(s: int, _n: int, base: float, p: Mapping[str, Any], spe: int) -> float:
    low = base * p["lr_floor"]
    period = max(spe, 1) * p["cycle_epochs"]
    phase = (s % period) / period  # 0 .. 1 over one cycle
    triangle = 1.0 - abs(2.0 * phase - 1.0)  # 0 -> 1 -> 0
    return low + (base - low) * triangle


SCHEDULES: Registry[ScheduleSpec] = Registry("learning-rate schedule")
for _spec in (
    ScheduleSpec(
        "constant",
        "Constant",
        "The learning rate stays the same for the whole run.",
        _constant,
    ),
    ScheduleSpec(
        "step",
        "Step decay",
        "The learning rate is cut by a fixed factor every few epochs: big steps early, "
        "fine steps late.",
        _step_decay,
        ("decay_every", "decay_factor"),
    ),
    ScheduleSpec(
        "cosine",
        "Cosine decay",
        "The learning rate glides down along half a cosine wave, from the base rate to the "
        "lowest rate at the last step.",
        _cosine,
        ("lr_floor",),
    ),
    ScheduleSpec(
        "one_cycle",
        "One-cycle",
        "The learning rate climbs from the lowest rate to the base rate, then glides down to "
        "far below where it started. Often trains fast.",
        _one_cycle,
        ("lr_floor", "peak_at"),
    ),
    ScheduleSpec(
        "cyclic",
        "Cyclic",
        "The learning rate rises and falls in a straight line between the lowest and the base "
        "rate, again and again, which can shake training out of flat spots.",
        _cyclic,
        ("lr_floor", "cycle_epochs"),
    ),
):
    SCHEDULES.register(_spec)


def learning_rate(
    step: int,
    total_steps: int,
    base_lr: float,
    values: Mapping[str, Any],
    steps_per_epoch: int = 1,
) -> float:
    """The learning rate of update number `step` (from 0) in a run of `total_steps` updates.

    `values` holds the resolved training settings (`lr_schedule`, `warmup_steps` and the
    settings in SCHEDULE_PARAMS); a TrainingSettings' `.values` fits.
    """
    spec = SCHEDULES.get(values.get("lr_schedule", "constant"))
    return with_warmup(spec.rate, step, total_steps, base_lr, values, steps_per_epoch)


def with_warmup(
    rate: ScheduleFn,
    step: int,
    total_steps: int,
    base_lr: float,
    values: Mapping[str, Any],
    steps_per_epoch: int,
) -> float:
    """`rate` behind the linear warm-up: exported training scripts carry a copy of this."""
    warmup = min(int(values.get("warmup_steps", 0)), max(total_steps - 1, 0))
    remaining = max(total_steps - warmup, 1)
    if step < warmup:
        start = rate(0, remaining, base_lr, values, steps_per_epoch)
        return start * (step + 1) / (warmup + 1)
    return rate(step - warmup, remaining, base_lr, values, steps_per_epoch)


def is_constant(values: Mapping[str, Any]) -> bool:
    """Whether the rate never moves, so the trainer can skip setting it each step."""
    return values.get("lr_schedule", "constant") == "constant" and not values.get("warmup_steps")


def preview(
    settings: Any,
    total_steps: int,
    points: int = 200,
    steps_per_epoch: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(steps, rates) sampled evenly over a run, for drawing the schedule before training.

    `settings` is a TrainingSettings or a mapping of its values; the base rate is its
    `learning_rate`. Steps are whole update numbers, the first and last always included.
    """
    values: Mapping[str, Any] = settings if isinstance(settings, Mapping) else settings.values
    total = max(int(total_steps), 1)
    count = max(min(int(points), total), 2 if total > 1 else 1)
    even = np.linspace(0, total - 1, count).round().astype(np.int64)
    even = np.concatenate((even, _corners(values, total, steps_per_epoch, count)))
    steps = np.unique(np.clip(even, 0, total - 1))
    base = float(values["learning_rate"])
    rates = np.array(
        [learning_rate(int(s), total, base, values, steps_per_epoch) for s in steps],
        dtype=np.float64,
    )
    return steps, rates


def _corners(values: Mapping[str, Any], total: int, steps_per_epoch: int, limit: int) -> np.ndarray:
    """Steps where the curve bends or jumps, so even sampling cannot miss a peak or a cut.

    Returns nothing beyond the warm-up's end when there are more than `limit` of them: so
    many corners are too close together to draw apart anyway.
    """
    name = values.get("lr_schedule", "constant")
    warmup = min(int(values.get("warmup_steps", 0)), max(total - 1, 0))
    spe = max(int(steps_per_epoch), 1)
    marks = [warmup - 1, warmup]
    if name == "one_cycle":
        marks.append(warmup + _one_cycle_peak(total - warmup, values["peak_at"]))
    period = 0.0
    if name == "step":
        period = float(spe * values["decay_every"])
    elif name == "cyclic":
        period = spe * values["cycle_epochs"] / 2
    if period and (total - warmup) / period <= limit:
        cuts = np.round(warmup + np.arange(0.0, total - warmup, period)).astype(np.int64)
        return np.concatenate((np.array(marks, dtype=np.int64), cuts - 1, cuts))
    return np.array(marks, dtype=np.int64)
