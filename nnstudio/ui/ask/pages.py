"""The input side of the Ask panel, one page per kind of data: a hint for 2D points (they are
asked on the decision boundary), a drawing pad for images, a form for table rows and a text
box for sequences. Each page emits `asked(inputs, description)` with raw inputs in the
data's own terms; the panel encodes them and shows the answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.datasets import inputs as enc
from nnstudio.core.errors import InputError
from nnstudio.ui.ask.pad import DrawingPad


class SamplePicker(QWidget):
    """ "Test sample [n] Show": picks one of the held-out test samples to ask about."""

    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Test sample", self))
        self.spin = QSpinBox(self)
        self.spin.setObjectName("ask_sample")
        self.spin.setToolTip("Which held-out test sample to ask about.")
        layout.addWidget(self.spin)
        show = QPushButton("Show", self)
        show.setObjectName("ask_show_sample")
        show.clicked.connect(lambda: self.picked.emit(self.spin.value()))
        layout.addWidget(show)
        self.truth = QLabel(self)
        self.truth.setObjectName("ask_truth")
        layout.addWidget(self.truth, 1)

    def set_count(self, count: int) -> None:
        self.spin.setRange(0, max(0, count - 1))
        self.setEnabled(count > 0)


class PointsPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Hover over the decision boundary to read the network's answer at any point; "
            "click to pin a point and see what each layer makes of it. Edit data (above the "
            "plot) adds and removes training points.",
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)


class ImagePage(QWidget):
    asked = Signal(object, str)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        self.pad = DrawingPad(8, 8, self)
        layout.addWidget(self.pad, 1)
        side = QVBoxLayout()
        hint = QLabel("Draw with the mouse; the answer follows every stroke.", self)
        hint.setWordWrap(True)
        side.addWidget(hint)
        clear = QPushButton("Clear", self)
        clear.setObjectName("ask_clear")
        clear.clicked.connect(self.pad.clear)
        side.addWidget(clear)
        load = QPushButton("Load picture…", self)
        load.setObjectName("ask_load_picture")
        load.setToolTip("A PNG or JPEG file; it is made grey and shrunk to the dataset's size.")
        load.clicked.connect(self._choose_picture)
        side.addWidget(load)
        self.picker = SamplePicker(self)
        side.addWidget(self.picker)
        side.addStretch(1)
        layout.addLayout(side)
        self.pad.changed.connect(lambda image: self.asked.emit(image, "your drawing"))

    def use_dataset(self, dataset: Any) -> None:
        rows, cols = enc.image_size(dataset)
        self.pad.resize_grid(rows, cols)
        self.picker.set_count(len(dataset.x_test))

    def _choose_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load a picture", "", "Pictures (*.png *.jpg *.jpeg *.bmp)"
        )
        if path:
            self.load_picture(path)

    def load_picture(self, path: str) -> None:
        """Read a picture with Qt, refusing unreadable and huge ones with a message."""
        from pathlib import Path

        from PySide6.QtGui import QImage, QImageReader

        name = Path(path).name
        try:
            size = Path(path).stat().st_size
            if size > enc.MAX_IMAGE_BYTES:
                raise InputError(f"{name} is {size / 2**20:.0f} MB; pictures of up to "
                                 f"{enc.MAX_IMAGE_BYTES // 2**20} MB can be used.")  # fmt: skip
            reader = QImageReader(path)
            dims = reader.size()
            if dims.isValid():
                enc.check_picture_size(dims.width(), dims.height(), name)
            picture = reader.read()
            if picture.isNull():
                raise InputError(f"{name} cannot be read as a picture ({reader.errorString()}).")
            grey = picture.convertToFormat(QImage.Format.Format_Grayscale8)
            width, height = grey.width(), grey.height()
            enc.check_picture_size(width, height, name)
            stride = grey.bytesPerLine()
            data = np.frombuffer(grey.constBits(), dtype=np.uint8, count=stride * height)
            levels = data.reshape(height, stride)[:, :width] / 255.0
            image = enc.picture_to_image(levels, self.pad.ink.shape)
        except (InputError, OSError) as exc:
            self.message.emit(str(exc) if isinstance(exc, InputError) else
                              f"{name} cannot be read: {exc.strerror or exc}.")  # fmt: skip
            return
        self.pad.set_image(image[0])


class TablePage(QWidget):
    """A field per column of the table, in the data's own units: a text box for a number, a
    list of the categories for a text column (which the network sees as 0/1 inputs)."""

    asked = Signal(object, str)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Values are in the data's own units; change one and the answer follows.", self
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.picker = SamplePicker(self)
        layout.addWidget(self.picker)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        scroll.setWidget(self.form_host)
        layout.addWidget(scroll, 1)
        self.fields: list[QLineEdit | QComboBox] = []
        self.columns: list[str] = []
        self.categories: list[tuple[str, ...] | None] = []
        self._filling = False

    def use_dataset(self, dataset: Any) -> None:
        columns = enc.table_columns(dataset)
        categories = enc.column_categories(dataset)
        if (columns, categories) != (self.columns, self.categories):
            while self.form.rowCount():
                self.form.removeRow(0)
            self.fields = []
            for name, cats in zip(columns, categories, strict=True):
                field = self._field(name, cats)
                field.setObjectName(f"ask_field_{len(self.fields)}")
                self.form.addRow(name, field)
                self.fields.append(field)
            self.columns, self.categories = columns, categories
        self.picker.set_count(len(dataset.x_test))

    def _field(self, name: str, categories: tuple[str, ...] | None) -> QLineEdit | QComboBox:
        if categories is None:
            line = QLineEdit(self.form_host)
            line.textEdited.connect(self._edited)
            return line
        combo = QComboBox(self.form_host)
        for category in categories:
            combo.addItem(category, category)
        combo.setToolTip(
            f"{name} is a text column: pick one of its {len(categories)} values. The network "
            "reads it as one 0/1 input per value."
        )
        combo.currentIndexChanged.connect(self._edited)
        return combo

    def values(self) -> list[str]:
        """What the form holds, as text, column by column."""
        return [f.currentText() if isinstance(f, QComboBox) else f.text() for f in self.fields]

    def fill(self, values: Any) -> None:
        """Show a row (in the data's units, text columns by category) and ask about it."""
        self._filling = True
        try:
            for field, value in zip(self.fields, values, strict=True):
                if isinstance(field, QComboBox):
                    field.setCurrentIndex(field.findText(str(value)))
                else:
                    field.setText(f"{float(value):.6g}")
        finally:
            self._filling = False
        self._edited()

    def _edited(self, *_args: Any) -> None:
        if self._filling:
            return
        try:
            row = enc.parse_row(self.columns, self.values(), "The form", self.categories)
        except InputError as exc:
            self.message.emit(str(exc))
            return
        self.asked.emit(row, "the row in the form")


class SequencePage(QWidget):
    asked = Signal(object, str)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.box = QLineEdit(self)
        self.box.setObjectName("ask_sequence")
        self.box.setPlaceholderText("e.g. 0 1 1 0 1 0 0 1")
        self.box.textEdited.connect(self._edited)
        layout.addWidget(self.box)
        self.picker = SamplePicker(self)
        layout.addWidget(self.picker)
        layout.addStretch(1)
        self.dataset: Any = None

    def use_dataset(self, dataset: Any) -> None:
        self.dataset = dataset
        steps, width = enc.sequence_shape(dataset)
        if width:
            self.hint.setText(f"Type {steps} steps separated by spaces, each as {width} numbers "
                              f"joined by ':' ({', '.join(dataset.feature_names)}).")  # fmt: skip
        else:
            self.hint.setText(f"Type {steps} tokens (0 to {dataset.token_count - 1}) separated "
                              "by spaces.")  # fmt: skip
        self.picker.set_count(len(dataset.x_test))

    def fill(self, sample: np.ndarray) -> None:
        self.box.setText(enc.format_sequence(self.dataset, sample))
        self._edited()

    def _edited(self, *_args: Any) -> None:
        if self.dataset is None:
            return
        try:
            sample = enc.parse_sequence(self.dataset, self.box.text())
        except InputError as exc:
            self.message.emit(str(exc))
            return
        self.asked.emit(sample, "the typed sequence")
