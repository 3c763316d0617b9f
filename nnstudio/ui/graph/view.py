"""The canvas view: wheel zoom, middle- or space-drag pan, fit to view, and layer drops."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from nnstudio.core.layers import LAYERS
from nnstudio.ui import theme
from nnstudio.ui.graph.breadcrumb import Breadcrumb
from nnstudio.ui.graph.scene import GraphScene
from nnstudio.ui.mime import layer_from_mime

MIN_ZOOM = 0.15
MAX_ZOOM = 3.0
FIT_MAX_ZOOM = 0.9
"""Fit to view never magnifies past this: a two-node network should not fill the screen."""
WORLD = 50_000.0


class GraphView(QGraphicsView):
    zoom_changed = Signal(float)

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setObjectName("graph_view")
        self.viewport().setObjectName("graph_viewport")
        self.graph_scene = scene
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSceneRect(QRectF(-WORLD, -WORLD, 2 * WORLD, 2 * WORLD))
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space = False
        scene.doc.graph_event.connect(self._repaint)
        scene.doc.project_replaced.connect(self._repaint)
        # A child of the view, not of its viewport: the viewport scrolls its children along.
        self.breadcrumb = Breadcrumb(scene.doc, self)
        self._centre_after_fit: str | None = None
        """A node to centre on once the level just opened is fitted (see `centre_on`)."""
        scene.doc.focus_changed.connect(lambda _path: QTimer.singleShot(0, self._fit_level))

    def _repaint(self, *_args: object) -> None:
        self.viewport().update()

    # -- zoom and pan -----------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        current = self.zoom()
        if current > 0:
            self.scale(factor / current, factor / current)
        self.zoom_changed.emit(self.zoom())

    def zoom_by(self, ratio: float) -> None:
        self.set_zoom(self.zoom() * ratio)

    def fit_to_view(self) -> None:
        """Show every node, not larger than FIT_MAX_ZOOM."""
        rect = self.graph_scene.items_rect()
        if rect.isNull():
            self.resetTransform()
            self.set_zoom(FIT_MAX_ZOOM)
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-24, -24, 24, 24)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > FIT_MAX_ZOOM:
            self.set_zoom(FIT_MAX_ZOOM)
        elif self.zoom() < MIN_ZOOM:
            self.set_zoom(MIN_ZOOM)
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    def _fit_level(self) -> None:
        """A block was opened or left: show all of that level, or centre the node asked for."""
        self.fit_to_view()
        node_id, self._centre_after_fit = self._centre_after_fit, None
        if node_id is not None:
            self.centre_on(node_id)

    def centre_on(self, node_id: str, after_fit: bool = False) -> None:
        """Put a node of the shown level in the middle of the view; `after_fit` waits for the
        fit that follows opening or leaving a block (which would move the view again)."""
        if after_fit:
            self._centre_after_fit = node_id
            return
        item = self.graph_scene.nodes.get(node_id)
        if item is not None:
            self.centerOn(item)

    def center_scene_pos(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015**delta)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        middle = event.button() == Qt.MouseButton.MiddleButton
        if middle or (self._space and event.button() == Qt.MouseButton.LeftButton):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- drops from the palette -------------------------------------------------------------
    def _accepts(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        return not self.graph_scene.locked and layer_from_mime(event.mimeData()) is not None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if not self._accepts(event):
            event.ignore()
            return
        layer = layer_from_mime(event.mimeData())
        pos = self.mapToScene(event.position().toPoint())
        node_id, edge = self.graph_scene.item_under(pos)
        if layer and edge is not None and node_id is None and layer in LAYERS:
            # Dropped onto a wire: the layer goes into that connection.
            from nnstudio.ui.graph.context_menu import insert_layer

            if insert_layer(self.graph_scene, edge, layer, pos):
                event.acceptProposedAction()
                self.setFocus()
                return
        if layer and self.graph_scene.add_node_at(layer, pos):
            event.acceptProposedAction()
            self.setFocus()
        else:
            event.ignore()

    # -- empty canvas hint ------------------------------------------------------------------
    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if self.graph_scene.nodes:
            return
        painter.save()
        painter.resetTransform()
        font = QFont()
        font.setPixelSize(15)
        painter.setFont(font)
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(
            self.viewport().rect(),
            Qt.AlignmentFlag.AlignCenter,
            "Drag a layer here from the palette, or start from File → New from Template.",
        )
        painter.restore()
