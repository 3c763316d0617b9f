"""Import CSV…: pick a file, see its first rows, and choose the target, the task, the feature
columns and the normalization. The result is a dataset config (path plus choices), so the
project file reopens the same file the same way.

Every choice list comes from the CSV dataset's declared settings (CSV_PARAMS); the dialog only
arranges them around a preview.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.datasets.csv_import import (
    CSV_PARAMS,
    describe_csv,
    format_column_list,
    parse_column_list,
    plan_csv,
)
from nnstudio.core.datasets.csv_table import CsvTable, read_csv_table
from nnstudio.core.errors import NNStudioError
from nnstudio.ui import theme

PREVIEW_ROWS = 20
REGRESSION_GUESS = 20
"""A numeric target with more distinct values than this is guessed to be a regression one."""


SHOW_PROGRESS_AFTER_MS = 300


class ReadProgress:
    """Progress and Cancel while a big file is read: the read calls this between chunks.

    The window appears only when reading takes a while, and the read runs on this thread, so
    events are handled here to keep the window (and its Cancel button) alive.
    """

    def __init__(self, parent: QWidget, path: str) -> None:
        self.parent = parent
        self.name = Path(path).name
        self.timer = QElapsedTimer()
        self.timer.start()
        self.dialog: QProgressDialog | None = None

    def __call__(self, fraction: float) -> bool:
        if self.dialog is None and self.timer.elapsed() > SHOW_PROGRESS_AFTER_MS:
            self.dialog = QProgressDialog(f"Reading {self.name}…", "Cancel", 0, 1000, self.parent)
            self.dialog.setObjectName("csv_progress")
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(0)
        if self.dialog is None:
            return True
        self.dialog.setValue(round(fraction * 1000))
        QCoreApplication.processEvents()
        return not self.dialog.wasCanceled()

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None


def _choice_combo(name: str, parent: QWidget) -> QComboBox:
    spec = CSV_PARAMS.get(name)
    assert spec is not None
    combo = QComboBox(parent)
    combo.setObjectName(f"csv_{name}")
    combo.setToolTip(spec.help)
    for value in spec.choices:
        combo.addItem(spec.display_choice(value), value)
    combo.setCurrentIndex(combo.findData(spec.default))
    return combo


class CsvImportDialog(QDialog):
    """Builds the CSV dataset settings; `config()` gives the result once accepted."""

    def __init__(self, initial: DatasetConfig | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("csv_import_dialog")
        self.setWindowTitle("Import CSV")
        self.resize(720, 560)
        self.table: CsvTable | None = None
        self._table_path = ""
        self._base = initial or DatasetConfig("csv")
        layout = QVBoxLayout(self)

        file_row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("csv_path")
        self.path_edit.setPlaceholderText("Path of a .csv file")
        self.path_edit.editingFinished.connect(self._path_edited)
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.setObjectName("csv_browse")
        self.browse_button.clicked.connect(self.browse)
        file_row.addWidget(QLabel("File", self))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        layout.addLayout(file_row)

        read_row = QHBoxLayout()
        self.delimiter_combo = _choice_combo("delimiter", self)
        self.delimiter_combo.activated.connect(self._reread)
        header_spec = CSV_PARAMS.get("header")
        assert header_spec is not None
        self.header_check = QCheckBox("First row holds column names", self)
        self.header_check.setObjectName("csv_header")
        self.header_check.setToolTip(header_spec.help)
        self.header_check.setChecked(header_spec.default)
        self.header_check.toggled.connect(self._reread)
        skip_spec = CSV_PARAMS.get("skip_lines")
        assert skip_spec is not None
        self.skip_spin = QSpinBox(self)
        self.skip_spin.setObjectName("csv_skip_lines")
        self.skip_spin.setRange(int(skip_spec.minimum or 0), int(skip_spec.maximum or 10_000))
        self.skip_spin.setToolTip(skip_spec.help)
        self.skip_spin.valueChanged.connect(self._reread)
        read_row.addWidget(QLabel("Separator", self))
        read_row.addWidget(self.delimiter_combo)
        read_row.addSpacing(16)
        read_row.addWidget(QLabel("Skip lines", self))
        read_row.addWidget(self.skip_spin)
        read_row.addSpacing(16)
        read_row.addWidget(self.header_check)
        read_row.addStretch(1)
        layout.addLayout(read_row)

        self.preview = QTableWidget(self)
        self.preview.setObjectName("csv_preview")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setMinimumHeight(160)
        layout.addWidget(self.preview, 2)

        roles = QHBoxLayout()
        form = QFormLayout()
        self.target_combo = QComboBox(self)
        self.target_combo.setObjectName("csv_target")
        self.target_combo.setToolTip(CSV_PARAMS.get("target").help)  # type: ignore[union-attr]
        self.target_combo.activated.connect(self._target_chosen)
        self.task_combo = _choice_combo("task", self)
        self.task_combo.activated.connect(self._revalidate)
        self.normalization_combo = _choice_combo("normalization", self)
        self.normalization_combo.activated.connect(self._revalidate)
        form.addRow("Target column", self.target_combo)
        form.addRow("Task", self.task_combo)
        form.addRow("Normalization", self.normalization_combo)
        self.bad_values_combo = _choice_combo("bad_values", self)
        self.bad_values_combo.activated.connect(self._revalidate)
        form.addRow("Bad values", self.bad_values_combo)
        roles.addLayout(form, 1)
        features = QVBoxLayout()
        features.addWidget(QLabel("Feature columns", self))
        self.feature_list = QListWidget(self)
        self.feature_list.setObjectName("csv_features")
        self.feature_list.setToolTip(CSV_PARAMS.get("features").help)  # type: ignore[union-attr]
        self.feature_list.itemChanged.connect(self._revalidate)
        features.addWidget(self.feature_list)
        roles.addLayout(features, 1)
        layout.addLayout(roles, 1)

        self.status = QLabel(self)
        self.status.setObjectName("csv_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("csv_ok")
        self.browse_button.setAutoDefault(False)
        layout.addWidget(self.buttons)

        self._apply_initial()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the path field reads the file; it must not close the dialog with OK."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.focusWidget() is self.path_edit:
            event.accept()
            return
        super().keyPressEvent(event)

    # -- filling in -------------------------------------------------------------------------
    def _apply_initial(self) -> None:
        """Start from the current CSV settings, so the dialog edits them rather than resets."""
        values = self._base.resolved_params() if self._base.name == "csv" else {}
        if not values.get("path"):
            self._show_error("Choose a CSV file: one row per sample, one column per value.")
            return
        self.path_edit.setText(values["path"])
        self.delimiter_combo.setCurrentIndex(self.delimiter_combo.findData(values["delimiter"]))
        self.header_check.blockSignals(True)
        self.header_check.setChecked(values["header"])
        self.header_check.blockSignals(False)
        self.skip_spin.blockSignals(True)
        self.skip_spin.setValue(values["skip_lines"])
        self.skip_spin.blockSignals(False)
        self.bad_values_combo.setCurrentIndex(self.bad_values_combo.findData(values["bad_values"]))
        self.task_combo.setCurrentIndex(self.task_combo.findData(values["task"]))
        method = values["normalization"]
        self.normalization_combo.setCurrentIndex(self.normalization_combo.findData(method))
        if self._read():
            assert self.table is not None
            target = values["target"] or self.table.columns[-1]
            if target in self.table.columns:
                self.target_combo.setCurrentIndex(self.target_combo.findData(target))
            chosen = parse_column_list(values["features"])
            self._fill_features(chosen or None)
            self._revalidate()

    def browse(self) -> None:
        start = (
            str(Path(self.path_edit.text()).expanduser().parent) if self.path_edit.text() else ""
        )
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import CSV", start, "CSV files (*.csv *.tsv *.txt);;All files (*)"
        )
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> bool:
        """Read `path` and reset the column choices to: last column is the target, the rest
        are features."""
        self.path_edit.setText(path)
        if not self._read():
            return False
        assert self.table is not None
        self.target_combo.setCurrentIndex(self.target_combo.count() - 1)
        self._target_chosen()
        return True

    def _path_edited(self) -> None:
        if self.table is None or self.path_edit.text() != self._table_path:
            self.load_file(self.path_edit.text())

    def _reread(self, *_args: object) -> None:
        if self.path_edit.text():
            self.load_file(self.path_edit.text())

    def _read(self) -> bool:
        self._table_path = self.path_edit.text()
        progress = ReadProgress(self, self.path_edit.text())
        try:
            self.table = read_csv_table(
                self.path_edit.text(), self.delimiter_combo.currentData(),
                self.header_check.isChecked(), self.skip_spin.value(), progress,
            )  # fmt: skip
        except NNStudioError as exc:
            progress.close()
            self.table = None
            self.preview.clear()
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            self.target_combo.clear()
            self.feature_list.clear()
            self._show_error(str(exc))
            return False
        progress.close()
        table = self.table
        self.preview.clear()
        self.preview.setColumnCount(len(table.columns))
        self.preview.setHorizontalHeaderLabels(list(table.columns))
        rows = table.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(rows))
        self.preview.setVerticalHeaderLabels([str(line) for line in table.lines[:PREVIEW_ROWS]])
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem(cell))
        self.preview.resizeColumnsToContents()
        self.target_combo.clear()
        for name in table.columns:
            self.target_combo.addItem(name, name)
        return True

    def _column_label(self, index: int) -> str:
        assert self.table is not None
        info = self.table.column(index)
        if info.numeric:
            return f"{info.name}  (numbers)"
        return f"{info.name}  (text, {len(info.categories)} values → one-hot)"

    def _fill_features(self, chosen: list[str] | None) -> None:
        """One checkbox per column but the target; `chosen` None checks them all."""
        assert self.table is not None
        target = self.target_combo.currentData()
        self.feature_list.blockSignals(True)
        self.feature_list.clear()
        for index, name in enumerate(self.table.columns):
            if name == target:
                continue
            item = QListWidgetItem(self._column_label(index), self.feature_list)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = chosen is None or name in chosen
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.feature_list.blockSignals(False)

    def _target_chosen(self, *_args: object) -> None:
        """A new target: every other column becomes a feature and the task is guessed."""
        if self.table is None:
            return
        index = self.table.index(self.target_combo.currentData())
        info = self.table.column(index)
        many = info.distinct is None or info.distinct > REGRESSION_GUESS
        task = "regression" if info.numeric and many else "classification"
        self.task_combo.setCurrentIndex(self.task_combo.findData(task))
        self._fill_features(None)
        self._revalidate()

    # -- result -----------------------------------------------------------------------------
    def feature_names(self) -> list[str]:
        items = [self.feature_list.item(i) for i in range(self.feature_list.count())]
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def values(self) -> dict:
        """The CSV dataset's settings as chosen here."""
        features = self.feature_names()
        every = len(features) == self.feature_list.count()
        base = self._base.resolved_params() if self._base.name == "csv" else {}
        return {
            **{key: base[key] for key in ("max_categories", "seed") if key in base},
            "path": self.path_edit.text(),
            "target": self.target_combo.currentData() or "",
            "task": self.task_combo.currentData(),
            # Every column but the target is stored as "all", so new columns are included.
            "features": "" if every else format_column_list(features),
            "normalization": self.normalization_combo.currentData(),
            "delimiter": self.delimiter_combo.currentData(),
            "header": self.header_check.isChecked(),
            "skip_lines": self.skip_spin.value(),
            "bad_values": self.bad_values_combo.currentData(),
        }

    def config(self) -> DatasetConfig:
        """The dataset config to use: the CSV settings, with the split of the current one."""
        base = self._base
        return DatasetConfig("csv", self.values(), base.train, base.val, base.test)

    def _revalidate(self, *_args: object) -> None:
        if self.table is None:
            self.ok_button.setEnabled(False)
            return
        if not self.feature_names():
            # An empty list would read as "every column" in the settings, so stop here.
            self._show_error("Choose at least one feature column.")
            return
        try:
            config = self.config()
            info = describe_csv(config.resolved_params())
        except NNStudioError as exc:
            self._show_error(str(exc))
            return
        rows = self.table.n_rows
        what = (
            "a number to predict"
            if info.task == "regression"
            else f"{info.num_classes} classes to tell apart"
        )
        notes = " ".join(self._plan_notes(config))
        self.status.setStyleSheet(f"color: {theme.MUTED};")
        self.status.setText(f"{rows:,} rows · {info.input_shape[0]} inputs · {what}. {notes}")
        self.ok_button.setEnabled(True)

    def _plan_notes(self, config: DatasetConfig) -> tuple[str, ...]:
        try:
            return plan_csv(config.resolved_params()).notes
        except NNStudioError:
            return ()

    def _show_error(self, text: str) -> None:
        self.status.setStyleSheet(f"color: {theme.ERROR};")
        self.status.setText(text)
        self.ok_button.setEnabled(False)
