"""Torch threads chosen by measuring real training steps (fake clock, fake speeds)."""

from __future__ import annotations

from nnstudio.training.thread_tuning import ThreadTuner


def trial(speeds: dict[int, float], slow_start_s: float = 0.0) -> ThreadTuner:
    """Feed reports every 0.1 s of fake time at the speed of the current thread count; for
    the first `slow_start_s` everything runs at a fifth of its speed (a window still busy
    drawing, memory touched for the first time)."""
    now = [0.0]
    set_to: list[int] = []
    tuner = ThreadTuner(list(speeds), set_to.append, window_s=0.5, clock=lambda: now[0])
    step = 0.0
    for _ in range(100):
        now[0] += 0.1
        slow = 0.2 if now[0] <= slow_start_s else 1.0
        step += speeds[tuner.current] * 0.1 * slow
        tuner.observe(int(step))
    assert set_to[-1] == tuner.chosen, "the chosen count is the one in force"
    return tuner


def test_keeps_the_faster_thread_count() -> None:
    assert trial({1: 3000.0, 2: 400.0}).chosen == 1, "a tiny model: one thread"
    assert trial({1: 100.0, 2: 180.0}).chosen == 2, "a big convolution: both cores"
    tuner = trial({1: 100.0, 2: 180.0})
    assert set(tuner.rates) == {1, 2} and "measured" in tuner.describe()


def test_more_threads_must_win_clearly() -> None:
    """A tiny model runs the same code on 1 and 2 threads: a lead within the noise of a
    shared machine does not buy the second thread, a clear one does."""
    assert trial({1: 1864.0, 2: 2017.0}).chosen == 1
    assert trial({1: 205.0, 2: 390.0}).chosen == 2


def test_a_slow_start_does_not_decide() -> None:
    """One thread is faster, but the run's first 0.7 s are slow for whatever runs then."""
    tuner = trial({1: 3000.0, 2: 2000.0}, slow_start_s=0.7)
    assert tuner.chosen == 1, tuner.rates


def test_one_candidate_needs_no_trial() -> None:
    calls: list[int] = []
    tuner = ThreadTuner([2, 2], calls.append)
    assert tuner.chosen == 2 and calls == [2]
    tuner.observe(100)
    assert calls == [2]


def test_no_time_left_is_promised_while_thread_counts_are_timed() -> None:
    """A session with a tuner reports "estimating" (NaN) until the tuner has chosen, and a
    time left after that."""
    import math

    from nnstudio.core.run import Run
    from nnstudio.core.templates import TEMPLATES
    from nnstudio.training.session import TrainingSession

    project = TEMPLATES.get("spiral_mlp").build()
    project.training = project.training.replace(epochs=60, device="cpu")
    tuner = ThreadTuner([1, 2], lambda _n: None, window_s=0.05)
    session = TrainingSession([Run(project, id="r")], tuner=tuner)
    shown = [
        (tuner.chosen, snap.eta_seconds, snap.status)
        for reports in session.run()
        for snap in reports.values()
    ]
    before = [eta for chosen, eta, _s in shown if chosen is None]
    after = [eta for chosen, eta, status in shown if chosen is not None and status == "running"]
    assert before and all(math.isnan(eta) for eta in before)
    assert after and all(math.isfinite(eta) for eta in after)
