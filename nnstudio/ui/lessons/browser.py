"""The Lessons browser: pick a lesson, read it, run its comparison, and see the claim checked.

"Run this lesson" opens the lesson's base project in the window and trains its arms as
variants through the training controller, so every panel and the Runs table show them. When
the session ends, the lesson's check reads the runs' numbers and the verdict shows here and in
the status bar.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.lessons import LESSONS, Evidence, Lesson, Verdict

HELD_STYLE = "background: #e7f5e9; color: #1b5e20; padding: 8px; border-radius: 4px;"
FAILED_STYLE = "background: #fdecea; color: #8a1c1c; padding: 8px; border-radius: 4px;"
WAIT_STYLE = "background: #eef3fb; color: #244a7a; padding: 8px; border-radius: 4px;"


def lesson_html(lesson: Lesson) -> str:
    """The lesson as a page: its text, its steps, and what to look at."""
    steps = "".join(f"<li>{html.escape(step)}</li>" for step in lesson.steps)
    arms = ", ".join(html.escape(arm.name) for arm in lesson.arms)
    return (
        f"<h2>{html.escape(lesson.title)}</h2>"
        f"<p>{html.escape(lesson.text)}</p>"
        f"<p><b>Compares:</b> {arms}.</p>"
        f"<h3>Steps</h3><ol>{steps}</ol>"
        f"<p><b>Look at:</b> {html.escape(lesson.look_at)}</p>"
    )


class LessonRunner(QWidget):
    """Lists the lessons and runs one in `window`; reusable as a dialog body or a start page."""

    checked = Signal(object)
    """The Verdict of the lesson that just ended."""

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lesson_runner")
        self.window = window
        self.lesson: Lesson | None = None
        self.evidence: Evidence | None = None
        self.verdict: Verdict | None = None
        self.listing = QListWidget(self)
        self.listing.setObjectName("lesson_list")
        for lesson in LESSONS:
            item = QListWidgetItem(lesson.title)
            item.setData(Qt.ItemDataRole.UserRole, lesson.name)
            item.setToolTip(lesson.text)
            self.listing.addItem(item)
        self.page = QTextBrowser(self)
        self.page.setObjectName("lesson_page")
        self.page.setOpenExternalLinks(False)
        self.run_button = QPushButton("Run this lesson", self)
        self.run_button.setObjectName("run_lesson")
        self.run_button.setToolTip(
            "Open the lesson's project and train its comparison side by side; the claim is "
            "checked on the numbers when the runs end."
        )
        self.run_button.clicked.connect(self.run_selected)
        self.result = QLabel(self)
        self.result.setObjectName("lesson_result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.page, 1)
        column.addWidget(self.result)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        column.addLayout(buttons)
        split = QSplitter(self)
        split.addWidget(self.listing)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([290, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.listing.currentItemChanged.connect(self._show_current)
        self.listing.setCurrentRow(0)
        controller = window.training.controller
        controller.reports.connect(self._take_reports)
        controller.run_finished.connect(self._finished)
        controller.state_changed.connect(lambda _s: self._sync_button())

    # -- choosing ---------------------------------------------------------------------------
    def select(self, name: str) -> None:
        for row in range(self.listing.count()):
            if self.listing.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.listing.setCurrentRow(row)
                return
        raise KeyError(name)

    def selected(self) -> Lesson:
        item = self.listing.currentItem()
        return LESSONS.get(item.data(Qt.ItemDataRole.UserRole))

    def _show_current(self, *_args: object) -> None:
        if self.listing.currentItem() is None:
            return
        self.page.setHtml(lesson_html(self.selected()))
        self._sync_button()

    def _sync_button(self) -> None:
        busy = self.window.training.controller.busy
        self.run_button.setEnabled(not busy and not self.window.editing_locked)

    # -- running ----------------------------------------------------------------------------
    @Slot()
    def run_selected(self) -> bool:
        """Open the lesson's project and train its arms; False if the user kept their work."""
        window = self.window
        controller = window.training.controller
        if controller.busy or window.editing_locked or not window.confirm_discard():
            return False
        lesson = self.selected()
        window.document.replace_project(lesson.project())
        training = window.training
        training.tabs.setCurrentIndex(1)
        runs = controller.start_variants(lesson.variants())
        if not runs:
            return False
        self.lesson = lesson
        self.evidence = lesson.evidence(runs)
        self.verdict = None
        self._show_result(f"Training {len(runs)} runs side by side. {lesson.look_at}", WAIT_STYLE)
        window.show_status(f"Lesson: {lesson.title}. {lesson.look_at}")
        return True

    @Slot(object)
    def _take_reports(self, reports: dict[str, Any]) -> None:
        if self.evidence is not None and self.verdict is None:
            self.evidence.observe(reports)

    @Slot(object)
    def _finished(self, _final: object) -> None:
        if self.lesson is None or self.evidence is None or self.verdict is not None:
            return
        verdict = self.lesson.judge(self.evidence)
        self.verdict = verdict
        head = "The claim held." if verdict.held else "The claim did not hold."
        self._show_result(f"{head} {verdict.message}", HELD_STYLE if verdict.held else FAILED_STYLE)
        self.window.show_status(f"{self.lesson.title}: {head} {verdict.message}")
        self.checked.emit(verdict)

    def _show_result(self, text: str, style: str) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(style)
        self.result.show()


class LessonsDialog(QDialog):
    """Help → Lessons: the runner in a window of its own that stays open while runs train."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.setObjectName("lessons_dialog")
        self.setWindowTitle("Lessons")
        self.setModal(False)
        self.resize(820, 520)
        self.runner = LessonRunner(window, self)
        self.start_box = QCheckBox("Show the lessons when NN Studio opens without a project", self)
        self.start_box.setObjectName("lessons_at_start")
        layout = QVBoxLayout(self)
        layout.addWidget(self.runner)
        layout.addWidget(self.start_box)
