"""Experiment settings: the dataset (with a live preview) and the training settings.

Every field is generated from a declaration (the dataset's params, DERIVED_FEATURES,
TRAINING_PARAMS, each optimizer's params), and every change is an undo command.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.datasets import DATASETS, DERIVED_FEATURES, DatasetConfig
from nnstudio.core.errors import NNStudioError
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.settings import TRAINING_PARAMS, TrainingSettings, training_relevance
from nnstudio.ui.commands import SetDatasetCommand, SetTrainingCommand
from nnstudio.ui.csv_import_dialog import CsvImportDialog
from nnstudio.ui.dataset_preview import DatasetPreview
from nnstudio.ui.document import Document
from nnstudio.ui.output_follow import CompoundCommand, output_follow_commands
from nnstudio.ui.param_widgets import ParamForm

SPLIT_MAX = 90
LABEL_MAX = 120
"""Labels wider than this wrap, so the fields keep a useful width in a narrow panel."""


def _form_labels(form: QFormLayout) -> list[QLabel]:
    labels = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        widget = item.widget() if item is not None else None
        if isinstance(widget, QLabel) and widget.text():
            widget.setWordWrap(True)
            labels.append(widget)
    return labels


def _muted(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


class SettingsPanel(QScrollArea):
    status_message = Signal(str)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_panel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.doc = doc
        self.devices: list[tuple[str, str]] = [("auto", "Auto"), ("cpu", "CPU")]
        body = QWidget(self)
        body.setObjectName("settings_body")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(10)
        layout.addWidget(self._build_data_group(body))
        layout.addWidget(self._build_training_group(body))
        layout.addStretch(1)
        self.setWidget(body)
        doc.dataset_changed.connect(self.load_dataset)
        doc.training_changed.connect(self.load_training)
        doc.project_replaced.connect(self.load_all)
        doc.locked_changed.connect(self._on_locked)
        self.load_all()

    # -- building ---------------------------------------------------------------------------
    def _build_data_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Data", parent)
        group.setObjectName("data_group")
        layout = QVBoxLayout(group)
        layout.setSpacing(8)
        top = QFormLayout()
        self.data_top_form = top
        top.setHorizontalSpacing(12)
        self.dataset_combo = QComboBox(group)
        self.dataset_combo.setObjectName("dataset_combo")
        self.dataset_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.dataset_combo.setMinimumContentsLength(8)
        self.dataset_combo.setMinimumWidth(80)
        category = None
        for spec in DATASETS:
            if category is not None and spec.category != category:
                self.dataset_combo.insertSeparator(self.dataset_combo.count())
            category = spec.category
            self.dataset_combo.addItem(spec.display_name, spec.name)
            self.dataset_combo.setItemData(
                self.dataset_combo.count() - 1, spec.help, Qt.ItemDataRole.ToolTipRole
            )
        self.dataset_combo.activated.connect(self._dataset_chosen)
        top.addRow("Dataset", self.dataset_combo)
        self.import_csv_button = QPushButton("Import CSV…", group)
        self.import_csv_button.setObjectName("import_csv_button")
        self.import_csv_button.setToolTip("Use your own table from a CSV file, with a preview.")
        self.import_csv_button.clicked.connect(lambda: self.open_csv_import())
        top.addRow("", self.import_csv_button)
        self.csv_dialog: CsvImportDialog | None = None
        layout.addLayout(top)
        self.dataset_help = _muted("", group, "settings_hint")
        layout.addWidget(self.dataset_help)
        self.dataset_form_holder = QVBoxLayout()
        layout.addLayout(self.dataset_form_holder)
        self.dataset_form: ParamForm | None = None
        self._dataset_form_for: str | None = None

        split_form = QFormLayout()
        self.split_form = split_form
        split_form.setHorizontalSpacing(12)
        self.split_val = self._percent_box(group, "split_val", "Share held out for validation.")
        self.split_test = self._percent_box(
            group, "split_test", "Share held out for the final test; never used for training."
        )
        self.split_train = QLabel(group)
        self.split_train.setObjectName("split_train")
        self.split_train.setWordWrap(True)
        self.split_train.setToolTip("What is left after validation and test trains the network.")
        split_form.addRow("Validation", self.split_val)
        split_form.addRow("Test", self.split_test)
        split_form.addRow("Training", self.split_train)
        layout.addLayout(split_form)

        self.features_box = QWidget(group)
        self.features_box.setObjectName("features_box")
        grid = QGridLayout(self.features_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        grid.addWidget(QLabel("Extra inputs", self.features_box), 0, 0, 1, 3)
        self.feature_checks: dict[str, QCheckBox] = {}
        for i, feature in enumerate(DERIVED_FEATURES):
            check = QCheckBox(feature.label, self.features_box)
            check.setObjectName(f"feature_{feature.name}")
            check.setToolTip(feature.help)
            check.toggled.connect(self._features_changed)
            grid.addWidget(check, 1 + i // 3, i % 3)
            self.feature_checks[feature.name] = check
        layout.addWidget(self.features_box)
        self.preview = DatasetPreview(group)
        layout.addWidget(self.preview)
        return group

    def _percent_box(self, parent: QWidget, name: str, tip: str) -> QSpinBox:
        box = QSpinBox(parent)
        box.setObjectName(name)
        box.setRange(0, SPLIT_MAX)
        box.setSuffix(" %")
        box.setToolTip(tip)
        box.setKeyboardTracking(False)
        box.valueChanged.connect(self._split_changed)
        return box

    def _build_training_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Training", parent)
        group.setObjectName("training_group")
        layout = QVBoxLayout(group)
        layout.setSpacing(8)
        optimizer_spec = TRAINING_PARAMS.get("optimizer")
        self.optimizer_form = ParamForm([optimizer_spec], group, name="optimizer_form")
        self.optimizer_form.committed.connect(self._training_committed)
        layout.addWidget(self.optimizer_form)
        self.optimizer_params_holder = QVBoxLayout()
        self.optimizer_params_holder.setContentsMargins(16, 0, 0, 4)
        layout.addLayout(self.optimizer_params_holder)
        self.optimizer_params_form: ParamForm | None = None
        self._optimizer_form_for: str | None = None
        rest = [s for s in TRAINING_PARAMS if s.name not in ("optimizer", "device")]
        self.training_form = ParamForm(rest, group, name="training_form")
        self.training_form.committed.connect(self._training_committed)
        layout.addWidget(self.training_form)
        self.device_combo = QComboBox(group)
        self.device_combo.setObjectName("device_combo")
        self.device_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.device_combo.setMinimumContentsLength(8)
        self.device_combo.setMinimumWidth(80)
        self.device_combo.setToolTip(TRAINING_PARAMS.get("device").help)
        self.device_combo.activated.connect(self._device_chosen)
        self.training_form.layout_.addRow(TRAINING_PARAMS.get("device").label, self.device_combo)
        return group

    def _on_locked(self, locked: bool) -> None:
        self.widget().setEnabled(not locked)

    # -- reading the document ---------------------------------------------------------------
    @contextmanager
    def _keeping_place(self) -> Iterator[None]:
        """Keep the scroll position while forms are rebuilt (another dataset, optimizer or
        project): the panel must not jump to the top, or to wherever focus lands."""
        bar = self.verticalScrollBar()
        value = bar.value()
        yield
        bar.setValue(value)
        # The new forms are laid out on the next turn of the event loop; the range they
        # give may clamp the value until then.
        QTimer.singleShot(0, bar, lambda: bar.setValue(value))

    def _drop_form(self, form: ParamForm) -> None:
        """Remove a form. If it holds the focus, the panel takes it first: otherwise Qt
        hands it to the next field in the tab order, and the panel scrolls to that."""
        focus = QApplication.focusWidget()
        if focus is not None and form.isAncestorOf(focus):
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        form.setParent(None)
        form.deleteLater()

    def load_all(self) -> None:
        with self._keeping_place():
            self.load_dataset()
            self.load_training()

    def load_dataset(self) -> None:
        with self._keeping_place():
            self._load_dataset()

    def _load_dataset(self) -> None:
        config = self.doc.project.dataset
        spec = config.spec()
        index = self.dataset_combo.findData(config.name)
        self.dataset_combo.setCurrentIndex(index)
        self.dataset_combo.setToolTip(spec.help)
        self.dataset_help.setText(spec.help)
        if self._dataset_form_for != config.name:
            if self.dataset_form is not None:
                self._drop_form(self.dataset_form)
            self.dataset_form = ParamForm(spec.params, self.widget(), name="dataset_form")
            self.dataset_form.committed.connect(self._dataset_param_committed)
            self.dataset_form_holder.addWidget(self.dataset_form)
            self._dataset_form_for = config.name
            self._align_labels()
        self.dataset_form.set_values(config.resolved_params())
        for box, value in ((self.split_val, config.val), (self.split_test, config.test)):
            box.blockSignals(True)
            box.setValue(round(value * 100))
            box.blockSignals(False)
        self.split_train.setText(f"{round(config.train * 100)} % of the samples")
        self.features_box.setVisible(spec.is_2d)
        for name, check in self.feature_checks.items():
            check.blockSignals(True)
            check.setChecked(name in config.features)
            check.blockSignals(False)
        self.preview.set_config(copy.deepcopy(config))

    def load_training(self) -> None:
        with self._keeping_place():
            self._load_training()

    def _load_training(self) -> None:
        settings = self.doc.project.training
        self.optimizer_form.set_values(settings.values)
        self.training_form.set_values(settings.values)
        self.training_form.apply_relevance(training_relevance(settings.values))
        optimizer = settings["optimizer"]
        if self._optimizer_form_for != optimizer:
            if self.optimizer_params_form is not None:
                self._drop_form(self.optimizer_params_form)
            spec = OPTIMIZERS.get(optimizer)
            self.optimizer_params_form = ParamForm(
                spec.params, self.widget(), name="optimizer_params_form"
            )
            self.optimizer_params_form.setToolTip(spec.help)
            self.optimizer_params_form.committed.connect(self._optimizer_param_committed)
            self.optimizer_params_holder.addWidget(self.optimizer_params_form)
            self._optimizer_form_for = optimizer
            self._align_labels()
        self.optimizer_params_form.set_values(settings.optimizer_values())
        self._fill_devices()

    def _align_labels(self) -> None:
        """One label column width for every form in the panel, so the fields line up."""
        forms = [self.data_top_form, self.split_form, self.optimizer_form.layout_,
                 self.training_form.layout_]  # fmt: skip
        indented = []
        if self.dataset_form is not None:
            forms.append(self.dataset_form.layout_)
        if self.optimizer_params_form is not None:
            indented.append(self.optimizer_params_form.layout_)
        labels = [(label, 0) for form in forms for label in _form_labels(form)]
        indent = self.optimizer_params_holder.contentsMargins().left()
        labels += [(label, indent) for form in indented for label in _form_labels(form)]
        if not labels:
            return
        width = min(max(label.sizeHint().width() + shift for label, shift in labels), LABEL_MAX)
        for label, shift in labels:
            label.setFixedWidth(width - shift)

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Fill the device list with what torch sees (called once the probe finishes)."""
        self.devices = list(devices)
        self._fill_devices()

    def _fill_devices(self) -> None:
        current = self.doc.project.training["device"]
        combo = self.device_combo
        combo.blockSignals(True)
        combo.clear()
        for name, label in self.devices:
            combo.addItem(label, name)
        if combo.findData(current) < 0:
            combo.addItem(f"{current} (not available here)", current)
        combo.setCurrentIndex(combo.findData(current))
        combo.blockSignals(False)

    # -- user changes -> undo commands ------------------------------------------------------
    def _push_dataset(self, config: DatasetConfig, text: str) -> None:
        try:
            config.validate()
        except NNStudioError as exc:
            self.status_message.emit(str(exc))
            self.load_dataset()
            return
        command: QUndoCommand = SetDatasetCommand(self.doc, config, text)
        follow = output_follow_commands(self.doc, config)
        if follow:  # the Output's task and loss follow the data, in the same undo step
            command = CompoundCommand(text, [command, *follow])
        if self.doc.push(command) is False:
            self.load_dataset()

    def _push_training(self, settings_change: dict[str, Any], optimizer: dict | None, text: str):
        current = self.doc.project.training
        try:
            values = {**current.values, **settings_change}
            opt = copy.deepcopy(current.optimizer_params)
            if optimizer is not None:
                opt.update(optimizer)
            new = TrainingSettings(values, opt)
        except NNStudioError as exc:
            self.status_message.emit(str(exc))
            self.load_training()
            return
        if new.to_dict() == current.to_dict():
            return
        if self.doc.push(SetTrainingCommand(self.doc, new, text)) is False:
            self.load_training()

    def _dataset_chosen(self, _index: int) -> None:
        name = self.dataset_combo.currentData()
        config = self.doc.project.dataset
        if not name or name == config.name:
            return
        spec = DATASETS.get(name)
        features = config.features if spec.is_2d else ()
        new = dataclasses.replace(config, name=name, params={}, features=tuple(features))
        self._push_dataset(new, f"Choose dataset {spec.display_name}")

    def open_csv_import(self, path: str | None = None) -> None:
        """Open the CSV import dialog (not blocking), reading `path` when given (a dropped
        file); OK makes its result the dataset."""
        dialog = CsvImportDialog(copy.deepcopy(self.doc.project.dataset), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._csv_imported(dialog.config()))
        dialog.finished.connect(lambda _result: setattr(self, "csv_dialog", None))
        self.csv_dialog = dialog
        dialog.open()
        if path:
            dialog.load_file(path)

    def _csv_imported(self, config: DatasetConfig) -> None:
        if config.to_dict() != self.doc.project.dataset.to_dict():
            self._push_dataset(config, "Import CSV file")

    def _dataset_param_committed(self, name: str, value: Any) -> None:
        config = self.doc.project.dataset
        spec = config.spec().params.get(name)
        new = dataclasses.replace(config, params={**config.params, name: value})
        self._push_dataset(new, f"Change dataset {spec.label.lower() if spec else name}")

    def _split_changed(self, _value: int) -> None:
        val, test = self.split_val.value(), self.split_test.value()
        if val + test > SPLIT_MAX:
            self.status_message.emit(
                f"Validation and test together can hold at most {SPLIT_MAX} %: the rest trains."
            )
            self.load_dataset()
            return
        config = self.doc.project.dataset
        new = dataclasses.replace(
            config, train=(100 - val - test) / 100, val=val / 100, test=test / 100
        )
        self._push_dataset(new, "Change data split")

    def _features_changed(self, _on: bool) -> None:
        names = tuple(n for n, check in self.feature_checks.items() if check.isChecked())
        config = self.doc.project.dataset
        self._push_dataset(dataclasses.replace(config, features=names), "Change extra inputs")

    def _training_committed(self, name: str, value: Any) -> None:
        label = TRAINING_PARAMS.get(name).label.lower()
        self._push_training({name: value}, None, f"Change {label}")

    def _optimizer_param_committed(self, name: str, value: Any) -> None:
        current = self.doc.project.training
        optimizer = current["optimizer"]
        values = {**current.optimizer_values(optimizer), name: value}
        spec = OPTIMIZERS.get(optimizer).params.get(name)
        label = spec.label.lower() if spec else name
        self._push_training({}, {optimizer: values}, f"Change {label}")

    def _device_chosen(self, _index: int) -> None:
        self._push_training({"device": self.device_combo.currentData()}, None, "Change device")
