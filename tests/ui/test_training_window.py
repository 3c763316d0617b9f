"""Live training from the main window: the toolbar, the lock, closing, saving and reopening."""

from __future__ import annotations

import time

import pytest

from nnstudio.core.project_files import load_project
from nnstudio.ui.threads import running_qthreads
from nnstudio.ui.training.controller import IDLE


@pytest.fixture
def spiral_window(make_window):
    window = make_window("spiral_mlp")
    yield window
    window.training.controller.shutdown(3000)


def long_run(window) -> None:
    """Make the run last long enough that a test can act on it before it ends by itself."""
    project = window.document.project
    project.training = project.training.replace(epochs=5000)


def test_pressing_train_on_the_spiral_template_reaches_095_test_accuracy(qtbot, spiral_window):
    training = spiral_window.training
    started = time.perf_counter()
    with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
        training.actions.train.trigger()
    assert training.tabs.currentIndex() == 1, "the Training tab opens when a run starts"
    with qtbot.waitSignal(training.controller.evaluated, timeout=30000) as blocker:
        training.actions.evaluate.trigger()
    elapsed = time.perf_counter() - started
    split, _loss, accuracy = blocker.args
    assert split == "test"
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f}"
    assert elapsed < 60, f"took {elapsed:.1f} s"
    assert spiral_window.isWindowModified(), "trained weights are unsaved work"


def test_editing_is_locked_while_training_and_unlocked_by_stop(qtbot, spiral_window):
    training = spiral_window.training
    long_run(spiral_window)
    graph = spiral_window.document.graph
    before = set(graph.nodes)
    training.actions.train.trigger()
    qtbot.waitUntil(lambda: training.controller.last_snapshot is not None, timeout=30000)
    assert spiral_window.editing_locked
    assert training.banner.isVisible() is False or training.tabs.currentIndex() == 1
    assert not spiral_window.palette.isEnabled()
    spiral_window.add_layer_at_centre("relu")
    assert set(graph.nodes) == before, "an edit slipped through while training"
    with qtbot.waitSignal(training.controller.run_finished, timeout=5000):
        training.actions.stop.trigger()
    assert not spiral_window.editing_locked
    spiral_window.add_layer_at_centre("relu")
    assert len(graph.nodes) == len(before) + 1


def test_closing_the_window_mid_run_stops_the_thread_within_a_second(qtbot, spiral_window):
    training = spiral_window.training
    long_run(spiral_window)
    training.actions.train.trigger()
    qtbot.waitUntil(lambda: training.controller.last_snapshot is not None, timeout=30000)
    started = time.perf_counter()
    spiral_window.close()
    assert time.perf_counter() - started < 1.0
    assert not running_qthreads()


def test_saved_training_reopens_with_weights_and_curves(
    qtbot, tmp_path, spiral_window, make_window
):
    training = spiral_window.training
    project = spiral_window.document.project
    project.training = project.training.replace(epochs=3)
    with qtbot.waitSignal(training.controller.run_finished, timeout=30000):
        training.actions.train.trigger()
    steps = training.controller.last_snapshot.step
    path = tmp_path / "spiral.nnstudio"
    assert spiral_window.save_as(path)
    loaded = load_project(path)
    assert loaded.weights is not None and loaded.history is not None
    assert loaded.history.last_step == steps

    other = make_window()
    assert other.open_file(path)
    other.training.ensure_dashboard()
    assert other.training.controller.trained_state is not None
    xs, _ys = other.training.dashboard.loss.points("train_loss")
    assert len(xs) and xs[-1] == steps
    # Training continues after the saved steps.
    other.document.project.training = other.document.project.training.replace(epochs=1)
    with qtbot.waitSignal(other.training.controller.run_finished, timeout=30000):
        other.training.actions.train.trigger()
    assert other.training.controller.last_snapshot.step > steps
    assert other.training.controller.state == IDLE


def test_closing_mid_run_keeps_the_weights_and_asks_to_save(qtbot, spiral_window):
    training = spiral_window.training
    long_run(spiral_window)
    asked = []
    spiral_window.ask_unsaved = lambda: asked.append(True) or "cancel"
    training.actions.train.trigger()
    qtbot.waitUntil(lambda: training.controller.last_snapshot is not None, timeout=30000)
    assert not spiral_window.close(), "Cancel keeps the window open"
    assert asked, "closing with freshly trained weights must ask about saving them"
    assert training.controller.trained_state is not None
    assert training.controller.state == IDLE and not running_qthreads()
