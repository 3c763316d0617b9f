"""Plugs the lessons into the main window: Help → Lessons and the start page."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from nnstudio.ui.lessons.browser import LessonsDialog
from nnstudio.ui.settings_store import app_settings

START_KEY = "lessons/show_at_start"


def show_at_start() -> bool:
    """Whether a new window with no project opens on the lessons (yes until turned off)."""
    return str(app_settings().value(START_KEY, "true")).lower() == "true"


def set_show_at_start(on: bool) -> None:
    app_settings().setValue(START_KEY, "true" if on else "false")


class LessonsUI:
    def __init__(self, window: Any) -> None:
        self.window = window
        self.dialog: LessonsDialog | None = None
        self.action = QAction("&Lessons…", window)
        self.action.setObjectName("action_lessons")
        self.action.setStatusTip("Textbook claims you can run and check, one click each.")
        self.action.triggered.connect(self.open)
        help_menu = window.menuBar().findChild(QMenu, "menu_help")
        help_menu.insertAction(help_menu.actions()[0], self.action)

    def show_start_page(self) -> LessonsDialog | None:
        """The start page of a new, empty window: the lessons, unless the user turned it off."""
        if not show_at_start():
            return None
        dialog = self.open()
        dialog.start_box.show()
        return dialog

    def open(self, name: str | None = None) -> LessonsDialog:
        """Show the browser (made once per window), on lesson `name` if given."""
        if self.dialog is None:
            self.dialog = LessonsDialog(self.window)
            self.dialog.start_box.setChecked(show_at_start())
            self.dialog.start_box.toggled.connect(set_show_at_start)
        if isinstance(name, str):
            self.dialog.runner.select(name)
        self.dialog.show()
        self.dialog.activateWindow()
        return self.dialog


def install(window: Any) -> LessonsUI:
    from nnstudio.ui.dead_badges import DeadUnitBadges
    from nnstudio.ui.teacher_locks import install as install_teacher_locks

    window.lessons = LessonsUI(window)
    window.dead_badges = DeadUnitBadges(window)
    install_teacher_locks(window)
    return window.lessons
