"""The canvas scene: draws the document's graph and turns gestures into undo commands.

It never holds the truth. Items are created, moved and removed only in answer to the graph's
events (forwarded by the Document), and every gesture (a drag, a connection, a delete) becomes
an undo command pushed on the document's stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QGraphicsSceneMouseEvent

from nnstudio.core import graph as g
from nnstudio.core.errors import GraphError, NNStudioError
from nnstudio.core.graph import Edge, GraphEvent
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.layers import LAYERS, fmt_shape
from nnstudio.core.layout import auto_layout
from nnstudio.core.project import MAX_JSON_BYTES
from nnstudio.core.project_zip import parse_json
from nnstudio.core.validation import Analysis, check_connection
from nnstudio.ui import theme
from nnstudio.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveCommand,
)
from nnstudio.ui.document import Document
from nnstudio.ui.graph.edge_item import EdgeItem, curve
from nnstudio.ui.graph.node_item import NodeItem, PortItem
from nnstudio.ui.mime import MIME_SUBGRAPH

PASTE_OFFSET = 40.0
GRID = 24.0


class GraphScene(QGraphicsScene):
    status_message = Signal(str)
    """Something the status bar should say (why a connection was refused, what was pasted)."""
    selection_ids_changed = Signal(list)
    """The ids of the selected nodes, whenever the selection changes."""

    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("graph_scene")
        self.doc = doc
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.locked = False
        self._drag_port: PortItem | None = None
        self._drag_target: PortItem | None = None
        self._wire: QGraphicsPathItem | None = None
        self._paste_count = 0
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        doc.graph_event.connect(self._on_graph_event)
        doc.analysis_changed.connect(self._apply_analysis)
        doc.project_replaced.connect(self.rebuild)
        doc.locked_changed.connect(self.set_locked)
        self.selectionChanged.connect(self._on_selection_changed)
        self.rebuild()

    # -- building from the model ------------------------------------------------------------
    def rebuild(self) -> None:
        self._cancel_wire()
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)
        self.nodes.clear()
        self.edges.clear()
        self._paste_count = 0
        for node_id in self.doc.graph.nodes:
            self._add_node_item(node_id)
        for edge in self.doc.graph.edges:
            self._add_edge_item(edge)
        self._apply_analysis(self.doc.analysis)
        self.selection_ids_changed.emit([])

    def _add_node_item(self, node_id: str) -> None:
        item = NodeItem(self.doc.graph.node(node_id))
        item.setFlag(item.GraphicsItemFlag.ItemIsMovable, not self.locked)
        self.nodes[node_id] = item
        self.addItem(item)

    def _add_edge_item(self, edge: Edge) -> None:
        item = EdgeItem(edge)
        self.edges[edge] = item
        self.addItem(item)
        self._route(item)
        for port in self._ports_of(edge):
            port.set_connected(True)

    def _ports_of(self, edge: Edge) -> list[PortItem]:
        found = []
        src, dst = self.nodes.get(edge.src.node), self.nodes.get(edge.dst.node)
        if src is not None and (port := src.port(edge.src.port, False)) is not None:
            found.append(port)
        if dst is not None and (port := dst.port(edge.dst.port, True)) is not None:
            found.append(port)
        return found

    def _route(self, item: EdgeItem) -> None:
        ports = self._ports_of(item.edge)
        if len(ports) == 2:
            item.set_ends(ports[0].scene_center(), ports[1].scene_center())

    def _on_graph_event(self, event: GraphEvent) -> None:
        kind = event.kind
        if kind == g.RESET:
            self.rebuild()
        elif kind == g.NODE_ADDED:
            self._add_node_item(event.node_id)
        elif kind == g.NODE_REMOVED:
            item = self.nodes.pop(event.node_id, None)
            if item is not None:
                self.removeItem(item)
        elif kind == g.NODE_MOVED:
            item = self.nodes.get(event.node_id)
            if item is not None:
                item.setPos(QPointF(*event.value))
        elif kind == g.PARAM_CHANGED:
            item = self.nodes.get(event.node_id)
            if item is not None:
                item.set_params(self.doc.graph.node(event.node_id))
        elif kind == g.EDGE_ADDED:
            self._add_edge_item(event.edge)
        elif kind == g.EDGE_REMOVED:
            item = self.edges.pop(event.edge, None)
            if item is not None:
                self.removeItem(item)
            graph = self.doc.graph
            for port in self._ports_of(event.edge):
                if port.is_input:
                    port.set_connected(graph.edge_into_port(port.node_id, port.name) is not None)
                else:
                    port.set_connected(
                        any(e.src.port == port.name for e in graph.edges_from(port.node_id))
                    )

    def _apply_analysis(self, analysis: Analysis) -> None:
        for node_id, item in self.nodes.items():
            problems = analysis.problems_for(node_id)
            inactive = any(p.severity == "warning" for p in problems)
            item.set_analysis(analysis.param_counts.get(node_id), problems, inactive)
        graph = self.doc.graph
        for edge, item in self.edges.items():
            shape = analysis.edge_shapes.get(edge)
            item.set_label(fmt_shape(shape) if shape is not None else "")
            src, dst = graph.nodes.get(edge.src.node), graph.nodes.get(edge.dst.node)
            if src is not None and dst is not None:
                carries = f": carries {fmt_shape(shape)}" if shape is not None else ""
                item.setToolTip(f"{src.label} → {dst.label}{carries}")

    def node_item_moved(self, item: NodeItem) -> None:
        """Called by a node item while it moves, so its wires follow it."""
        node_id = item.node_id
        for edge, edge_item in self.edges.items():
            if node_id in (edge.src.node, edge.dst.node):
                self._route(edge_item)

    def _on_selection_changed(self) -> None:
        try:
            ids = self.selected_node_ids()
        except RuntimeError:  # the scene is being destroyed and its items are gone
            return
        self.selection_ids_changed.emit(ids)

    # -- selection --------------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        return [nid for nid, item in self.nodes.items() if item.isSelected()]

    def selected_edges(self) -> list[Edge]:
        return [edge for edge, item in self.edges.items() if item.isSelected()]

    def select_nodes(self, node_ids: Iterable[str]) -> None:
        wanted = set(node_ids)
        self.blockSignals(True)
        self.clearSelection()
        for nid in wanted:
            if nid in self.nodes:
                self.nodes[nid].setSelected(True)
        self.blockSignals(False)
        self.selection_ids_changed.emit(self.selected_node_ids())
        self.update()

    def select_all(self) -> None:
        self.blockSignals(True)
        for item in [*self.nodes.values(), *self.edges.values()]:
            item.setSelected(True)
        self.blockSignals(False)
        self.selection_ids_changed.emit(self.selected_node_ids())

    def items_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # -- edits (each one an undo command) ---------------------------------------------------
    def set_locked(self, locked: bool) -> None:
        self.locked = locked
        self._cancel_wire()
        for item in self.nodes.values():
            item.setFlag(item.GraphicsItemFlag.ItemIsMovable, not locked)

    def add_node_at(self, layer_type: str, pos: QPointF) -> str | None:
        if self.locked or layer_type not in LAYERS:
            return None
        command = AddNodeCommand(self.doc, layer_type, (round(pos.x()), round(pos.y())))
        if not self.doc.push(command):
            return None
        self.select_nodes([command.node_id])
        return command.node_id

    def delete_selection(self) -> bool:
        if self.locked:
            return False
        command = RemoveCommand(self.doc, self.selected_node_ids(), self.selected_edges())
        if command.is_empty():
            return False
        return self.doc.push(command)

    def copy_selection(self) -> QMimeData | None:
        ids = self.selected_node_ids()
        if not ids:
            return None
        mime = QMimeData()
        data = self.doc.graph.subgraph_dict(ids)
        mime.setData(MIME_SUBGRAPH, json.dumps(data).encode("utf-8"))
        return mime

    def paste(self, mime: QMimeData | None) -> list[str]:
        """Add the copied nodes under new ids, offset so they don't cover the originals."""
        if self.locked or mime is None or not mime.hasFormat(MIME_SUBGRAPH):
            return []
        raw = bytes(mime.data(MIME_SUBGRAPH).data())
        try:
            # Clipboard content is untrusted: too deep, too large or not UTF-8 gets a message.
            if len(raw) > MAX_JSON_BYTES:
                raise GraphError("the copied data is too large to be nodes from NN Studio.")
            source = graph_from_dict(parse_json(raw, "The copied data"))
        except (ValueError, RecursionError, NNStudioError) as exc:
            self.status_message.emit(f"Cannot paste: {exc}")
            return []
        if not source.nodes:
            return []
        self._paste_count += 1
        offset = PASTE_OFFSET * self._paste_count
        command = PasteCommand(self.doc, source, (offset, offset))
        if not self.doc.push(command):
            return []
        self.select_nodes(command.new_ids)
        count = len(command.new_ids)
        self.status_message.emit(f"Pasted {count} node{'s' if count != 1 else ''}.")
        return command.new_ids

    def auto_layout(self) -> bool:
        if self.locked:
            return False
        graph = self.doc.graph
        moves = {
            nid: (graph.nodes[nid].pos, pos)
            for nid, pos in auto_layout(graph).items()
            if tuple(graph.nodes[nid].pos) != tuple(pos)
        }
        if not moves:
            return False
        return self.doc.push(MoveNodesCommand(self.doc, moves, "Auto-layout"))

    def connect_ports(self, a: PortItem, b: PortItem) -> bool:
        """Connect two ports (either order); a refusal is reported, and nothing changes."""
        if a.is_input == b.is_input:
            side = "inputs" if a.is_input else "outputs"
            self.status_message.emit(
                f"Both ends are {side}: drag from an output (right side of a node) to an input "
                "(left side)."
            )
            return False
        src, dst = (b, a) if a.is_input else (a, b)
        edge = Edge.of(src.node_id, src.name, dst.node_id, dst.name)
        try:
            check_connection(self.doc.graph, edge, self.doc.shape_context())
        except GraphError as exc:
            self.status_message.emit(str(exc))
            return False
        if not self.doc.push(ConnectCommand(self.doc, edge)):
            return False
        graph = self.doc.graph
        self.status_message.emit(
            f"Connected {graph.node(src.node_id).label} to {graph.node(dst.node_id).label}."
        )
        return True

    def _commit_moves(self) -> None:
        graph = self.doc.graph
        moves = {}
        for nid, item in self.nodes.items():
            old = graph.nodes[nid].pos
            new = (round(item.pos().x(), 1), round(item.pos().y(), 1))
            if abs(old[0] - new[0]) > 0.01 or abs(old[1] - new[1]) > 0.01:
                moves[nid] = (old, new)
        if not moves:
            return
        if self.locked or not self.doc.push(MoveNodesCommand(self.doc, moves)):
            for nid, (old, _new) in moves.items():
                self.nodes[nid].setPos(QPointF(*old))

    # -- mouse: connection wires and drags --------------------------------------------------
    def port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.locked:
            port = self.port_at(event.scenePos())
            if port is not None:
                self._drag_port = port
                self._wire = QGraphicsPathItem()
                pen = QPen(QColor(theme.ACCENT), 2.0, Qt.PenStyle.DashLine)
                self._wire.setPen(pen)
                self._wire.setZValue(3)
                self.addItem(self._wire)
                self._update_wire(event.scenePos())
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_port is not None:
            self._update_wire(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_port is not None:
            start, target = self._drag_port, self.port_at(event.scenePos())
            self._cancel_wire()
            if target is not None and target is not start:
                self.connect_ports(start, target)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._commit_moves()

    def _update_wire(self, pos: QPointF) -> None:
        assert self._drag_port is not None and self._wire is not None
        start = self._drag_port.scene_center()
        target = self.port_at(pos)
        if self._drag_target is not None and self._drag_target is not target:
            self._drag_target.set_highlight(False)
        self._drag_target = target if target is not self._drag_port else None
        if self._drag_target is not None:
            self._drag_target.set_highlight(True)
            pos = self._drag_target.scene_center()
        a, b = (pos, start) if self._drag_port.is_input else (start, pos)
        self._wire.setPath(curve(a, b))

    def _cancel_wire(self) -> None:
        if self._drag_target is not None:
            self._drag_target.set_highlight(False)
        self._drag_target = None
        if self._drag_port is not None:
            self._drag_port.set_highlight(False)
        self._drag_port = None
        if self._wire is not None:
            if self._wire.scene() is self:
                self.removeItem(self._wire)
            self._wire = None

    # -- background -------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, QColor(theme.CANVAS))
        scale = painter.transform().m11()
        if scale < 0.35:
            return
        painter.setPen(QPen(QColor(theme.GRID), 1.6 / max(scale, 1e-3)))
        left = int(rect.left() // GRID) * GRID
        top = int(rect.top() // GRID) * GRID
        points = []
        y = top
        while y < rect.bottom():
            x = left
            while x < rect.right():
                points.append(QPointF(x, y))
                x += GRID
            y += GRID
        painter.drawPoints(points)
