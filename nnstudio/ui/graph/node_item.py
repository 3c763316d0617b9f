"""How a layer node is drawn: a card with its summary, parameter count and ports.

The item only draws; the scene sets its state from the model and the latest analysis.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
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
from nnstudio.ui.graph import node_text

NODE_WIDTH = node_text.MIN_WIDTH
"""The narrowest card; a card grows (up to node_text.MAX_WIDTH) to hold its text."""
NODE_HEIGHT = node_text.HEIGHT
PORT_RADIUS = 8.0
LOD_DETAIL = 0.4
"""Below this zoom a node shows only its layer name: summaries, counts and port labels would
be too small to read, and drawing their text is most of a node's paint time."""
LOD_BARE = 0.2
"""Below this zoom a node is a coloured card with no text at all (the whole-graph overview)."""


_MARGIN = PORT_RADIUS * 1.5 + 2


def _bounds(width: float) -> QRectF:
    half_w, half_h = width / 2 + _MARGIN, NODE_HEIGHT / 2 + _MARGIN
    return QRectF(-half_w, -half_h, 2 * half_w, 2 * half_h)


class PortItem(QGraphicsEllipseItem):
    """A connection point; drag from it to another port to connect."""

    def __init__(self, parent: NodeItem, port: PortSpec, is_input: bool, y: float) -> None:
        r = PORT_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r, parent)
        self.node_item = parent
        self.port = port
        self.is_input = is_input
        self.connected = False
        half = parent.width / 2
        self.setPos(-half if is_input else half, y)
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
        self.param_count: int | None = None
        self.problems: list[Problem] = []
        self.width = NODE_WIDTH
        self.text = self._layout_text()
        self.width = self.text.width
        self._bounds = _bounds(self.width)
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
    def set_params(self, node: Node) -> bool:
        """Show new params; True when the card changed width (its wires must follow)."""
        self.title = self.spec.summary(node.params)
        self._update_tooltip()
        resized = self._relayout()
        self.update()
        return resized

    def set_analysis(
        self, param_count: int | None, problems: list[Problem], inactive: bool
    ) -> bool:
        """Show the analysis; True when the card changed width (its wires must follow)."""
        state = (param_count, problems, inactive)
        if state == self._analysis_state:
            return False  # most nodes are unchanged by one edit: skip the tooltip and repaint
        self._analysis_state = state
        self.param_count = param_count
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
        resized = self._relayout()
        self.update()
        return resized

    def _layout_text(self) -> node_text.CardText:
        name, rest = self._title_parts()
        settings = rest[len(node_text.SEP) :] if rest.startswith(node_text.SEP) else rest
        labelled = len(self.spec.inputs) > 1
        return node_text.layout_card(name, settings.strip(), self.detail, labelled)

    def _relayout(self) -> bool:
        """Lay the text out again; resize the card (and move its ports) if it must."""
        self.text = self._layout_text()
        if self.text.width == self.width:
            return False
        self.prepareGeometryChange()
        self.width = self.text.width
        self._bounds = _bounds(self.width)
        for port in self.ports():
            port.setX(-self.width / 2 if port.is_input else self.width / 2)
        badge = getattr(self, "badge", None)
        if badge is not None:
            badge.setPos(self.width / 2 - 4, -NODE_HEIGHT / 2)
        return True

    @property
    def has_error(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def _update_tooltip(self) -> None:
        """Everything the card shows, in full: the title, the parameter count, problems."""
        lines = [f"<b>{self.title}</b> <span style='color:{theme.MUTED}'>({self.node_id})</span>"]
        if self.param_count:
            lines.append(f"{self.param_count:,} parameters")
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
        return self._bounds  # kept: Qt asks for it on every repaint

    def body_rect(self) -> QRectF:
        return QRectF(-self.width / 2, -NODE_HEIGHT / 2, self.width, NODE_HEIGHT)

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
            self._draw_run(painter, self.text.overview, error)
            return
        self._draw_details(painter, error)

    def _draw_details(self, painter: QPainter, error: bool) -> None:
        """Name, settings, parameter count and port labels: the full-size card's text."""
        for run in self.text.runs:
            self._draw_run(painter, run, error)
        if len(self.inputs) > 1:
            painter.setFont(node_text.font(14, bold=True))
            painter.setPen(QColor(theme.MUTED))
            left = -self.width / 2
            for port in self.inputs.values():
                y = port.pos().y()
                painter.drawText(
                    QRectF(left + 8, y - 9, 18, 18),
                    Qt.AlignmentFlag.AlignCenter,
                    port.port.label or port.port.name,
                )

    def _title_parts(self) -> tuple[str, str]:
        name = self.spec.display_name
        rest = self.title[len(name) :] if self.title.startswith(name) else ""
        return name, rest

    @staticmethod
    def _draw_run(painter: QPainter, run: node_text.Run, error: bool) -> None:
        colors = {
            "text": theme.TEXT,
            "settings": node_text.SETTINGS_COLOR,
            "detail": theme.ERROR if error else theme.MUTED,
        }
        painter.setFont(run.font)
        painter.setPen(QColor(colors[run.color]))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(run.rect, align, run.text)

    def set_badge(self, text: str) -> None:
        """Pin a short note ("37 % dead") to the card's top-right corner; "" removes it."""
        from nnstudio.ui.graph.badge import BadgeItem

        badge = getattr(self, "badge", None)
        if badge is None:
            if not text:
                return
            badge = self.badge = BadgeItem(self)
            badge.setPos(self.width / 2 - 4, -NODE_HEIGHT / 2)
        badge.set_text(text)
        badge.setVisible(bool(text))
