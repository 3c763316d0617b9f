"""How a connection is drawn: a curve from an output port to an input port, with its shape."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from nnstudio.core.graph import Edge
from nnstudio.core.layers import Shape, fmt_shape
from nnstudio.ui import theme

LABEL_PX = 16
LABEL_PAD = 6.0
PORT_CLEARANCE = 4.0
"""How far a label keeps from a card's edge (the ports sit below it, on the wire)."""
EDGE_COLOR = "#94A3B8"
LOD_LABEL = 0.4
"""Below this zoom the shape label is not drawn (the same threshold as node details)."""


SKIP_DISTANCE = 260.0
"""A forward wire longer than this, between nodes at about the same height, skips over the
nodes between them (a residual connection), so it is drawn as an arc above them."""


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve, the usual look of a node editor's wires; skips arc over."""
    path = QPainterPath(start)
    dx, dy = end.x() - start.x(), end.y() - start.y()
    if dx > SKIP_DISTANCE and abs(dy) < 60:
        lift = min(60.0 + 0.1 * dx, 160.0) * 4 / 3  # the arc peaks at 3/4 of the control lift
        top = min(start.y(), end.y()) - lift
        path.cubicTo(QPointF(start.x() + dx * 0.2, top), QPointF(end.x() - dx * 0.2, top), end)
        return path
    reach = max(abs(dx) * 0.5, 40.0)
    path.cubicTo(start + QPointF(reach, 0), end - QPointF(reach, 0), end)
    return path


_UNSET = object()


class EdgeItem(QGraphicsPathItem):
    def __init__(self, edge: Edge) -> None:
        super().__init__()
        self.edge = edge
        self.label = ""
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self.setAcceptHoverEvents(True)
        self._font = QFont()
        self._font.setPixelSize(LABEL_PX)
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self._shape: object = _UNSET
        self._avoid: tuple[QRectF, ...] = ()

    def set_ends(self, start: QPointF, end: QPointF, avoid: tuple[QRectF, ...] = ()) -> None:
        """Route the wire; its label keeps clear of the `avoid` rects (the two cards it joins),
        which are drawn above wires and would hide it."""
        self.prepareGeometryChange()
        path = curve(start, end)
        self.setPath(path)
        self._avoid = avoid
        self._place_label()

    def set_shape(self, shape: Shape | None, src_label: str, dst_label: str) -> None:
        """Show the tensor shape this wire carries; unchanged shapes cost nothing, so a whole
        graph's wires can be refreshed after every edit."""
        if shape == self._shape:
            return
        self._shape = shape
        self.set_label(fmt_shape(shape) if shape is not None else "")
        carries = f": carries {fmt_shape(shape)}" if shape is not None else ""
        self.setToolTip(f"{src_label} → {dst_label}{carries}")

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.prepareGeometryChange()
            self.label = text
            self._place_label()
            self.update()

    def _place_label(self) -> None:
        self._bounds = super().boundingRect().adjusted(-4, -4, 4, 4)
        if not self.label:
            self._label_rect = QRectF()
            return
        metrics = QFontMetricsF(self._font)
        width = metrics.horizontalAdvance(self.label) + 2 * LABEL_PAD
        height = metrics.height() + 2
        mid = self.path().pointAtPercent(0.5)
        # Above the wire, so it never covers the wire itself or the ports at either end.
        rect = QRectF(mid.x() - width / 2, mid.y() - height - 9, width, height)
        # Cards are drawn above wires: a label that would sit under one moves below the
        # wire, or else above the cards in its way.
        if self._cards_under(rect):
            below = rect.translated(0, height + 18)
            if not self._cards_under(below):
                rect = below
            else:
                for _ in range(4):
                    cards = self._cards_under(rect)
                    if not cards:
                        break
                    rect.moveBottom(min(r.top() for r in cards) - 4)
        self._label_rect = rect
        self._bounds = self._bounds.united(rect)

    def _cards_under(self, rect: QRectF) -> list[QRectF]:
        """The node cards (scene rects) that `rect`, with a port's clearance, overlaps."""
        wide = rect.adjusted(-PORT_CLEARANCE, 0, PORT_CLEARANCE, 0)
        grid = getattr(self.scene(), "card_grid", None)
        if grid is None:
            return [r for r in self._avoid if wide.intersects(r)]
        return grid.rects_in(wide)

    def boundingRect(self) -> QRectF:
        # Cached: Qt asks for it for every wire on every repaint, and a Python override is
        # the slow part of that at a thousand wires.
        return self._bounds

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        path = stroker.createStroke(self.path())
        if not self._label_rect.isNull():
            path.addRect(self._label_rect)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod >= LOD_LABEL)
        selected = self.isSelected()
        color = QColor(theme.ACCENT if selected else EDGE_COLOR)
        painter.setPen(
            QPen(color, 2.6 if selected else 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        if self.label and lod >= LOD_LABEL:
            painter.setPen(QPen(color, 1.0))
            painter.setBrush(QColor(theme.BASE))
            painter.drawRoundedRect(self._label_rect, 6, 6)
            painter.setFont(self._font)
            painter.setPen(QColor(theme.ACCENT if selected else "#475569"))
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.label)
