"""The Problems list: every error and warning of the latest analysis; a click selects the node."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

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
    node_requested = Signal(str)
    """A problem that belongs to a node was clicked: select and show that node."""

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
        self.itemClicked.connect(self._clicked)
        doc.analysis_changed.connect(self.show_analysis)
        self.show_analysis(doc.analysis)

    def show_analysis(self, analysis: Analysis) -> None:
        if self._shown == analysis.problems and self.count():
            return  # most edits leave the problems as they were: keep the list, skip its layout
        self._shown = list(analysis.problems)
        self.clear()
        ordered = sorted(analysis.problems, key=lambda p: p.severity != "error")
        for problem in ordered:
            item = QListWidgetItem(self._icons[problem.severity], problem.message, self)
            item.setData(NODE_ROLE, problem.node_id)
            item.setToolTip(problem.message)
        if not ordered:
            item = QListWidgetItem(self._icons["ok"], OK_TEXT, self)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)

    def messages(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count()) if self.item(i).text() != OK_TEXT]

    def _clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.node_requested.emit(node_id)
