"""Help → Keyboard shortcuts and Help → About."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio import __version__

CANVAS_GESTURES = (
    ("Drag from an output port to an input port", "Connect two layers"),
    ("Drag on empty canvas", "Select with a rubber band"),
    ("Mouse wheel", "Zoom"),
    ("Middle-drag, or Space + drag", "Pan"),
    ("Double-click a palette entry", "Add the layer at the centre"),
)


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action that has a shortcut, in menu order."""
    rows = []
    for action in actions:
        keys = action.shortcut()
        if keys.isEmpty():
            continue
        text = action.text().replace("&", "").rstrip(".…")
        rows.append((keys.toString(QKeySequence.SequenceFormat.NativeText), text))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 560)
        layout = QVBoxLayout(self)
        rows = shortcut_rows(actions) + list(CANVAS_GESTURES)
        table = QTableWidget(len(rows), 2, self)
        table.setObjectName("shortcuts_table")
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        for row, (keys, what) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(what))
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table = table


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setObjectName("about_box")
    box.setWindowTitle("About NN Studio")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(
        f"<h3>NN Studio {__version__}</h3>"
        "<p>A desktop lab for neural networks: build a network from layers, pick a dataset, "
        "press Train and watch it learn.</p>"
        "<p>Built on PyTorch, Qt (PySide6) and pyqtgraph.</p>"
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()
