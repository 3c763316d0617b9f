"""Editors generated from ParamSpec declarations, so no form in the app lists a setting twice.

Spin boxes take their step, decimals and special text from the declaration. A number outside
the declared range can be typed, but it is not committed: it stays visible, the field turns red
and says what is allowed (`problem_changed`), until the user fixes it. Nothing is silently
clamped or undone. Every editor's tooltip is the declaration's help line and its range, and each
emits `committed(value)` only when the user confirms a change (Enter, focus out, a click),
never when the program sets a value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from nnstudio.core.errors import ParamError
from nnstudio.core.params import ParamSet, ParamSpec, Relevance, range_text

INT_LIMIT = 2**31 - 1
_PARTIAL_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?$")


def _ignore_unfocused_wheel(widget: QWidget, event: QWheelEvent) -> bool:
    """Scrolling a form must not change the field under the mouse by accident."""
    if not widget.hasFocus():
        event.ignore()
        return True
    return False


def _narrow(hint: QSize, width: int) -> QSize:
    """Cap a size hint's width: a seed field must not make the whole form wide."""
    return QSize(min(hint.width(), width), hint.height())


class _Narrow:
    """Keeps form fields from demanding more width than a side panel has."""

    def narrow(self) -> None:
        """Let the layout shrink the field to its (capped) minimum size hint."""
        policy = self.sizePolicy()  # type: ignore[attr-defined]
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)
        self.setSizePolicy(policy)  # type: ignore[attr-defined]

    def minimumSizeHint(self) -> QSize:
        return _narrow(super().minimumSizeHint(), 70)  # type: ignore[misc]

    def sizeHint(self) -> QSize:
        return _narrow(super().sizeHint(), 150)  # type: ignore[misc]


def nice_step(value: float, steps: int) -> float:
    """Step along 1, 2, 5, 10, 20, ... (a log scale a person can read)."""
    if value <= 0:
        return value
    for _ in range(abs(steps)):
        exponent = math.floor(math.log10(value) + 1e-9)
        ladder = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5)]
        if steps > 0:
            value = next(v for v in ladder if v > value * (1 + 1e-9))
        else:
            value = next(v for v in reversed(ladder) if v < value * (1 - 1e-9))
    return float(f"{value:.12g}")


_INVALID_STYLE = "border: 1px solid #d9534f;"


class _RangeChecked:
    """Holds a typed number that is out of range instead of committing or clamping it."""

    spec: ParamSpec
    _last: Any
    problem: str = ""

    def _check(self, value: Any) -> bool:
        """True when `value` is allowed; otherwise show why and keep the text as typed."""
        try:
            self.spec.coerce(value)
        except ParamError as exc:
            self._set_problem(f"{exc} Allowed: {range_text(self.spec)}.")
            return False
        self._set_problem("")
        return True

    def _set_problem(self, text: str) -> None:
        if text == self.problem:
            return
        self.problem = text
        self.setStyleSheet(_INVALID_STYLE if text else "")  # type: ignore[attr-defined]
        self.setToolTip(text or editor_tooltip(self.spec))  # type: ignore[attr-defined]
        self.problem_changed.emit(text)


class IntEditor(_RangeChecked, _Narrow, QSpinBox):
    committed = Signal(object)
    problem_changed = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.narrow()
        self.spec = spec
        # The box takes any int, so an out-of-range entry stays visible with its message. A
        # special text ("Full batch") shows at the box's minimum, so that bound stays.
        low = -INT_LIMIT
        if spec.special_value_text and spec.minimum is not None:
            low = int(max(spec.minimum, -INT_LIMIT))
        self.setRange(low, INT_LIMIT)
        self.setSingleStep(int(spec.step or 1))
        if spec.special_value_text:
            self.setSpecialValueText(spec.special_value_text)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setGroupSeparatorShown(spec.maximum is not None and spec.maximum >= 10_000)
        self._last = spec.default
        self.set_value(spec.default)
        self.valueChanged.connect(self._changed)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not _ignore_unfocused_wheel(self, event):
            super().wheelEvent(event)

    def set_value(self, value: Any) -> None:
        self.blockSignals(True)
        self.setValue(int(value))
        self.blockSignals(False)
        self._last = int(value)
        self._set_problem("")

    def current(self) -> int:
        return self._last if self.problem else self.value()

    def _changed(self, value: int) -> None:
        if self._check(value) and value != self._last:
            self._last = value
            self.committed.emit(value)


