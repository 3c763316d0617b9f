"""Issue 15 items 3 and 4: panels and the window keep usable sizes, across resets and scales."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from nnstudio.ui import settings_store

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")


def action_named(window, text: str):
    return next(a for a in window.panels_menu.actions() if a.text().replace("&", "") == text)


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_reset_training_layout_gives_every_panel_a_usable_size(qtbot, make_window, size):
    window = make_window("spiral_mlp")
    window.resize(*size)
    window.training.tabs.setCurrentIndex(1)
    dash = window.training.dashboard
    # The user squeezes the loss curves, then asks for the default layout back.
    dash.resizeDocks([dash.docks["Loss curves"]], [40], Qt.Orientation.Vertical)
    window.findChild(type(window.action_fit), "action_reset_panel_layout").trigger()
    qtbot.waitUntil(lambda: dash.docks["Loss curves"].height() > 200)
    for title in ("Loss curves", "Decision boundary", "Gradient magnitudes", "Weights"):
        dock = dash.docks[title]
        assert dock.isVisible(), title
        assert dock.height() >= 0.3 * dash.height(), (title, dock.height(), dash.height())
        assert dock.width() >= 0.4 * dash.width(), (title, dock.width(), dash.width())
    assert dash.docks["Loss curves"].height() > dash.docks["Gradient magnitudes"].height()


def test_a_closed_panel_comes_back_from_view_panels(qtbot, make_window):
    window = make_window("spiral_mlp")
    window.training.tabs.setCurrentIndex(1)
    dock = window.training.dashboard.docks["Loss curves"]
    dock.close()
    assert not dock.isVisible()
    action_named(window, "Loss curves").trigger()
    qtbot.waitUntil(dock.isVisible)  # shown and in front, not behind the Runs tab


def test_image_data_gives_the_boundarys_place_to_the_predictions(qtbot, make_window):
    window = make_window("spiral_mlp")
    window.training.tabs.setCurrentIndex(1)
    dash = window.training.dashboard
    images = SimpleNamespace(dataset=SimpleNamespace(points_train=None))
    dash.raise_fitting_view(images)
    assert not dash.docks["Decision boundary"].isVisible()
    qtbot.waitUntil(dash.docks["Predictions"].isVisible)
    dash.raise_fitting_view(SimpleNamespace(dataset=SimpleNamespace(points_train=[[0, 0]])))
    assert dash.docks["Decision boundary"].isVisible()


def squeeze_and_save(window, scale: float | None) -> None:
    window.resizeDocks([window.settings_dock], [40], Qt.Orientation.Horizontal)
    window.save_layout()
    if scale is not None:
        settings_store.app_settings().setValue("window/scale", scale)


def test_a_layout_saved_at_another_scale_is_not_restored(qtbot, make_window):
    first = make_window("spiral_mlp")
    squeeze_and_save(first, 2.0)
    second = make_window("spiral_mlp")
    qtbot.waitUntil(lambda: second.settings_dock.width() >= 260)


def test_collapsed_docks_get_their_default_size_back(qtbot, make_window):
    first = make_window("spiral_mlp")
    squeeze_and_save(first, None)  # same scale, but saved unusably small
    second = make_window("spiral_mlp")
    qtbot.waitUntil(lambda: second.settings_dock.width() >= 260)


def test_saved_geometry_that_does_not_fit_the_screen_is_dropped(qtbot, make_window):
    first = make_window("spiral_mlp")
    area = first.screen().availableGeometry()
    first.resize(area.width() * 3, area.height() * 3)
    first.save_layout()
    from nnstudio.ui.main_window import MainWindow

    second = MainWindow(None)
    qtbot.addWidget(second)
    assert second.width() <= area.width() and second.height() <= area.height()


def test_reset_window_layout(qtbot, make_window):
    window = make_window("spiral_mlp")
    window.resizeDocks([window.settings_dock], [40], Qt.Orientation.Horizontal)
    window.palette_dock.setFloating(True)
    window.problems_dock.close()
    action = window.findChild(type(window.action_fit), "action_reset_window_layout")
    assert action is not None and action in window.view_menu.actions()
    action.trigger()
    qtbot.waitUntil(lambda: window.settings_dock.width() >= 260)
    assert not window.palette_dock.isFloating() and window.problems_dock.isVisible()
    assert all(d.isVisible() for d in window.findChildren(QDockWidget) if d.parent() is window)


def test_the_window_fits_a_1600x1000_screen_at_scale_2(qtbot, make_window):
    """At scale 2 such a screen offers 800×500 logical pixels: no view may need more."""
    window = make_window("spiral_mlp")
    for tab in (0, 1):
        window.training.tabs.setCurrentIndex(tab)
        qtbot.wait(10)
        need = window.minimumSizeHint()
        assert need.width() <= 800 and need.height() <= 470, (tab, need)


def test_panel_sizes_do_not_drift_between_runs(qtbot, make_window):
    window = make_window("spiral_mlp")
    project = window.document.project
    project.training = project.training.replace(epochs=1)
    training = window.training

    def run_once() -> dict[str, tuple[int, int]]:
        with qtbot.waitSignal(training.controller.run_finished, timeout=60000):
            training.actions.train.trigger()
        qtbot.wait(100)  # let the dock layout settle
        dash = training.dashboard
        main = ("Loss curves", "Decision boundary", "Gradient magnitudes", "Weights")
        return {t: (dash.docks[t].width(), dash.docks[t].height()) for t in main}

    first = run_once()
    training.tabs.setCurrentIndex(0)
    second = run_once()
    training.tabs.setCurrentIndex(0)
    third = run_once()
    assert second == first and third == first
    training.controller.shutdown(3000)


def shown_panels(dash) -> list:
    return [panel for panel in dash.panels if panel.is_shown()]


@pytest.mark.parametrize(
    "size",
    [(1280, 800), (1600, 1000), (800, 500)],
    ids=["1280x800", "1600x1000", "scale-2-on-1600x1000"],
)
def test_after_reset_every_panel_in_view_has_a_usable_plot(qtbot, make_window, size):
    """At scale 2 a 1600×1000 screen offers 800×500 logical px: a 2 × 2 grid of panels
    there leaves plots 60 px tall, so the panels that do not fit become tabs."""
    from nnstudio.ui.training.dashboard import MIN_PLOT

    window = make_window("spiral_mlp")
    window.resize(*size)
    window.training.tabs.setCurrentIndex(1)
    dash = window.training.dashboard
    qtbot.waitUntil(lambda: dash.isVisible() and dash.width() > 0)
    window.findChild(type(window.action_fit), "action_reset_panel_layout").trigger()

    def usable() -> bool:
        panels = shown_panels(dash)
        return len(panels) >= 2 and all(
            p.stack.width() >= MIN_PLOT[0] and p.stack.height() >= MIN_PLOT[1] for p in panels
        )

    qtbot.waitUntil(usable)
    for panel in shown_panels(dash):
        assert panel.stack.width() >= MIN_PLOT[0], (panel.title, panel.stack.size())
        assert panel.stack.height() >= MIN_PLOT[1], (panel.title, panel.stack.size())
    # Every panel is still one click away: docked, shown, a tab if not in front.
    for title, dock in dash.docks.items():
        assert not dock.isFloating() and not dock.isHidden(), title
    # The loss curves and the boundary stay in front.
    assert {p.title for p in shown_panels(dash)} >= {"Loss curves", "Decision boundary"}
