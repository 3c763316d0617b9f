"""The canvas scene: draws the document's graph and turns gestures into undo commands.

It never holds the truth. Items are created, moved and removed only in answer to the graph's
events (forwarded by the Document), and every gesture (a drag, a connection, a delete) becomes
an undo command pushed on the document's stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
)

from nnstudio.core import graph as g
from nnstudio.core.block_library import read_block
from nnstudio.core.errors import GraphError, NNStudioError
from nnstudio.core.graph import Edge, Graph, GraphEvent
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.layers import LAYERS, ShapeContext
from nnstudio.core.layout import auto_layout
from nnstudio.core.project import MAX_JSON_BYTES
from nnstudio.core.project_zip import parse_json
from nnstudio.core.validation import Analysis, check_connection
from nnstudio.ui import theme
from nnstudio.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    GraphEditCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveCommand,
    edit_command,
    inside_command,
    paste_into,
)
from nnstudio.ui.document import Document
from nnstudio.ui.graph.card_grid import CardGrid
from nnstudio.ui.graph.edge_item import EdgeItem, curve
from nnstudio.ui.graph.node_item import NodeItem, PortItem
from nnstudio.ui.mime import MIME_SUBGRAPH
from nnstudio.ui.palette import LIBRARY_PREFIX

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
        self.hidden_layers: frozenset[str] = frozenset()
        """Layer types a teacher hid: not offered in menus, not added by a drop."""
        self._drag_port: PortItem | None = None
        self._drag_target: PortItem | None = None
        self._wire: QGraphicsPathItem | None = None
        self._paste_count = 0
        self._grid: tuple[int, QBrush] | None = None
        self._selection_dirty = False
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.card_grid = CardGrid()
        """Where the cards are, for wire labels to keep clear of (the scene has no index)."""
        doc.graph_event.connect(self._on_graph_event)
        doc.analysis_changed.connect(self._apply_analysis)
        doc.project_replaced.connect(self.rebuild)
        doc.focus_changed.connect(lambda _path: self.rebuild())
        doc.locked_changed.connect(self.set_locked)
        self.selectionChanged.connect(self._on_selection_changed)
        self.rebuild()

    # -- building from the model ------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        """The graph on the canvas: the network, or the inside of the opened block."""
        return self.doc.focus_graph()

    def rebuild(self) -> None:
        keep = self.selected_node_ids() if self.doc.focus_path else []
        self._cancel_wire()
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)
        self.nodes.clear()
        self.edges.clear()
        self.card_grid.clear()
        self._paste_count = 0
        graph = self.graph
        for node_id in graph.nodes:
            self._add_node_item(node_id)
        for edge in graph.edges:
            self._add_edge_item(edge)
        self._apply_analysis(self.doc.analysis)
        if keep:
            self.select_nodes([nid for nid in keep if nid in self.nodes])
        else:
            self.selection_ids_changed.emit([])

    def _add_node_item(self, node_id: str) -> None:
        item = NodeItem(self.graph.node(node_id))
        item.setFlag(item.GraphicsItemFlag.ItemIsMovable, not self.locked)
        self.nodes[node_id] = item
        self.addItem(item)
        self.card_grid.place(item, item.mapRectToScene(item.body_rect()))

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
            cards = tuple(p.node_item.mapRectToScene(p.node_item.body_rect()) for p in ports)
            item.set_ends(ports[0].scene_center(), ports[1].scene_center(), cards)

    def _on_graph_event(self, event: GraphEvent) -> None:
        kind = event.kind
        if self.doc.focus_path:
            # Inside a block, every edit arrives as a change of the block node at the top:
            # redraw the inside once the edit is complete.
            if not self.doc.graph.in_batch and kind != g.NODE_MOVED:
                self.rebuild()
            return
        if kind == g.BATCH and self._selection_dirty:
            self._selection_dirty = False
            self._on_selection_changed()
        if kind == g.RESET:
            self.rebuild()
        elif kind == g.NODE_ADDED:
            self._add_node_item(event.node_id)
        elif kind == g.NODE_REMOVED:
            item = self.nodes.pop(event.node_id, None)
            if item is not None:
                self.card_grid.remove(item)
                self.removeItem(item)
        elif kind == g.NODE_MOVED:
            item = self.nodes.get(event.node_id)
            if item is not None:
                item.setPos(QPointF(*event.value))
                self.node_item_moved(item)
        elif kind == g.PARAM_CHANGED:
            item = self.nodes.get(event.node_id)
            if item is not None and item.set_params(self.graph.node(event.node_id)):
                self.node_item_moved(item)  # the card changed width: its wires follow
        elif kind == g.EDGE_ADDED:
            self._add_edge_item(event.edge)
        elif kind == g.EDGE_REMOVED:
            item = self.edges.pop(event.edge, None)
            if item is not None:
                self.removeItem(item)
            graph = self.graph
            for port in self._ports_of(event.edge):
                if port.is_input:
                    port.set_connected(graph.edge_into_port(port.node_id, port.name) is not None)
                else:
                    port.set_connected(
                        any(e.src.port == port.name for e in graph.edges_from(port.node_id))
                    )

    def _apply_analysis(self, analysis: Analysis) -> None:
        analysis = self.doc.focus_analysis()  # the inside of an opened block has its own
        for node_id, item in self.nodes.items():
            problems = analysis.problems_for(node_id)
            inactive = any(p.severity == "warning" for p in problems)
            if item.set_analysis(analysis.param_counts.get(node_id), problems, inactive):
                self.node_item_moved(item)  # the card changed width: its wires follow
        nodes = self.graph.nodes
        for edge, item in self.edges.items():
            src, dst = nodes.get(edge.src.node), nodes.get(edge.dst.node)
            if src is not None and dst is not None:
                item.set_shape(analysis.edge_shapes.get(edge), src.label, dst.label)

    def node_item_moved(self, item: NodeItem) -> None:
        """Make a moved node's wires follow it."""
        self.card_grid.place(item, item.mapRectToScene(item.body_rect()))
        graph = self.graph
        node_id = item.node_id
        for edge in (*graph.edges_into(node_id), *graph.edges_from(node_id)):
            edge_item = self.edges.get(edge)
            if edge_item is not None:
                self._route(edge_item)

    def _on_selection_changed(self) -> None:
        if self.doc.graph.in_batch:
            # Removing 500 selected nodes changes the selection 500 times: say it once, at
            # the end of the batch (each report walks every node).
            self._selection_dirty = True
            return
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
        if not self.locked and layer_type.startswith(LIBRARY_PREFIX):
            return self.add_library_block(Path(layer_type[len(LIBRARY_PREFIX) :]), pos)
        if self.locked or layer_type not in LAYERS or layer_type in self.hidden_layers:
            return None
        where = (round(pos.x()), round(pos.y()))
        text = f"Add {LAYERS.get(layer_type).display_name}"
        try:
            command = edit_command(
                self.doc,
                text,
                lambda: AddNodeCommand(self.doc, layer_type, where),
                lambda g: g.add_node(layer_type, None, where).id,
            )
        except GraphError as exc:
            self.status_message.emit(str(exc))
            return None
        if not self.doc.push(command):
            return None
        node_id = getattr(command, "node_id", None) or command.result
        self.select_nodes([node_id])
        return node_id

    def add_library_block(self, path: Path, pos: QPointF) -> str | None:
        """Add a copy of a saved block from the user's library."""
        try:
            saved = read_block(path)
            where = (round(pos.x()), round(pos.y()))

            def add(graph: Graph) -> str:
                return graph.add_node("block", saved.params, where, block=saved.make()).id

            text = f"Add {saved.name}"
            command = edit_command(
                self.doc, text, lambda: GraphEditCommand(self.doc, text, add), add
            )
        except NNStudioError as exc:
            self.status_message.emit(f"Cannot add the block: {exc}")
            return None
        if not self.doc.push(command):
            return None
        self.select_nodes([command.result])
        return command.result

    def delete_selection(self) -> bool:
        if self.locked:
            return False
        ids, edges = self.selected_node_ids(), self.selected_edges()
        if not ids and not edges:
            return False

        def remove(graph: Graph) -> None:
            for edge in edges:
                if graph.has_edge(edge):
                    graph.disconnect(edge)
            for nid in ids:
                graph.remove_node(nid)

        command = edit_command(
            self.doc, "Delete", lambda: RemoveCommand(self.doc, ids, edges), remove
        )
        return self.doc.push(command)

    def copy_selection(self) -> QMimeData | None:
        ids = self.selected_node_ids()
        if not ids:
            return None
        mime = QMimeData()
        data = self.graph.subgraph_dict(ids)
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
        if self.doc.focus_path:
            command = inside_command(
                self.doc, self.doc.focus_path, "Paste", lambda g: paste_into(g, source, offset)
            )
            new_ids = command.result
        else:
            command = PasteCommand(self.doc, source, (offset, offset))
            new_ids = command.new_ids
        if not self.doc.push(command):
            return []
        self.select_nodes(new_ids)
        count = len(new_ids)
        self.status_message.emit(f"Pasted {count} node{'s' if count != 1 else ''}.")
        return new_ids

    def auto_layout(self) -> bool:
        if self.locked:
            return False
        graph = self.graph
        moves = {
            nid: (graph.nodes[nid].pos, pos)
            for nid, pos in auto_layout(graph).items()
            if tuple(graph.nodes[nid].pos) != tuple(pos)
        }
        if not moves:
            return False
        return self.doc.push(self._move_command(moves, "Auto-layout"))

    def _move_command(self, moves: dict, text: str = ""):
        def move(graph: Graph) -> None:
            for nid, (_old, new) in moves.items():
                graph.move_node(nid, new)

        return edit_command(
            self.doc, text or "Move", lambda: MoveNodesCommand(self.doc, moves, text), move
        )

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
        graph = self.graph
        taken = graph.edge_into(edge.dst)
        if taken is not None and taken != edge:
            return self._replace_connection(edge, taken)
        try:
            if self.doc.focus_path:  # no dataset inside a block: its own analysis has the shapes
                check_connection(graph, edge, ShapeContext(None), self.doc.focus_analysis())
            else:
                check_connection(graph, edge, self.doc.shape_context())
            e = edge
            command = edit_command(
                self.doc,
                "Connect",
                lambda: ConnectCommand(self.doc, edge),
                lambda g: g.connect(e.src.node, e.src.port, e.dst.node, e.dst.port),
            )
        except GraphError as exc:
            self.status_message.emit(str(exc))
            return False
        if not self.doc.push(command):
            return False
        self.status_message.emit(
            f"Connected {graph.node(src.node_id).label} to {graph.node(dst.node_id).label}."
        )
        return True

    def _replace_connection(self, edge: Edge, taken: Edge) -> bool:
        """A wire dragged into a taken input replaces the old wire, as one undo step."""
        from nnstudio.core.graph_edits import connect_replacing
        from nnstudio.ui.graph.context_menu import run_edit

        count = self.doc.undo_stack.count()
        run_edit(self, "Replace connection", lambda g: connect_replacing(g, edge))
        if self.doc.undo_stack.count() == count:
            return False
        graph = self.graph
        self.status_message.emit(
            f"{graph.node(edge.dst.node).label} now takes its input from "
            f"{graph.node(edge.src.node).label} (was {graph.node(taken.src.node).label})."
        )
        return True

    def _commit_moves(self) -> None:
        graph = self.graph
        moves = {}
        for nid, item in self.nodes.items():
            old = graph.nodes[nid].pos
            new = (round(item.pos().x(), 1), round(item.pos().y(), 1))
            if abs(old[0] - new[0]) > 0.01 or abs(old[1] - new[1]) > 0.01:
                moves[nid] = (old, new)
        if not moves:
            return
        if self.locked or not self.doc.push(self._move_command(moves)):
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

    def item_under(self, pos: QPointF) -> tuple[str | None, Edge | None]:
        """(node id, edge) under `pos`: the node wins over a wire beneath it."""
        for item in self.items(pos):
            while item is not None and not isinstance(item, (NodeItem, EdgeItem)):
                item = item.parentItem()
            if isinstance(item, NodeItem):
                return item.node_id, None
            if isinstance(item, EdgeItem):
                return None, item.edge
        return None, None

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:
        from nnstudio.ui.graph.context_menu import build_menu

        node_id, edge = self.item_under(event.scenePos())
        view = self.views()[0] if self.views() else None
        self.context_menu = build_menu(self, view, event.scenePos(), node_id, edge)
        self.context_menu.popup(event.screenPos())
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_port is not None:
            self._update_wire(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)
        if event.buttons() & Qt.MouseButton.LeftButton:  # a drag moves the selected nodes
            for item in self.selectedItems():
                if isinstance(item, NodeItem):
                    self.node_item_moved(item)

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

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        for item in self.items(event.scenePos()):
            if isinstance(item, NodeItem) and item.spec.name == "block":
                self.open_block(item.node_id)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def open_block(self, block_id: str) -> bool:
        """Show the inside of a block on this canvas (the breadcrumb leads back out)."""
        node = self.graph.nodes.get(block_id)
        if node is None or node.block is None:
            return False
        self.doc.set_focus([*self.doc.focus_path, block_id])
        self.status_message.emit(
            f"Inside {node.label}: edits here change the block. Use the path at the top "
            "left to go back out."
        )
        return True

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
        painter.fillRect(rect, self._grid_brush(scale))

    def _grid_brush(self, scale: float) -> QBrush:
        """A tiled brush with one dot per grid cell, drawn once per zoom level: placing every
        dot from Python cost about 10 ms per repaint at full zoom."""
        pixels = max(4, round(GRID * scale))
        if self._grid is None or self._grid[0] != pixels:
            tile = QPixmap(pixels, pixels)
            tile.fill(Qt.GlobalColor.transparent)
            tile_painter = QPainter(tile)
            tile_painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            tile_painter.setPen(Qt.PenStyle.NoPen)
            tile_painter.setBrush(QColor(theme.GRID))
            tile_painter.drawEllipse(QPointF(pixels / 2, pixels / 2), 0.9, 0.9)
            tile_painter.end()
            brush = QBrush(tile)
            # The tile is in device pixels; map it onto exactly one grid cell, dot on the
            # grid point, so the dots never drift from where the grid is.
            place = QTransform()
            place.translate(-GRID / 2, -GRID / 2)
            place.scale(GRID / pixels, GRID / pixels)
            brush.setTransform(place)
            self._grid = (pixels, brush)
        return self._grid[1]
