"""The Runs panel: every run of the project in a table, and the ticked runs' curves overlaid.

Rename, delete and pin are undo commands; "Apply Settings" puts a run's network and
settings back into the editor as one undo step. The panel reads the document's RunBook and
the controller's reports; it keeps no run state of its own beyond which rows are ticked.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.run import Run
from nnstudio.ui.document import Document
from nnstudio.ui.runs.commands import (
    DeleteRunsCommand,
    PinRunCommand,
    RenameRunCommand,
    apply_run_settings,
)
from nnstudio.ui.runs.overlay import ACCURACY_SERIES, LOSS_SERIES, OverlayPlot
from nnstudio.ui.runs.table_model import RunsTableModel

REFRESH_S = 0.5
WIDE_PX = 760
"""From this width (and wider than tall) the table sits beside the plot, not above it."""
"""While training, the table and overlay refresh at most this often."""


class RunsPanel(QWidget):
    train_variants = Signal()
    """The user asked to train variants (the window opens the dialog)."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runs_panel")
        self.doc = doc
        self.model = RunsTableModel(doc, self)
        self.highlight: str | None = None
        self._last_refresh = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._refresh_live)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.count_label = QLabel(self)
        self.count_label.setObjectName("runs_count")
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        self.buttons: dict[str, QToolButton] = {}
        for name, text, tip, slot in (
            (
                "variants",
                "Train Variants…",
                "Train several versions side by side",
                self.train_variants.emit,
            ),
            (
                "apply",
                "Apply Settings",
                "Put this run's network and settings back into the editor (undoable)",
                self.apply_selected,
            ),
            (
                "pin",
                "Pin",
                "Keep this run's weights in the file even when it is not the current run",
                self.toggle_pin,
            ),
            ("delete", "Delete", "Delete the selected runs (undoable)", self.delete_selected),
        ):
            button = QToolButton(self)
            button.setObjectName(f"runs_{name}")
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[name] = button
        layout.addLayout(bar)

        self.split = split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = QTableView(split)
        self.table.setObjectName("runs_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3, 4, 5, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._sync_buttons())

        plot_box = QWidget(split)
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        options = QHBoxLayout()
        self.loss_choice = QComboBox(plot_box)
        self.loss_choice.setObjectName("runs_loss_series")
        self.loss_choice.addItems(list(LOSS_SERIES))
        self.loss_choice.setToolTip("Which loss curve to compare")
        self.loss_choice.currentTextChanged.connect(self._series_changed)
        self.acc_choice = QComboBox(plot_box)
        self.acc_choice.setObjectName("runs_accuracy_series")
        self.acc_choice.addItems(list(ACCURACY_SERIES))
        self.acc_choice.currentTextChanged.connect(self._series_changed)
        self.group_box = QCheckBox("Group seeds", plot_box)
        self.group_box.setObjectName("runs_group_seeds")
        self.group_box.setToolTip(
            "Runs that differ only in their seed are drawn as one mean curve with a band "
            "from the lowest to the highest"
        )
        self.group_box.toggled.connect(self.redraw)
        self.log_box = QCheckBox("Log", plot_box)
        self.log_box.setToolTip("Show the loss on a logarithmic axis")
        self.log_box.toggled.connect(self._log_toggled)
        for widget in (self.loss_choice, self.acc_choice, self.group_box, self.log_box):
            options.addWidget(widget)
        options.addStretch(1)
        plot_layout.addLayout(options)
        self.overlay = OverlayPlot(plot_box)
        plot_layout.addWidget(self.overlay, 1)
        split.addWidget(self.table)
        split.addWidget(plot_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        self._user_sized = False
        split.splitterMoved.connect(lambda *_a: setattr(self, "_user_sized", True))
        layout.addWidget(split, 1)

        # Delete in the table deletes runs, not the canvas selection the Edit menu's Delete
        # would: the table claims the key before the window's shortcut sees it.
        self.table.installEventFilter(self)

        self.model.rename_requested.connect(self._rename)
        self.model.checked_changed.connect(self.redraw)
        doc.runs_changed.connect(self._runs_changed)
        self._runs_changed()

    def resizeEvent(self, event) -> None:
        """Table beside the plot when the panel is wide, above it when it is tall."""
        super().resizeEvent(event)
        wide = self.width() > 1.4 * self.height() and self.width() >= WIDE_PX
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.split.orientation() != orientation:
            self.split.setOrientation(orientation)
            self._user_sized = False
        if not self._user_sized:
            total = self.width() if wide else self.height()
            self.split.setSizes([int(total * 0.38), int(total * 0.62)])

    def eventFilter(self, watched, event) -> bool:
        if (
            watched is self.table
            and event.type()
            in (
                QEvent.Type.ShortcutOverride,
                QEvent.Type.KeyPress,
            )
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and (self.table.state() != QAbstractItemView.State.EditingState)
        ):
            event.accept()
            if event.type() == QEvent.Type.KeyPress:
                self.delete_selected()
            return True
        return super().eventFilter(watched, event)

    # -- reading ---------------------------------------------------------------------------
    def selected_runs(self) -> list[Run]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return [r for r in (self.model.run_at(i) for i in rows) if r is not None]

    def shown_runs(self) -> list[Run]:
        return [r for r in self.model.runs if r.id in self.model.checked]

    # -- live updates ----------------------------------------------------------------------
    @Slot()
    def _runs_changed(self) -> None:
        runs = self.model.runs
        # New runs are ticked, so what was just trained is on the plot at once.
        known = getattr(self, "_known", set())
        fresh = {r.id for r in runs} - known
        self._known = {r.id for r in runs}
        if fresh:
            self.model.checked |= fresh
        self.count_label.setText(
            f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
            if runs
            else "No runs yet: press Train"
        )
        self._sync_buttons()
        self.redraw()

    @Slot(object)
    def on_reports(self, _reports: Any) -> None:
        """Training reported: refresh numbers and curves, at most every REFRESH_S."""
        wait = self._last_refresh + REFRESH_S - time.perf_counter()
        if wait <= 0:
            self._refresh_live()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def _refresh_live(self) -> None:
        self._last_refresh = time.perf_counter()
        self.model.update_values()
        if self.isVisible():
            self.redraw()

    def redraw(self) -> None:
        self.overlay.draw(self.shown_runs(), self.highlight, self.group_box.isChecked())

    # -- actions -----------------------------------------------------------------------------
    def _sync_buttons(self) -> None:
        chosen = self.selected_runs()
        locked = self.doc.locked
        for name in ("apply", "pin"):
            self.buttons[name].setEnabled(len(chosen) == 1 and not locked)
        self.buttons["delete"].setEnabled(bool(chosen) and not _any_active(chosen))
        if len(chosen) == 1:
            self.buttons["pin"].setText("Unpin" if chosen[0].pinned else "Pin")

    @Slot(QModelIndex, QModelIndex)
    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        run = self.model.run_at(current.row())
        self.highlight = run.id if run is not None else None
        self._sync_buttons()
        self.redraw()

    def _rename(self, run: Run, label: str) -> None:
        self.doc.undo_stack.push(RenameRunCommand(self.doc, run, label))

    def delete_selected(self) -> None:
        chosen = [r for r in self.selected_runs() if not _any_active([r])]
        if chosen:
            self.doc.undo_stack.push(DeleteRunsCommand(self.doc, chosen))

    def toggle_pin(self) -> None:
        chosen = self.selected_runs()
        if len(chosen) == 1:
            run = chosen[0]
            self.doc.undo_stack.push(PinRunCommand(self.doc, run, not run.pinned))

    def apply_selected(self) -> None:
        chosen = self.selected_runs()
        if len(chosen) == 1:
            apply_run_settings(self.doc, chosen[0])

    def _series_changed(self, _text: str) -> None:
        self.overlay.loss_name = LOSS_SERIES[self.loss_choice.currentText()]
        self.overlay.acc_name = ACCURACY_SERIES[self.acc_choice.currentText()]
        self.redraw()

    def _log_toggled(self, on: bool) -> None:
        self.overlay.set_log(on)
        self.redraw()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectRow(index.row())
        chosen = self.selected_runs()
        menu = QMenu(self)
        menu.setObjectName("runs_menu")
        if len(chosen) == 1:
            run = chosen[0]
            menu.addAction("Rename", lambda: self.table.edit(self.model.index(index.row(), 0)))
            menu.addAction("Apply Settings to the Editor", self.apply_selected)
            menu.addAction("Unpin" if run.pinned else "Pin (keep its weights)", self.toggle_pin)
        if chosen:
            menu.addAction(
                "Show Only These", lambda: self.model.set_checked({r.id for r in chosen})
            )
            delete = menu.addAction("Delete", self.delete_selected)
            delete.setEnabled(not _any_active(chosen))
        menu.addSeparator()
        menu.addAction("Show All", lambda: self.model.set_checked({r.id for r in self.model.runs}))
        menu.addAction("Train Variants…", self.train_variants.emit)
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self._menu = menu


def _any_active(runs: list[Run]) -> bool:
    return any(r.status in ("running", "paused") for r in runs)
