"""How a layer node is drawn: a card with its summary, parameter count and ports.

The item only draws; the scene sets its state from the model and the latest analysis.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from nnstudio.core.graph import Node
from nnstudio.core.layers import PortSpec
from nnstudio.core.validation import Problem
from nnstudio.ui import theme

NODE_WIDTH = 150.0
NODE_HEIGHT = 76.0
PORT_RADIUS = 8.0
PAD = 12.0
TITLE_PX = 21
DETAIL_PX = 17
LOD_DETAIL = 0.4
"""Below this zoom a node shows only its layer name: summaries, counts and port labels would
be too small to read, and drawing their text is most of a node's paint time."""
LOD_BARE = 0.2
"""Below this zoom a node is a coloured card with no text at all (the whole-graph overview)."""


_MARGIN = PORT_RADIUS * 1.5 + 2
_BOUNDS = QRectF(
    -NODE_WIDTH / 2 - _MARGIN,
    -NODE_HEIGHT / 2 - _MARGIN,
    NODE_WIDTH + 2 * _MARGIN,
    NODE_HEIGHT + 2 * _MARGIN,
)


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


class PortItem(QGraphicsEllipseItem):
    """A connection point; drag from it to another port to connect."""

    def __init__(self, parent: NodeItem, port: PortSpec, is_input: bool, y: float) -> None:
        r = PORT_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r, parent)
        self.node_item = parent
        self.port = port
        self.is_input = is_input
        self.connected = False
        self.setPos(-NODE_WIDTH / 2 if is_input else NODE_WIDTH / 2, y)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        side = "input" if is_input else "output"
        label = port.label or port.name
        self.setToolTip(f"{side.capitalize()} {label}: drag to connect")
        self._hover = False
        self._refresh()

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    @property
    def name(self) -> str:
        return self.port.name

    def scene_center(self) -> QPointF:
        return self.scenePos()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._refresh()

    def set_highlight(self, on: bool) -> None:
        self._hover = on
        self._refresh()

    def _refresh(self) -> None:
        color = self.node_item.color
        self.setPen(QPen(color.darker(110), 2.0 if self._hover else 1.5))
        fill = color if (self.connected or self._hover) else QColor(theme.BASE)
        self.setBrush(QBrush(fill))
        scale = 1.35 if self._hover else 1.0
        self.setScale(scale)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.set_highlight(True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.set_highlight(False)
        super().hoverLeaveEvent(event)


class NodeItem(QGraphicsItem):
    """One node card. Its position is the node's centre, the same number the model stores.

    It has no itemChange override: Qt calls that for every change of every item (a dozen per
    new node), which made pasting hundreds of nodes slow; the scene reroutes wires itself."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node_id = node.id
        self.spec = node.spec
        self.color = theme.category_color(self.spec.category)
        self.title = self.spec.summary(node.params)
        self.detail = ""
        self.problems: list[Problem] = []
        self.inactive = False
        self._analysis_state: tuple[int | None, list[Problem], bool] | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setPos(QPointF(*node.pos))
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        for ports, is_input, store in (
            (self.spec.inputs, True, self.inputs),
            (self.spec.outputs, False, self.outputs),
        ):
            for i, port in enumerate(ports):
                y = -NODE_HEIGHT / 2 + NODE_HEIGHT * (i + 1) / (len(ports) + 1)
                store[port.name] = PortItem(self, port, is_input, y)
        self._update_tooltip()

    # -- state from the model ---------------------------------------------------------------
    def set_params(self, node: Node) -> None:
        self.title = self.spec.summary(node.params)
        self._update_tooltip()
        self.update()

    def set_analysis(
        self, param_count: int | None, problems: list[Problem], inactive: bool
    ) -> None:
        state = (param_count, problems, inactive)
        if state == self._analysis_state:
            return  # most nodes are unchanged by one edit: skip the tooltip and the repaint
        self._analysis_state = state
        self.problems = problems
        self.inactive = inactive
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            self.detail = "1 problem" if len(errors) == 1 else f"{len(errors)} problems"
        elif not param_count:
            self.detail = ""  # unknown, or a layer without weights: nothing worth a line
        else:
            self.detail = f"{param_count:,} params"
        self._update_tooltip()
        self.update()

    @property
    def has_error(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def _update_tooltip(self) -> None:
        lines = [f"<b>{self.title}</b> <span style='color:{theme.MUTED}'>({self.node_id})</span>"]
        for problem in self.problems:
            color = theme.ERROR if problem.severity == "error" else theme.WARNING
            lines.append(f"<span style='color:{color}'>{problem.message}</span>")
        lines.append(f"<span style='color:{theme.MUTED}'>{self.spec.help}</span>")
        self.setToolTip("<p style='white-space:pre-wrap'>" + "<br>".join(lines) + "</p>")

    def port(self, name: str, is_input: bool) -> PortItem | None:
        return (self.inputs if is_input else self.outputs).get(name)

    def ports(self) -> list[PortItem]:
        return [*self.inputs.values(), *self.outputs.values()]

    # -- drawing ----------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return _BOUNDS  # the same for every node; Qt asks for it on every repaint

    def body_rect(self) -> QRectF:
        return QRectF(-NODE_WIDTH / 2, -NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), 8, 8)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod >= LOD_BARE)
        rect = self.body_rect()
        error = self.has_error
        if lod >= LOD_DETAIL:  # soft shadow
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(15, 23, 42, 22))
            painter.drawRoundedRect(rect.translated(0, 2), 8, 8)
        if self.spec.name == "block":  # a stack of cards: there is more inside
            painter.setPen(QPen(QColor(theme.BORDER), 1.0))
            painter.setBrush(QColor(theme.BASE))
            painter.drawRoundedRect(rect.translated(5, -5), 8, 8)
        body = QPainterPath()
        body.addRoundedRect(rect, 8, 8)
        if lod < LOD_BARE and not error:
            # No text at this size: a card tinted by its category keeps the structure legible.
            tint = QColor(self.color)
            tint.setAlpha(120)
            painter.fillPath(body, tint)
        else:
            painter.fillPath(body, QColor(theme.ERROR_FILL if error else theme.BASE))
        # category stripe on the left edge
        painter.save()
        painter.setClipPath(body)
        painter.fillRect(QRectF(rect.left(), rect.top(), 5, rect.height()), self.color)
        painter.restore()
        if self.isSelected():
            pen = QPen(QColor(theme.ACCENT), 2.2)
        elif error:
            pen = QPen(QColor(theme.ERROR), 1.8)
        elif self.inactive:
            pen = QPen(QColor(theme.WARNING), 1.4, Qt.PenStyle.DashLine)
        else:
            pen = QPen(QColor(theme.BORDER), 1.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 8, 8)
        if lod < LOD_BARE:
            return
        if lod < LOD_DETAIL:
            name_rect = QRectF(rect.left() + PAD, rect.top(), rect.width() - 2 * PAD, rect.height())
            self._draw_text(painter, name_rect, self.spec.display_name, _font(24, True), theme.TEXT)
            return

        labelled = len(self.inputs) > 1
        left = rect.left() + PAD + (14 if labelled else 0)
        width = rect.right() - PAD - left
        title_rect = QRectF(left, rect.top() + 9, width, TITLE_PX + 6)
        detail_rect = QRectF(left, rect.bottom() - DETAIL_PX - 13, width, DETAIL_PX + 5)
        name, rest = self._title_parts()
        bold = _font(TITLE_PX, bold=True)
        fits = QFontMetricsF(bold).horizontalAdvance(self.title) <= width
        detail = self.detail
        if not fits and rest and not detail:
            # A long summary ("Output · Binary classification") takes the empty detail line,
            # in a smaller size if that makes it fit.
            rest = rest.lstrip(" ·")
            size = DETAIL_PX
            while size > 12 and QFontMetricsF(_font(size)).horizontalAdvance(rest) > width:
                size -= 1
            self._draw_text(painter, title_rect, name, bold, theme.TEXT)
            self._draw_text(painter, detail_rect, rest, _font(size), "#334155")
        elif not detail:
            self._draw_title(
                painter,
                title_rect.translated(0, rect.center().y() - title_rect.center().y()),
                name,
                rest,
            )
        else:
            self._draw_title(painter, title_rect, name, rest)
            color = theme.ERROR if error else theme.MUTED
            self._draw_text(painter, detail_rect, detail, _font(DETAIL_PX), color)
        if labelled:
            painter.setFont(_font(14, bold=True))
            painter.setPen(QColor(theme.MUTED))
            for port in self.inputs.values():
                y = port.pos().y()
                painter.drawText(
                    QRectF(rect.left() + 8, y - 9, 18, 18),
                    Qt.AlignmentFlag.AlignCenter,
                    port.port.label or port.port.name,
                )

    def _title_parts(self) -> tuple[str, str]:
        name = self.spec.display_name
        rest = self.title[len(name) :] if self.title.startswith(name) else ""
        return name, rest

    @staticmethod
    def _draw_text(painter: QPainter, rect: QRectF, text: str, font: QFont, color: str) -> None:
        painter.setFont(font)
        painter.setPen(QColor(color))
        elided = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)

    def _draw_title(self, painter: QPainter, rect: QRectF, name: str, rest: str) -> None:
        """The display name in bold, then " · params" in regular weight, elided to fit."""
        bold = _font(TITLE_PX, bold=True)
        self._draw_text(painter, rect, name, bold, theme.TEXT)
        used = QFontMetricsF(bold).horizontalAdvance(name)
        regular = _font(TITLE_PX)
        room_width = rect.width() - used
        elided = QFontMetricsF(regular).elidedText(rest, Qt.TextElideMode.ElideRight, room_width)
        # Draw the params only if a few characters of them fit; "Output · …" helps no one.
        if rest and (elided == rest or len(elided.strip(" ·…")) >= 4):
            room = QRectF(rect.left() + used, rect.top(), room_width, rect.height())
            self._draw_text(painter, room, rest, regular, "#334155")

    def set_badge(self, text: str) -> None:
        """Pin a short note ("37 % dead") to the card's top-right corner; "" removes it."""
        from nnstudio.ui.graph.badge import BadgeItem

        badge = getattr(self, "badge", None)
        if badge is None:
            if not text:
                return
            badge = self.badge = BadgeItem(self)
            badge.setPos(NODE_WIDTH / 2 - 4, -NODE_HEIGHT / 2)
        badge.set_text(text)
        badge.setVisible(bool(text))
