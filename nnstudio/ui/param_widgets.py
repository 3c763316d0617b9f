"""Editors generated from ParamSpec declarations, so no form in the app lists a setting twice.

Spin boxes take their range, step, decimals and special text from the declaration, so a value
outside the declared range cannot be typed in and committed. Every editor's tooltip is the
declaration's help line, and each emits `committed(value)` only when the user confirms a
change (Enter, focus out, a click), never when the program sets a value.
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

from nnstudio.core.params import ParamSet, ParamSpec, Relevance

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


class IntEditor(_Narrow, QSpinBox):
    committed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.narrow()
        self.spec = spec
        low = -INT_LIMIT if spec.minimum is None else int(max(spec.minimum, -INT_LIMIT))
        high = INT_LIMIT if spec.maximum is None else int(min(spec.maximum, INT_LIMIT))
        self.setRange(low, high)
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

    def current(self) -> int:
        return self.value()

    def _changed(self, value: int) -> None:
        if value != self._last:
            self._last = value
            self.committed.emit(value)


class FloatEditor(_Narrow, QDoubleSpinBox):
    """A float spin box that reads and writes plain or scientific notation ("1e-08")."""

    committed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.narrow()
        self.spec = spec
        tiny = spec.minimum is not None and 0 < spec.minimum < 10.0**-spec.decimals
        self._display_decimals = spec.decimals
        self.setDecimals(15 if (spec.log_scale or tiny) else spec.decimals)
        self.setRange(
            -1e12 if spec.minimum is None else spec.minimum,
            1e12 if spec.maximum is None else spec.maximum,
        )
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
            self.setValue(min(max(nice_step(self.value(), steps), self.minimum()), self.maximum()))
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

    def current(self) -> float:
        return self.value()

    def _changed(self, value: float) -> None:
        if value != self._last:
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


def make_editor(spec: ParamSpec, parent: QWidget | None = None) -> Editor:
    """The editor widget for one declared parameter, named `param_<name>`."""
    editor = _EDITORS[spec.kind](spec, parent)
    editor.setObjectName(f"param_{spec.name}")
    editor.setToolTip(spec.help)
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

    def set_values(self, values: Mapping[str, Any]) -> None:
        for name, editor in self.editors.items():
            if name in values:
                editor.set_value(values[name])

    def apply_relevance(self, relevance: Relevance | None) -> None:
        """Hide the settings that do not matter now and narrow choices to those that fit."""
        for name, editor in self.editors.items():
            shown = relevance is None or relevance.shown is None or name in relevance.shown
            self.layout_.setRowVisible(editor, shown)
            if isinstance(editor, ChoiceEditor):
                editor.restrict(relevance.choices.get(name) if relevance else None)

    def values(self) -> dict[str, Any]:
        return {name: editor.current() for name, editor in self.editors.items()}
