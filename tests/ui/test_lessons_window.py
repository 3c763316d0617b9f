"""A lesson in the window: open it from Help → Lessons, run it to the end, read the check."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(make_window):
    window = make_window("xor_mlp")
    yield window
    window.training.controller.shutdown(3000)


def test_help_lessons_runs_a_lesson_and_shows_its_check(qtbot, window):
    action = window.lessons.action
    action.trigger()
    dialog = window.lessons.dialog
    assert dialog is not None and dialog.isVisible()
    runner = dialog.runner
    runner.select("initialization")
    assert "zero" in runner.page.toPlainText().lower()
    with qtbot.waitSignal(runner.checked, timeout=60000) as blocker:
        assert runner.run_selected()
        assert window.document.project.title == "Initialization"
    verdict = blocker.args[0]
    assert verdict.held, verdict.message
    assert runner.result.text().startswith("The claim held.")
    assert "Xavier reached" in runner.result.text()
    runs = window.document.runs.runs
    assert [r.status for r in runs] == ["finished"] * 3
    assert "The claim held" in window.status_text()


def test_the_dead_units_panel_fills_during_a_lesson(qtbot, window):
    window.lessons.open("dead_relu")
    runner = window.lessons.dialog.runner
    with qtbot.waitSignal(runner.checked, timeout=60000):
        runner.run_selected()
    panel = window.training.dashboard.dead_units
    assert panel.points, "the followed run's ReLU layers were measured"
    histograms = window.training.dashboard.histograms
    assert histograms.store and histograms.layer_box.count() > 0


def test_dead_relu_lesson_pins_a_dead_badge_on_the_relu_nodes(qtbot, window):
    window.lessons.open("dead_relu")
    runner = window.lessons.dialog.runner
    with qtbot.waitSignal(runner.checked, timeout=60000):
        runner.run_selected()
    graph = window.document.graph
    relus = [n for n in graph.nodes if graph.nodes[n].type == "relu"]
    badges = [getattr(window.scene.nodes[n], "badge", None) for n in relus]
    # The badges show the followed run's (the first arm, large steps) final shares.
    final = window.training.dashboard.dead_units.latest
    assert any(b is not None and b.text for b in badges), "no badge was pinned"
    for node_id, badge in zip(relus, badges, strict=True):
        expected = f"{100 * final[node_id]:.0f} % dead" if final[node_id] >= 0.005 else ""
        assert (badge.text if badge is not None else "") == expected


def test_a_new_empty_window_opens_on_the_lessons_until_turned_off(qtbot, monkeypatch):
    from nnstudio.ui.app import open_main_window
    from nnstudio.ui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "offer_recovery", lambda self: False)
    monkeypatch.setattr(MainWindow, "start_background_tasks", lambda self: None)
    window = open_main_window(None)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.lessons.dialog is not None, timeout=10_000)
    dialog = window.lessons.dialog
    assert dialog.isVisible()
    dialog.start_box.setChecked(False)
    dialog.close()
    second = open_main_window(None)
    qtbot.addWidget(second)
    qtbot.waitUntil(lambda: second._first_paint.done, timeout=10_000)
    qtbot.wait(200)  # the start page would open on the event loop's next turn
    assert second.lessons.dialog is None, "turned off: the next window opens on the editor"
