"""Edit → Teacher mode → Choose what students see…: the locks without writing JSON.

Each setting is shown, locked (greyed out) or hidden (and so locked too); layers can be left
out of the palette, and the network can be locked. "Only the learning rate" fills in the
common preset. OK replaces the project's locks as one undoable step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.layers import by_category
from nnstudio.core.locks import DATA_GROUP, MAX_REASON, Locks
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.settings import TRAINING_PARAMS

SHOW, LOCK, HIDE = "show", "lock", "hide"
CHOICES = ((SHOW, "Show"), (LOCK, "Lock"), (HIDE, "Hide"))
ONLY_RATE_REASON = "Today we study the learning rate: it is the one thing you can change."


def controls(optimizer: str) -> list[tuple[str, str]]:
    """(name, label) of every control a teacher can show, lock or hide, in panel order."""
    names = [(DATA_GROUP, "Data settings (dataset and split)")]
    names += [(s.name, s.label) for s in TRAINING_PARAMS]
    names += [(s.name, f"{s.label} ({OPTIMIZERS.get(optimizer).display_name})")
              for s in OPTIMIZERS.get(optimizer).params]  # fmt: skip
    return names


def choice_for(locks: Locks | None, name: str) -> str:
    if locks is None:
        return SHOW
    if locks.setting_hidden(name):
        return HIDE
    locked = locks.dataset if name == DATA_GROUP else locks.setting_locked(name)
    return LOCK if locked else SHOW


class TeacherDialog(QDialog):
    def __init__(self, parent: QWidget, locks: Locks | None, optimizer: str) -> None:
        super().__init__(parent)
        self.setObjectName("teacher_dialog")
        self.setWindowTitle("Teacher mode")
        self.resize(560, 620)
        intro = QLabel(
            "Choose what your students see and may change. Hidden controls are locked too. "
            "The reason shows beside every lock; save the project to hand it out.",
            self,
        )
        intro.setWordWrap(True)
        self.reason = QLineEdit(locks.reason if locks is not None else "", self)
        self.reason.setObjectName("teacher_reason")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText("Why, in your words (shown to students)")
        self.network = QCheckBox("Lock the network: no layers added, removed, rewired or re-set")
        self.network.setObjectName("teacher_network")
        self.network.setChecked(locks is not None and locks.network)
        self.choices: dict[str, QComboBox] = {}
        form_body = QWidget(self)
        form = QFormLayout(form_body)
        for name, label in controls(optimizer):
            box = QComboBox(form_body)
            box.setObjectName(f"teacher_{name}")
            for value, text in CHOICES:
                box.addItem(text, value)
            box.setCurrentIndex(box.findData(choice_for(locks, name)))
            form.addRow(label, box)
            self.choices[name] = box
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_body)
        self.layers = QListWidget(self)
        self.layers.setObjectName("teacher_layers")
        hidden = locks.hidden_layers if locks is not None else frozenset()
        for spec in (s for specs in by_category().values() for s in specs):
            if spec.name == "block":
                continue
            item = QListWidgetItem(f"{spec.display_name} ({spec.category})", self.layers)
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = spec.name in hidden
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        preset = QPushButton("Only the learning rate", self)
        preset.setObjectName("teacher_only_rate")
        preset.setToolTip("Hide and lock everything but the learning rate, and the network.")
        preset.clicked.connect(self.only_learning_rate)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(preset)
        row.addStretch(1)
        row.addWidget(buttons)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Settings</b>", self))
        left.addWidget(scroll, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>Hide from the palette</b>", self))
        right.addWidget(self.layers, 1)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.reason)
        layout.addWidget(self.network)
        layout.addLayout(columns, 1)
        layout.addLayout(row)

    def set_choice(self, name: str, value: str) -> None:
        box = self.choices[name]
        box.setCurrentIndex(box.findData(value))

    def only_learning_rate(self) -> None:
        """The preset: students see and change the learning rate, nothing else."""
        for name in self.choices:
            self.set_choice(name, SHOW if name == "learning_rate" else HIDE)
        self.network.setChecked(True)
        if not self.reason.text():
            self.reason.setText(ONLY_RATE_REASON)

    def hidden_layers(self) -> frozenset[str]:
        items = [self.layers.item(i) for i in range(self.layers.count())]
        return frozenset(
            i.data(Qt.ItemDataRole.UserRole)
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        )

    def locks(self) -> Locks | None:
        """The locks the dialog describes; None when nothing is locked or hidden."""
        chosen = {name: box.currentData() for name, box in self.choices.items()}
        hidden = {n for n, c in chosen.items() if c == HIDE}
        settings = {n: c for n, c in chosen.items() if n != DATA_GROUP}
        free = {n for n, c in settings.items() if c == SHOW}
        locks = Locks(
            editable=frozenset(free) if len(free) < len(settings) else None,
            network=self.network.isChecked(),
            dataset=chosen[DATA_GROUP] != SHOW,
            reason=self.reason.text().strip()[:MAX_REASON],
            visible=frozenset(set(chosen) - hidden) if hidden else None,
            hidden_layers=self.hidden_layers(),
        )
        if locks.editable is None and not (locks.network or locks.dataset or locks.hides):
            return None
        return locks
