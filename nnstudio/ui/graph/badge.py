"""A small note pinned to a node card's top-right corner, e.g. "37 % dead" during training."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

BADGE_FILL = QColor("#b3261e")
BADGE_TEXT = QColor("#ffffff")


class BadgeItem(QGraphicsItem):
    """Draws its text in a rounded pill; the owner places it and sets the text."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.text = ""
        self.font = QFont()
        self.font.setPixelSize(13)
        self.font.setBold(True)
        self.setZValue(5)
        self._rect = QRectF()

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.prepareGeometryChange()
        self.text = text
        width = QFontMetricsF(self.font).horizontalAdvance(text) + 12
        self._rect = QRectF(-width, -10, width, 20)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(
        self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        if not self.text:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(BADGE_FILL.darker(120), 1))
        painter.setBrush(QBrush(BADGE_FILL))
        painter.drawRoundedRect(self._rect, 9, 9)
        painter.setPen(BADGE_TEXT)
        painter.setFont(self.font)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)
