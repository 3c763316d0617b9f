"""Teacher mode in the window: locked controls show a lock and the teacher's reason.

The project's `locks` section (core/locks.py) decides what is locked. Locked settings are
disabled with a lock on their label; a locked network freezes the canvas, the palette and the
inspector; a banner above the settings says what is locked and why, with an Unlock button.
Unlocking asks first and is one undoable command.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from nnstudio.core.locks import Locks
from nnstudio.core.settings import TRAINING_PARAMS

LOCK = " (locked)"
"""Added to a locked control's label; plain text, since not every font has a lock glyph."""
BANNER_STYLE = "background: #fff4d6; color: #6b4e00; padding: 6px; border-radius: 4px;"


def setting_label(name: str) -> str:
    """A training setting's label for people; the name itself for an unknown one."""
    spec = TRAINING_PARAMS.get(name)
    return spec.label if spec is not None else name


class SetLocksCommand(QUndoCommand):
    """Replace the project's locks (None unlocks everything)."""

    def __init__(self, locks_ui: TeacherLocks, locks: Locks | None, text: str) -> None:
        super().__init__(text)
        self.ui = locks_ui
        self.new = locks
        self.old = locks_ui.document.project.locks

    def redo(self) -> None:
        self.ui.document.project.locks = self.new
        self.ui.apply()

    def undo(self) -> None:
        self.ui.document.project.locks = self.old
        self.ui.apply()


class TeacherLocks(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        panel = window.settings_panel
        self.banner = QWidget(panel.widget())
        self.banner.setObjectName("teacher_banner")
        self.banner.setStyleSheet(BANNER_STYLE)
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(6, 4, 6, 4)
        self.banner_text = QLabel(self.banner)
        self.banner_text.setWordWrap(True)
        self.unlock_button = QPushButton("Unlock…", self.banner)
        self.unlock_button.setObjectName("teacher_unlock")
        self.unlock_button.setToolTip("Remove the teacher's locks from this project (undoable).")
        self.unlock_button.clicked.connect(self.ask_unlock)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.unlock_button)
        panel.widget().layout().insertWidget(0, self.banner)
        self.banner.hide()
        self.confirm = lambda: (
            QMessageBox.question(
                window,
                "Unlock the teacher's locks?",
                "Your teacher locked these controls on purpose. Unlock them anyway?",
            )
            == QMessageBox.StandardButton.Yes
        )
        """Asked before unlocking; tests replace it."""
        self.document.project_replaced.connect(self.apply)
        self.document.training_changed.connect(self.apply)
        self.document.dataset_changed.connect(self.apply)
        self.document.locked_changed.connect(lambda _l: self.apply())
        window.scene.selection_ids_changed.connect(self._lock_inspector)
        self.apply()

    @property
    def locks(self) -> Locks | None:
        return self.document.project.locks

    def locked_settings(self) -> list[str]:
        locks = self.locks
        if locks is None:
            return []
        forms = self._setting_forms()
        return [n for form in forms for n in form.editors if locks.setting_locked(n)]

    def _setting_forms(self) -> list[Any]:
        panel = self.window.settings_panel
        forms = [panel.optimizer_form, panel.training_form, panel.optimizer_params_form]
        return [f for f in forms if f is not None]

    @Slot()
    def apply(self) -> None:
        """Show the current locks on every control (and lift them where there are none)."""
        locks = self.locks
        reason = f" {locks.reason}" if locks is not None and locks.reason else ""
        busy = self.document.locked  # training holds its own, stronger lock
        for form in self._setting_forms():
            for name, editor in form.editors.items():
                locked = locks is not None and locks.setting_locked(name)
                self._mark(form, name, editor, locked, reason)
        panel = self.window.settings_panel
        dataset_locked = locks is not None and locks.dataset
        for widget in (panel.dataset_combo, panel.split_val, panel.split_test, panel.features_box):
            widget.setEnabled(not dataset_locked)
        if panel.dataset_form is not None:
            panel.dataset_form.setEnabled(not dataset_locked)
        network_locked = locks is not None and locks.network
        if not busy:
            self.window.scene.set_locked(network_locked)
            self.window.palette.setEnabled(not network_locked)
        self._lock_inspector()
        self.banner.setVisible(locks is not None)
        if locks is not None:
            described = locks.describe(setting_label)
            self.banner_text.setText(f"<b>Teacher mode.</b> {described}{reason}")

    def _mark(self, form: Any, name: str, editor: Any, locked: bool, reason: str) -> None:
        editor.setEnabled(not locked)
        label = form.layout_.labelForField(editor)
        spec_help = editor.property("plain_tip")
        if spec_help is None:
            spec_help = editor.toolTip()
            editor.setProperty("plain_tip", spec_help)
        tip = f"Locked by your teacher.{reason}" if locked else spec_help
        editor.setToolTip(tip)
        if isinstance(label, QLabel):
            text = label.text().removesuffix(LOCK)
            label.setText(f"{text}{LOCK}" if locked else text)
            label.setToolTip(tip)
        elif hasattr(editor, "setText"):  # a checkbox carries its own label
            text = editor.text().removesuffix(LOCK)
            editor.setText(f"{text}{LOCK}" if locked else text)

    def _lock_inspector(self, *_ids: object) -> None:
        form = self.window.inspector.form
        if form is not None and self.locks is not None and self.locks.network:
            form.setEnabled(False)
            form.setToolTip("The network is locked by your teacher.")

    @Slot()
    def ask_unlock(self) -> bool:
        """The deliberate way out: ask, then lift every lock as one undoable step."""
        if self.locks is None or not self.confirm():
            return False
        self.document.push(SetLocksCommand(self, None, "Unlock teacher's locks"))
        return True


def install(window: Any) -> TeacherLocks:
    window.teacher_locks = TeacherLocks(window)
    return window.teacher_locks
