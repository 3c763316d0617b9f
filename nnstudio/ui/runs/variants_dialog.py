"""Train Variants…: pick settings and the values to try; every combination trains together.

Values are checked as they are typed, against each setting's declared range, and the
dialog says what is wrong (and the allowed range) instead of correcting it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.params import ParamSpec
from nnstudio.core.project import Project
from nnstudio.core.settings import TRAINING_PARAMS
from nnstudio.core.variants import ACTIVATION, Variant, activation_types, expand, parse_axis

MAX_AXES = 3
EXAMPLES = {
    "learning_rate": "0.001, 0.01, 0.1",
    "seed": "1, 2, 3",
    "init_scale": "0.5, 1, 2",
    "initializer": "zeros, xavier_uniform, he_normal",
    "optimizer": "sgd, adam",
    "batch_size": "1, 10, 0",
    ACTIVATION: "relu, tanh, sigmoid",
}


def _range_text(spec: ParamSpec) -> str:
    if spec.kind == "choice":
        return "one of: " + ", ".join(spec.choices)
    if spec.kind == "bool":
        return "true or false"
    low = "" if spec.minimum is None else f"{spec.minimum:g}"
    high = "" if spec.maximum is None else f"{spec.maximum:g}"
    return f"{'whole numbers ' if spec.kind == 'int' else ''}from {low} to {high}"


class VariantsDialog(QDialog):
    accepted_variants = Signal(object)
    """list[Variant]: what to train, once the user pressed Train."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train Variants")
        self.project = project
        self.variants: list[Variant] = []
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Train several versions of this network at the same time and compare them. "
            "Pick a setting and list the values to try, separated by commas. With two or "
            "more settings, every combination is trained.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        self.rows: list[tuple[QComboBox, QLineEdit, QLabel]] = []
        self.add_button = QPushButton("Add Another Setting", self)
        self.add_button.setObjectName("variants_add_axis")
        self.add_button.clicked.connect(self.add_row)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.summary = QLabel(self)
        self.summary.setObjectName("variants_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Train")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.add_row()
        self.resize(560, 260)

    def _settings(self) -> list[tuple[str, str]]:
        """(name, label) of everything a variant may change."""
        out = [(s.name, s.label) for s in TRAINING_PARAMS if s.name != "device"]
        opt = OPTIMIZERS.get(self.project.training["optimizer"])
        out += [(s.name, f"{opt.display_name}: {s.label}") for s in opt.params]
        out.append((ACTIVATION, "Activation (swap every one)"))
        return out

    def add_row(self) -> None:
        if len(self.rows) >= MAX_AXES:
            return
        row = len(self.rows)
        setting = QComboBox(self)
        setting.setObjectName(f"variants_setting_{row}")
        for name, label in self._settings():
            setting.addItem(label, name)
        default = ("learning_rate", "seed", "init_scale")[row]
        setting.setCurrentIndex(max(0, setting.findData(default)))
        values = QLineEdit(self)
        values.setObjectName(f"variants_values_{row}")
        note = QLabel(self)
        note.setObjectName(f"variants_note_{row}")
        note.setWordWrap(True)
        self.grid.addWidget(setting, row * 2, 0)
        self.grid.addWidget(values, row * 2, 1)
        self.grid.addWidget(note, row * 2 + 1, 0, 1, 2)
        self.rows.append((setting, values, note))
        setting.currentIndexChanged.connect(lambda _i, r=row: self._setting_changed(r))
        values.textChanged.connect(self.validate)
        self._setting_changed(row)
        self.add_button.setEnabled(len(self.rows) < MAX_AXES)

    def _setting_changed(self, row: int) -> None:
        setting, values, _note = self.rows[row]
        name = setting.currentData()
        example = EXAMPLES.get(name, "")
        if name == ACTIVATION:
            values.setToolTip("Layer types: " + ", ".join(activation_types()))
        else:
            spec = TRAINING_PARAMS.get(name) or OPTIMIZERS.get(
                self.project.training["optimizer"]
            ).params.get(name)
            if spec is not None:
                values.setToolTip(f"Allowed: {_range_text(spec)}")
        values.setPlaceholderText(f"for example {example}" if example else "value, value, …")
        self.validate()

    def validate(self) -> bool:
        """Check every row; show what is wrong next to it and how many runs it makes."""
        axes = []
        ok = True
        for setting, values, note in self.rows:
            text = values.text().strip()
            if not text:
                note.setText("")
                continue
            try:
                axes.append(parse_axis(self.project, f"{setting.currentData()}={text}"))
                note.setStyleSheet("color: #555;")
                note.setText(values.toolTip())
            except NNStudioError as exc:
                ok = False
                note.setStyleSheet("color: #b3261e;")
                note.setText(str(exc))
        self.variants = []
        if ok and axes:
            try:
                self.variants = expand(self.project, axes)
            except NNStudioError as exc:
                ok = False
                self.summary.setStyleSheet("color: #b3261e;")
                self.summary.setText(str(exc))
        if ok:
            self.summary.setStyleSheet("")
            self.summary.setText(
                f"{len(self.variants)} variants will train side by side."
                if self.variants
                else "Type at least two values."
            )
        good = ok and len(self.variants) >= 2
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(good)
        return good

    def _accept(self) -> None:
        if self.validate():
            self.accepted_variants.emit(self.variants)
            self.accept()