class FloatEditor(_RangeChecked, _Narrow, QDoubleSpinBox):
    """A float spin box that reads and writes plain or scientific notation ("1e-08")."""

    committed = Signal(object)
    problem_changed = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.narrow()
        self.spec = spec
        tiny = spec.minimum is not None and 0 < spec.minimum < 10.0**-spec.decimals
        self._display_decimals = spec.decimals
        self.setDecimals(15 if (spec.log_scale or tiny) else spec.decimals)
        low = -1e12
        if spec.special_value_text and spec.minimum is not None:
            low = spec.minimum
        self.setRange(low, 1e12)  # out-of-range entries stay visible with their message
        if spec.step:
            self.setSingleStep(spec.step)
        elif not spec.log_scale:
            self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        if spec.special_value_text:
            self.setSpecialValueText(spec.special_value_text)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._last = float(spec.default)
        self.set_value(spec.default)
        self.valueChanged.connect(self._changed)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not _ignore_unfocused_wheel(self, event):
            super().wheelEvent(event)

    def stepBy(self, steps: int) -> None:
        if self.spec.log_scale and self.value() > 0:
            low = self.spec.minimum if self.spec.minimum is not None else self.minimum()
            high = self.spec.maximum if self.spec.maximum is not None else self.maximum()
            self.setValue(min(max(nice_step(self.value(), steps), low), high))
        else:
            super().stepBy(steps)

    def textFromValue(self, value: float) -> str:
        if self.spec.log_scale or (value != 0 and abs(value) < 10.0**-self._display_decimals):
            return f"{value:.4g}"
        text = f"{value:.{self._display_decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text or "0"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        stripped = text.strip()
        if self.specialValueText() and stripped == self.specialValueText():
            return QValidator.State.Acceptable, text, pos
        try:
            value = float(stripped)
        except ValueError:
            if _PARTIAL_FLOAT.match(stripped):
                return QValidator.State.Intermediate, text, pos
            return QValidator.State.Invalid, text, pos
        if not math.isfinite(value):
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def set_value(self, value: Any) -> None:
        self.blockSignals(True)
        self.setValue(float(value))
        self.blockSignals(False)
        self._last = self.value()
        self._set_problem("")

    def current(self) -> float:
        return self._last if self.problem else self.value()

    def _changed(self, value: float) -> None:
        if self._check(value) and value != self._last:
            self._last = value
            self.committed.emit(value)


class BoolEditor(QCheckBox):
    committed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.set_value(spec.default)
        self.toggled.connect(lambda on: self.committed.emit(bool(on)))

    def set_value(self, value: Any) -> None:
        self.blockSignals(True)
        self.setChecked(bool(value))
        self.blockSignals(False)

    def current(self) -> bool:
        return self.isChecked()


class ChoiceEditor(_Narrow, QComboBox):
    committed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.narrow()
        self.spec = spec
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(6)
        for value in spec.choices:
            self.addItem(spec.display_choice(value), value)
        self.set_value(spec.default)
        self.activated.connect(self._activated)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not _ignore_unfocused_wheel(self, event):
            super().wheelEvent(event)

    def set_value(self, value: Any) -> None:
        self.blockSignals(True)
        index = self.findData(value)
        if index >= 0:
            self.setCurrentIndex(index)
        self.blockSignals(False)

    def current(self) -> str:
        return self.currentData()

    def _activated(self, _index: int) -> None:
        self.committed.emit(self.currentData())

    def restrict(self, allowed: tuple[str, ...] | None) -> None:
        """Offer only `allowed` values (all when None); the current value always stays listed."""
        current = self.currentData()
        wanted = [v for v in self.spec.choices if allowed is None or v in allowed or v == current]
        if [self.itemData(i) for i in range(self.count())] == wanted:
            return
        self.blockSignals(True)
        self.clear()
        for value in wanted:
            self.addItem(self.spec.display_choice(value), value)
        self.set_value(current)
        self.blockSignals(False)


class TextEditor(_Narrow, QLineEdit):
    committed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.narrow()
        self.spec = spec
        self._last = spec.default
        self.set_value(spec.default)
        self.editingFinished.connect(self._finished)

    def set_value(self, value: Any) -> None:
        self.setText(str(value))
        self._last = str(value)

    def current(self) -> str:
        return self.text()

    def _finished(self) -> None:
        if self.text() != self._last:
            self._last = self.text()
            self.committed.emit(self.text())


