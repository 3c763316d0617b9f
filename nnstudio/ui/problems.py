"""The Problems list: every error and warning of the latest analysis. A click shows the node
the problem is about, opening the blocks it lies in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from nnstudio.core.datasets.locate import DataLocation, missing_location, relocated
from nnstudio.core.validation import Analysis
from nnstudio.ui import theme
from nnstudio.ui.document import Document

NODE_ROLE = Qt.ItemDataRole.UserRole
OK_TEXT = "No problems: the network is ready to train."


def _badge(color: str, mark: str) -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(1, 1, 14, 14)
    painter.setPen(QColor("#FFFFFF"))
    font = painter.font()
    font.setPixelSize(11)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, mark)
    painter.end()
    return QIcon(pixmap)


class ProblemsPanel(QListWidget):
    node_requested = Signal(list)
    """A problem that belongs to a node was clicked: its location (the blocks to open from
    the top, then the node), to select and show that node."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problems_list")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.doc = doc
        self._icons = {
            "error": _badge(theme.ERROR, "!"),
            "warning": _badge(theme.WARNING, "!"),
            "ok": _badge("#16A34A", "✓"),
        }
        self._shown: list = []
        self.locate_button: QPushButton | None = None
        """Shown while the project's data file or folder is missing."""
        self.itemClicked.connect(self._clicked)
        doc.analysis_changed.connect(self.show_analysis)
        self.show_analysis(doc.analysis)

    def show_analysis(self, analysis: Analysis) -> None:
        missing = missing_location(self.doc.project.dataset)
        shown = [*analysis.problems, missing]
        if self._shown == shown and self.count():
            return  # most edits leave the problems as they were: keep the list, skip its layout
        self._shown = shown
        self.clear()
        self.locate_button = None
        if missing is not None:
            self._add_locate_row(missing)
        ordered = sorted(analysis.problems, key=lambda p: p.severity != "error")
        for problem in ordered:
            item = QListWidgetItem(self._icons[problem.severity], problem.message, self)
            item.setData(NODE_ROLE, problem.location)
            item.setToolTip(problem.message)
        if not ordered:
            item = QListWidgetItem(self._icons["ok"], OK_TEXT, self)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)

    def _add_locate_row(self, missing: DataLocation) -> None:
        """A row that says the data moved, with a Locate… button that points the project at it."""
        what = "CSV file" if missing.kind == "file" else "data folder"
        text = f"The {what} {missing.current} is not there: locate it."
        item = QListWidgetItem(self._icons["error"], "", self)
        item.setToolTip(text)
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(22, 0, 4, 0)
        label = QLabel(text, row)
        label.setWordWrap(True)
        button = QPushButton("Locate…", row)
        button.setObjectName("locate_data_button")
        button.clicked.connect(self.locate)
        layout.addWidget(label, 1)
        layout.addWidget(button)
        item.setSizeHint(row.sizeHint())
        self.setItemWidget(item, row)
        self.locate_button = button

    def choose_location(self, location: DataLocation) -> str:
        """Ask for the moved file or folder; "" when cancelled (tests replace this)."""
        start = str(Path(location.current).parent) if location.current else ""
        if location.kind == "folder":
            return QFileDialog.getExistingDirectory(self, "Locate the data folder", start)
        path, _ = QFileDialog.getOpenFileName(
            self, "Locate the CSV file", start, "CSV files (*.csv *.tsv *.txt);;All files (*)"
        )
        return path

    def locate(self) -> bool:
        """Point the dataset at the file or folder the user picks, as one undoable edit."""
        missing = missing_location(self.doc.project.dataset)
        if missing is None:
            return False
        path = self.choose_location(missing)
        if not path:
            return False
        from nnstudio.ui.commands import SetDatasetCommand

        config = relocated(self.doc.project.dataset, path)
        return self.doc.push(SetDatasetCommand(self.doc, config, "Locate data"))

    def messages(self) -> list[str]:
        texts = (self.item(i).text() for i in range(self.count()))
        return [text for text in texts if text and text != OK_TEXT]

    def _clicked(self, item: QListWidgetItem) -> None:
        location = item.data(NODE_ROLE)
        if location:
            self.node_requested.emit(list(location))
