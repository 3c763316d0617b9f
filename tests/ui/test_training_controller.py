"""The training controller, worker thread and live panels, driven like the GUI drives them."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.templates import TEMPLATES
from nnstudio.ui.panels.host import PanelHost
from nnstudio.ui.threads import running_qthreads
from nnstudio.ui.training.controller import IDLE, PAUSED, RUNNING, TrainingController
from nnstudio.ui.training.dashboard import TrainingDashboard


@pytest.fixture
def rig(qtbot):
    dashboard = TrainingDashboard()
    qtbot.addWidget(dashboard)
    dashboard.resize(1000, 700)
    dashboard.show()
    controller = TrainingController()
    host = PanelHost(controller, dashboard.panels)
    yield controller, dashboard, host
    controller.shutdown(2000)
    qtbot.waitUntil(lambda: not running_qthreads(), timeout=3000)


def spiral(**changes):
    project = TEMPLATES.get("spiral_mlp").build()
    if changes:
        project.training = project.training.replace(**changes)
    return project


def test_training_fills_curves_and_changes_the_boundary(qtbot, rig):
    controller, dashboard, host = rig
    boundaries = []

    def keep(snap):
        if snap.boundary is not None:
            boundaries.append((snap.step, snap.boundary.values.copy()))

    controller.snapshot.connect(keep)
    controller.start(spiral(epochs=2000))
    # Wait for a boundary drawn a few hundred steps after the first one, so it must differ.
    qtbot.waitUntil(
        lambda: len(boundaries) >= 2 and boundaries[-1][0] >= boundaries[0][0] + 300,
        timeout=30000,
    )
    controller.stop()
    with qtbot.waitSignal(controller.run_finished, timeout=5000):
        pass
    for name in ("train_loss", "batch_loss", "val_accuracy"):
        xs, ys = dashboard.loss.points(name)
        assert len(xs) > 0 and np.isfinite(ys).all(), name
    drawn_x, _ = dashboard.loss.curves["train_loss"].getData()
    assert drawn_x is not None and len(drawn_x) == len(host.history.get("train_loss"))
    assert not np.allclose(boundaries[0][1], boundaries[-1][1])
    assert dashboard.boundary.last_values is not None
    assert dashboard.gradients.columns > 0
    assert dashboard.weights.weights, "weight heatmap got no weights"
    assert controller.state == IDLE


def test_pause_stops_the_step_counter_and_step_advances_exactly_one(qtbot, rig):
    controller, _dashboard, _host = rig
    controller.start(spiral(epochs=500))
    qtbot.waitUntil(lambda: controller.last_snapshot is not None, timeout=30000)
    with qtbot.waitSignal(
        controller.snapshot, timeout=5000, check_params_cb=lambda s: s.status == "paused"
    ):
        controller.pause()
    assert controller.state == PAUSED
    paused_at = controller.last_snapshot.step
    with qtbot.assertNotEmitted(controller.snapshot, wait=400):
        pass
    assert controller.last_snapshot.step == paused_at
    with qtbot.waitSignal(controller.snapshot, timeout=5000):
        controller.step()
    assert controller.last_snapshot.step == paused_at + 1
    assert controller.last_snapshot.status == "paused"
    with qtbot.waitSignal(controller.snapshot, timeout=5000):
        controller.step()
    assert controller.last_snapshot.step == paused_at + 2
    with qtbot.waitSignal(controller.state_changed, timeout=5000):
        controller.resume()
    assert controller.state == RUNNING


def test_stop_ends_the_thread_and_keeps_the_weights(qtbot, rig):
    controller, _dashboard, _host = rig
    controller.start(spiral(epochs=500))
    qtbot.waitUntil(lambda: controller.last_snapshot is not None, timeout=30000)
    with qtbot.waitSignal(controller.run_finished, timeout=5000) as blocker:
        controller.stop()
    assert blocker.args[0].status == "stopped"
    assert not running_qthreads()
    assert controller.trained_state is not None
    # Training again continues the same run: the step counter carries on from where it stopped.
    run = controller.current_run
    stopped_at = controller.last_snapshot.step
    assert run.steps_done == stopped_at and run.status == "stopped"
    controller.start(spiral(epochs=500))
    assert controller.current_run is run, "nothing needed fresh weights, so the run continues"
    qtbot.waitUntil(
        lambda: controller.last_snapshot is not None and controller.last_snapshot.step > stopped_at,
        timeout=30000,
    )
    assert controller.last_snapshot.total_epochs == 500, "a stopped run resumes its plan"
    controller.stop()
    with qtbot.waitSignal(controller.run_finished, timeout=5000):
        pass
    controller.reset()
    assert controller.trained_state is None and controller.current_run is None
    assert len(controller.book.runs) == 1 and run.weights is not None, "the run is kept"


def test_a_failing_run_reports_its_message_and_leaves_the_controller_usable(qtbot, rig):
    controller, _dashboard, _host = rig
    with qtbot.waitSignal(controller.failed, timeout=30000) as blocker:
        controller.start(spiral(device="cuda"))
    assert "CUDA" in blocker.args[0]
    qtbot.waitUntil(lambda: controller.state == IDLE, timeout=5000)
    with qtbot.waitSignal(controller.run_finished, timeout=30000):
        controller.start(spiral(epochs=1))
    assert controller.last_snapshot.status == "finished"


def test_shutdown_mid_run_ends_the_thread_within_a_second(qtbot, rig):
    controller, _dashboard, _host = rig
    controller.start(spiral(epochs=500))
    qtbot.waitUntil(lambda: controller.last_snapshot is not None, timeout=30000)
    assert controller.shutdown(1000)
    assert not running_qthreads()


def test_panels_behind_a_tab_are_not_redrawn_until_shown(qtbot, rig):
    controller, dashboard, host = rig
    redraws = {"lr": 0}
    original = dashboard.learning_rate.redraw

    def counting():
        redraws["lr"] += 1
        original()

    dashboard.learning_rate.redraw = counting
    dashboard.docks["Weights"].raise_()
    assert not dashboard.learning_rate.is_shown()
    controller.start(spiral(epochs=2000))
    qtbot.waitUntil(lambda: host.frames >= 1, timeout=30000)
    redraws["lr"] = 0  # clearing the panels at the start of a run redraws them once
    qtbot.waitUntil(lambda: host.frames >= 8, timeout=30000)
    hidden_redraws = redraws["lr"]
    with qtbot.waitSignal(controller.run_finished, timeout=5000):
        controller.stop()
    assert hidden_redraws == 0, "a panel behind another tab was redrawn"
    dashboard.docks["Learning rate"].raise_()
    qtbot.waitUntil(lambda: redraws["lr"] > 0, timeout=3000)
