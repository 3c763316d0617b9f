"""Teacher mode in the window: locked controls show a lock and the teacher's reason.

The project's `locks` section (core/locks.py) decides what is locked and what is hidden.
Locked settings are disabled with a lock on their label; hidden ones (and hidden palette
layers) leave the window; a locked network freezes the canvas, the palette and the inspector.
A banner above the settings says what is locked, lists what is hidden and why, with an Unlock
button. Unlocking asks first and is one undoable command that lifts locks and hiding alike.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QWidget,
)

from nnstudio.core.layers import LAYERS
from nnstudio.core.locks import DATA_GROUP, Locks
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.settings import TRAINING_PARAMS
from nnstudio.ui.teacher_dialog import TeacherDialog

LOCK = " (locked)"
"""Added to a locked control's label; plain text, since not every font has a lock glyph."""
BANNER_STYLE = "background: #fff4d6; color: #6b4e00; padding: 6px; border-radius: 4px;"


ONLY_RATE = Locks(
    editable=frozenset({"learning_rate"}),
    network=True,
    dataset=True,
    reason="Today we study the learning rate: it is the one thing you can change.",
    visible=frozenset({"learning_rate"}),
)
"""The preset "students may change only the learning rate": the rest is locked and hidden."""


def setting_label(name: str) -> str:
    """A setting's label for people (training or optimizer); the name itself if unknown."""
    if name == DATA_GROUP:
        return "the Data settings"
    spec = TRAINING_PARAMS.get(name)
    if spec is None:
        spec = next((o.params.get(name) for o in OPTIMIZERS if o.params.get(name)), None)
    return spec.label if spec is not None else name


def layer_label(name: str) -> str:
    return LAYERS.get(name).display_name if name in LAYERS else name


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
        self.run_dialog = lambda dialog: dialog.exec() == QDialog.DialogCode.Accepted
        """Shows the Teacher mode dialog; tests replace it."""
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
        panel = self.window.settings_panel
        for form in self._setting_forms():
            hidden = [n for n in form.editors if locks is not None and locks.setting_hidden(n)]
            form.set_hidden(hidden)
            form.setVisible(len(hidden) < len(form.editors))  # no empty frame for a hidden form
            for name, editor in form.editors.items():
                locked = locks is not None and locks.setting_locked(name)
                self._mark(form, name, editor, locked, reason)
        device_hidden = locks is not None and locks.setting_hidden("device")
        panel.training_form.layout_.setRowVisible(panel.device_combo, not device_hidden)
        panel.device_combo.setEnabled(locks is None or not locks.setting_locked("device"))
        data_hidden = locks is not None and locks.setting_hidden(DATA_GROUP)
        panel.findChild(QGroupBox, "data_group").setVisible(not data_hidden)
        dataset_locked = locks is not None and (locks.dataset or data_hidden)
        for widget in (panel.dataset_combo, panel.split_val, panel.split_test, panel.features_box):
            widget.setEnabled(not dataset_locked)
        if panel.dataset_form is not None:
            panel.dataset_form.setEnabled(not dataset_locked)
        network_locked = locks is not None and locks.network
        if not busy:
            self.window.scene.set_locked(network_locked)
            self.window.palette.setEnabled(not network_locked)
        hidden_layers = locks.hidden_layers if locks is not None else frozenset()
        self.window.scene.hidden_layers = hidden_layers
        count = len(hidden_layers)
        self.window.palette.set_hidden_layers(
            hidden_layers,
            f"{count} layer{'s' if count != 1 else ''} hidden by your teacher.{reason}",
        )
        self._lock_inspector()
        self.banner.setVisible(locks is not None)
        if locks is not None:
            text = f"<b>Teacher mode.</b>{html.escape(reason)}"
            hidden = self.hidden_items()
            if not hidden or locks.editable is not None or locks.network or locks.dataset:
                text += f"<br>{html.escape(locks.describe(setting_label))}"
            if hidden:
                text += f"<br><b>Hidden by your teacher:</b> {html.escape(', '.join(hidden))}."
            self.banner_text.setText(text)

    def hidden_items(self) -> list[str]:
        """What the teacher hid, for people: settings that would show now, then layers."""
        locks = self.locks
        if locks is None:
            return []
        names = []
        if locks.setting_hidden(DATA_GROUP):
            names.append(setting_label(DATA_GROUP))
        for form in self._setting_forms():
            names += [
                setting_label(n)
                for n in form.editors
                if locks.setting_hidden(n) and form.relevant(n)
            ]
        if locks.setting_hidden("device"):
            names.append(setting_label("device"))
        layers = sorted(layer_label(n) for n in locks.hidden_layers)
        if layers:
            names.append(f"the palette's {', '.join(layers)}")
        return names

    def choose_locks(self) -> bool:
        """Open the Teacher mode dialog on the current locks and apply its choice (undoable).
        Changing existing locks this way can lift them, so it asks first, as Unlock does."""
        current = self.locks
        if current is not None and not self.confirm():
            return False
        optimizer = self.document.project.training["optimizer"]
        dialog = TeacherDialog(self.window, current, optimizer)
        if not self.run_dialog(dialog):
            return False
        self.document.push(SetLocksCommand(self, dialog.locks(), "Teacher mode"))
        return True

    def lock_only_learning_rate(self) -> None:
        """The preset: students see and change the learning rate and nothing else (undoable)."""
        self.document.push(SetLocksCommand(self, ONLY_RATE, "Teacher mode: only the learning rate"))

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
    """Teacher mode on `window`, with Edit → Teacher mode: the preset and the unlock."""
    locks = TeacherLocks(window)
    window.teacher_locks = locks
    menu = window.menuBar().findChild(QMenu, "menu_edit").addMenu("&Teacher mode")
    menu.setObjectName("menu_teacher")
    preset = QAction("Let students change only the &learning rate", window)
    preset.setObjectName("action_teacher_only_rate")
    preset.setStatusTip("Lock and hide every other control, with a note that says why.")
    preset.triggered.connect(lambda: locks.lock_only_learning_rate())
    choose = QAction("&Choose what students see and change…", window)
    choose.setObjectName("action_teacher_choose")
    choose.setStatusTip("Show, lock or hide each setting and palette layer, with your reason.")
    choose.triggered.connect(lambda: locks.choose_locks())
    unlock = QAction("&Unlock the teacher's locks…", window)
    unlock.setObjectName("action_teacher_unlock")
    unlock.triggered.connect(lambda: locks.ask_unlock())
    menu.addActions([choose, preset, unlock])
    return locks
