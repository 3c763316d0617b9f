"""Issue 15 item 11: the Experiment panel keeps its scroll position (and the keyboard focus)
when its forms are rebuilt: another dataset, optimizer or project, or an undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.editor_helpers import choose
from tests.ui.test_editor_settings import type_into

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")


def scroll_panel(qtbot, panel, notches: int) -> None:
    """Turn the mouse wheel over the panel, as the user scrolls it."""
    viewport = panel.viewport()
    at = QPoint(viewport.width() - 4, viewport.height() // 2)  # the margin, not a field
    for _ in range(abs(notches)):
        event = QWheelEvent(
            at,
            viewport.mapToGlobal(at),
            QPoint(0, 0),
            QPoint(0, -120 if notches > 0 else 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(viewport, event)
    qtbot.wait(50)


def field(panel, name: str) -> QWidget:
    return panel.findChild(QWidget, name)


def panel_has_focus(panel) -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and (focus is panel or panel.isAncestorOf(focus))


def test_a_new_template_keeps_the_place_while_a_dataset_field_has_focus(make_window, qtbot):
    window = make_window("spiral_mlp")
    panel = window.settings_panel
    bar = panel.verticalScrollBar()
    noise = field(panel, "param_noise")
    qtbot.mouseClick(noise.lineEdit(), Qt.MouseButton.LeftButton)
    type_into(qtbot, noise, "0.2")
    place = bar.value()
    # File → New from Template: every form is rebuilt for the digits data.
    window.findChild(type(window.action_new), "template_digits_cnn").trigger()
    qtbot.wait(50)
    assert bar.value() == place
    assert panel_has_focus(panel)


def test_undoing_an_optimizer_change_keeps_the_place_and_the_focus(make_window, qtbot):
    window = make_window("spiral_mlp")
    panel = window.settings_panel
    bar = panel.verticalScrollBar()
    scroll_panel(qtbot, panel, 5)
    optimizer = field(panel, "param_optimizer")
    panel.ensureWidgetVisible(optimizer)
    choose(qtbot, optimizer, "sgd")
    # The popup has closed: the window is active again (offscreen, that takes a moment).
    qtbot.wait(50)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    momentum = field(panel, "param_momentum")
    qtbot.mouseClick(momentum.lineEdit(), Qt.MouseButton.LeftButton)
    type_into(qtbot, momentum, "0.9")
    place = bar.value()
    assert place > 0
    for _ in range(2):  # Ctrl+Z twice: the momentum, then the optimizer (its form goes)
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.project.training["optimizer"] == "adam"
    qtbot.wait(50)
    assert bar.value() == place
    assert panel_has_focus(panel)


def test_changing_settings_and_training_keep_the_place(make_window, qtbot):
    window = make_window("spiral_mlp")
    panel = window.settings_panel
    bar = panel.verticalScrollBar()
    project = window.document.project
    project.training = project.training.replace(epochs=1)
    scroll_panel(qtbot, panel, 6)
    place = bar.value()
    assert place > 0
    choose(qtbot, field(panel, "param_optimizer"), "sgd")  # a new optimizer form
    choose(qtbot, field(panel, "param_lr_schedule"), "cosine")  # more rows
    qtbot.wait(50)
    assert bar.value() == place
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=60000):
        window.training.actions.train.trigger()
    window.training.tabs.setCurrentIndex(0)
    qtbot.wait(50)
    assert bar.value() == place