Editor = IntEditor | FloatEditor | BoolEditor | ChoiceEditor | TextEditor
_EDITORS = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "str": TextEditor,
}


def editor_tooltip(spec: ParamSpec) -> str:
    """The help line, and for numbers the range they may take."""
    if spec.kind in ("int", "float") and (spec.minimum is not None or spec.maximum is not None):
        return f"{spec.help}\nAllowed: {range_text(spec)}."
    return spec.help


def make_editor(spec: ParamSpec, parent: QWidget | None = None) -> Editor:
    """The editor widget for one declared parameter, named `param_<name>`."""
    editor = _EDITORS[spec.kind](spec, parent)
    editor.setObjectName(f"param_{spec.name}")
    editor.setToolTip(editor_tooltip(spec))
    return editor


class ParamForm(QWidget):
    """A form of editors for a ParamSet; emits `committed(name, value)` on each user change."""

    committed = Signal(str, object)

    def __init__(
        self,
        param_set: ParamSet | Iterable[ParamSpec],
        parent: QWidget | None = None,
        skip: Iterable[str] = (),
        name: str = "param_form",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setHorizontalSpacing(12)
        self.layout_.setVerticalSpacing(6)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.editors: dict[str, Editor] = {}
        self.notes: dict[str, QLabel] = {}
        self._shown: dict[str, bool] = {}
        """Whether each row shows: relevant now and not hidden by a teacher."""
        self._relevant: dict[str, bool] = {}
        self._hidden: frozenset[str] = frozenset()
        skipped = set(skip)
        for spec in param_set:
            if spec.name in skipped:
                continue
            editor = make_editor(spec, self)
            editor.committed.connect(lambda value, n=spec.name: self.committed.emit(n, value))
            if isinstance(editor, QCheckBox):
                editor.setText(spec.label)
                self.layout_.addRow(editor)  # a checkbox carries its own label: span the row
            else:
                label = QLabel(spec.label, self)
                label.setObjectName(f"label_{spec.name}")
                label.setToolTip(spec.help)
                label.setBuddy(editor)
                label.setWordWrap(True)  # long labels wrap rather than widen the whole panel
                self.layout_.addRow(label, editor)
            self.editors[spec.name] = editor
            if isinstance(editor, (IntEditor, FloatEditor)):
                self._add_note(spec.name, editor)

    def _add_note(self, name: str, editor: IntEditor | FloatEditor) -> None:
        """An inline line under the field that says what is allowed while the entry is not."""
        note = QLabel(self)
        note.setObjectName(f"note_{name}")
        note.setWordWrap(True)
        note.setStyleSheet("color: #d9534f;")
        self.layout_.addRow(note)
        self.layout_.setRowVisible(note, False)
        self.notes[name] = note

        def show(text: str) -> None:
            note.setText(text)
            self.layout_.setRowVisible(note, bool(text) and self._shown.get(name, True))

        editor.problem_changed.connect(show)

    def set_values(self, values: Mapping[str, Any]) -> None:
        for name, editor in self.editors.items():
            if name in values:
                editor.set_value(values[name])

    def apply_relevance(self, relevance: Relevance | None) -> None:
        """Hide the settings that do not matter now and narrow choices to those that fit."""
        for name, editor in self.editors.items():
            shown = relevance is None or relevance.shown is None or name in relevance.shown
            self._relevant[name] = shown
            if isinstance(editor, ChoiceEditor):
                editor.restrict(relevance.choices.get(name) if relevance else None)
        self._show_rows()

    def set_hidden(self, names: Iterable[str]) -> None:
        """Keep these rows out of sight whatever is relevant (a teacher hid them)."""
        self._hidden = frozenset(names)
        self._show_rows()

    def relevant(self, name: str) -> bool:
        """Whether the setting matters with the current values (shown unless hidden)."""
        return self._relevant.get(name, True)

    def _show_rows(self) -> None:
        for name, editor in self.editors.items():
            shown = self._relevant.get(name, True) and name not in self._hidden
            self.layout_.setRowVisible(editor, shown)
            self._shown[name] = shown
            if name in self.notes:
                note = self.notes[name]
                self.layout_.setRowVisible(note, shown and bool(note.text()))

    def values(self) -> dict[str, Any]:
        return {name: editor.current() for name, editor in self.editors.items()}
