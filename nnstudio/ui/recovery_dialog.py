"""The question asked at startup when an earlier session ended without saving its work.

The dialog only gathers the answer (a RecoveryDecision); the window acts on it, so tests
replace `MainWindow.ask_recovery` and never see a modal dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.recovery import RecoveryEntry

INTRO = (
    "NN Studio did not close properly last time. These projects had changes that were not "
    "saved, and an autosaved copy of each was kept. Recover one to open it as an unsaved "
    "project, or discard the copies you do not need."
)


@dataclass
class RecoveryDecision:
    """What the user chose: at most one copy to open, and the copies to delete."""

    recover: RecoveryEntry | None = None
    discard: list[RecoveryEntry] = field(default_factory=list)


def describe_time(when: datetime, now: datetime | None = None) -> str:
    """'today 14:03', 'yesterday 09:12' or '3 Mar 2025 17:40': enough to tell copies apart."""
    now = now or datetime.now()
    days = (now.date() - when.date()).days
    clock = when.strftime("%H:%M")
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    return f"{when.day} {when.strftime('%b %Y')} {clock}"


def describe_source(entry: RecoveryEntry) -> str:
    return str(entry.source_path) if entry.source_path is not None else "never saved"


class RecoveryDialog(QDialog):
    """Lists the autosaves a crashed session left; Recover opens one, Discard deletes one."""

    def __init__(self, entries: list[RecoveryEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery_dialog")
        self.setWindowTitle("Recover unsaved work")
        self.decision = RecoveryDecision()
        self.entries = list(entries)
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        self.list = QTreeWidget(self)
        self.list.setObjectName("recovery_list")
        self.list.setColumnCount(3)
        self.list.setHeaderLabels(["Project", "Autosaved", "Saved from"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for entry in self.entries:
            item = QTreeWidgetItem(
                [entry.title, describe_time(entry.saved_at), describe_source(entry)]
            )
            item.setToolTip(2, describe_source(entry))
            self.list.addTopLevelItem(item)
        for column in range(2):
            self.list.resizeColumnToContents(column)
        self.list.setCurrentItem(self.list.topLevelItem(0))
        self.list.itemDoubleClicked.connect(lambda *_: self._recover())
        buttons = QDialogButtonBox(self)
        self.recover_button = self._button(buttons, "&Recover", "Open the selected copy")
        self.discard_button = self._button(buttons, "&Discard", "Delete the selected copy")
        self.later_button = self._button(
            buttons, "Decide &Later", "Keep the copies and ask again at the next start"
        )
        self.recover_button.setDefault(True)
        self.recover_button.clicked.connect(self._recover)
        self.discard_button.clicked.connect(self._discard)
        self.later_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(640, 300)

    def _button(self, box: QDialogButtonBox, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        box.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        return button

    def _selected(self) -> int:
        item = self.list.currentItem()
        return -1 if item is None else self.list.indexOfTopLevelItem(item)

    def _recover(self) -> None:
        row = self._selected()
        if row >= 0:
            self.decision.recover = self.entries[row]
            self.accept()

    def _discard(self) -> None:
        row = self._selected()
        if row < 0:
            return
        self.decision.discard.append(self.entries.pop(row))
        self.list.takeTopLevelItem(row)
        if not self.entries:
            self.accept()
        else:
            self.list.setCurrentItem(self.list.topLevelItem(min(row, len(self.entries) - 1)))

    def decide(self) -> RecoveryDecision:
        """Show the dialog modally and return the answer (discards count even after Later)."""
        self.exec()
        return self.decision


__all__ = ["RecoveryDecision", "RecoveryDialog", "describe_source", "describe_time"]
