"""Metric curves: bounded memory, bounded files, first and last points kept, exact round trips."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nnstudio.core.errors import ProjectFileError
from nnstudio.core.history import (
    BATCH_LOSS,
    LEARNING_RATE,
    MAX_SAVED_POINTS,
    TRAIN_LOSS,
    VAL_ACCURACY,
    VAL_LOSS,
    History,
    Series,
    evenly_spaced,
)


def record(h: History, step: int, losses: list[float], **values: float) -> None:
    h.record(step, np.asarray(losses, dtype=np.float32), values)


def test_evenly_spaced_keeps_ends_and_count() -> None:
    idx = evenly_spaced(100_001, 5000)
    assert idx[0] == 0 and idx[-1] == 100_000
    assert len(idx) == 5000 and np.all(np.diff(idx) > 0)
    assert list(evenly_spaced(3, 10)) == [0, 1, 2]


@pytest.mark.parametrize("chunk", [1, 7, 1000, 50_000])
def test_series_memory_stays_bounded_and_keeps_first_and_latest(chunk: int) -> None:
    series = Series("s", cap=100)
    total = 123_457
    xs = np.arange(total, dtype=np.float64)
    for start in range(0, total, chunk):
        if chunk == 1:
            series.append(xs[start], -xs[start])
        else:
            series.extend(xs[start : start + chunk], -xs[start : start + chunk])
        assert len(series._x) <= 100
    x, y = series.points()
    assert x[0] == 0 and x[-1] == total - 1 and y[-1] == -(total - 1)
    assert 50 <= len(x) <= 101
    gaps = np.diff(x[:-1])
    assert np.all(gaps == gaps[0]), "kept points are evenly strided"


def test_extend_matches_append() -> None:
    a, b = Series("a", cap=64), Series("b", cap=64)
    values = np.random.default_rng(0).normal(size=5000)
    for i, v in enumerate(values):
        a.append(i, v)
    for start in range(0, 5000, 37):
        b.extend(np.arange(start, min(start + 37, 5000)), values[start : start + 37])
    assert a.points() == b.points()


def test_record_fills_series() -> None:
    h = History()
    record(h, 3, [1.0, 0.9, 0.8], train_loss=0.7, val_loss=0.75, learning_rate=0.1)
    record(
        h,
        5,
        [0.6, math.inf],
        train_loss=0.5,
        val_loss=math.nan,
        val_accuracy=0.9,
        learning_rate=0.05,
    )
    assert h.get(BATCH_LOSS).points()[0] == [1, 2, 3, 4, 5]
    assert math.isinf(h.get(BATCH_LOSS).points()[1][-1])
    assert h.get(TRAIN_LOSS).points() == ([3, 5], [0.7, 0.5])
    assert h.get(VAL_LOSS).points() == ([3], [0.75])  # NaN val loss at step 5 is "not measured"
    assert h.get(VAL_ACCURACY).points() == ([5], [0.9])
    assert h.get(LEARNING_RATE).points() == ([3, 5], [0.1, 0.05])
    assert h.last_step == 5


def test_pause_report_does_not_duplicate_and_continued_steps_extend() -> None:
    h = History()
    record(h, 10, [0.5] * 10, train_loss=0.5)
    record(h, 10, [], train_loss=0.5)  # a pause report at the same step
    assert h.get(TRAIN_LOSS).points() == ([10], [0.5])
    record(h, 12, [0.4, 0.3], train_loss=0.3)  # a continued run reports whole-run steps
    assert h.get(TRAIN_LOSS).points()[0] == [10, 12]
    assert h.get(BATCH_LOSS).points()[0][-2:] == [11, 12]
    h.clear()
    assert h.to_dict()["series"] == {} and h.last_step == 0


def test_to_dict_is_bounded_json_and_round_trips_exactly() -> None:
    h = History()
    for i in range(40):
        losses = np.linspace(1, 0.1, 1000) / (i + 1)
        record(h, (i + 1) * 1000, list(losses), train_loss=float(losses[-1]))
    h.append("custom/grad_n2", 40_000, float("nan"))
    data = h.to_dict()
    text = json.dumps(data, allow_nan=False)  # strict JSON: NaN became null
    series = data["series"][BATCH_LOSS]
    assert len(series["x"]) == MAX_SAVED_POINTS
    assert series["x"][0] == 1 and series["x"][-1] == 40_000
    assert data["series"]["custom/grad_n2"]["y"] == [None]
    again = History.from_dict(json.loads(text))
    assert again.to_dict() == data
    assert again == History.from_dict(again.to_dict())
    assert again.last_step == 40_000
    assert again.thinned(100).get(BATCH_LOSS).points()[0][-1] == 40_000


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        ([], "not a JSON object"),
        ({"series": {}}, "version"),
        ({"version": 7, "series": {}}, "version 7"),
        ({"version": 1, "series": []}, "'series'"),
        ({"version": 1, "last_step": -1, "series": {}}, "last_step"),
        ({"version": 1, "series": {"a": {"x": [1], "y": []}}}, "same length"),
        ({"version": 1, "series": {"a": {"x": ["1"], "y": [1]}}}, "str where numbers"),
        ({"version": 1, "series": {"a": {"x": [True], "y": [1]}}}, "bool where numbers"),
        ({"version": 1, "series": {"a": {"x": [10**400], "y": [1]}}}, "too large"),
        ({"version": 1, "series": {"": {"x": [], "y": []}}}, "name"),
        ({"version": 1, "series": {"a": {"x": [0] * 100_001, "y": [0] * 100_001}}}, "points"),
    ],
)
def test_from_dict_refuses_damage(data: object, phrase: str) -> None:
    with pytest.raises(ProjectFileError, match="history") as info:
        History.from_dict(data)
    assert phrase in str(info.value)


def test_long_file_series_is_thinned_to_memory_cap() -> None:
    n = 50_000
    h = History.from_dict({"version": 1, "series": {"a": {"x": list(range(n)), "y": [0] * n}}})
    x, _ = h.get("a").points()
    assert len(x) == h.cap and x[0] == 0 and x[-1] == n - 1
