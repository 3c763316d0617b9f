"""Helpers for driving the editor with real mouse events."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox


def port_pos(window, node_id: str, port: str, is_input: bool) -> QPoint:
    """Where a port is on the canvas viewport, for mouse events."""
    item = window.scene.nodes[node_id].port(port, is_input)
    return window.view.mapFromScene(item.scene_center())


def node_pos(window, node_id: str) -> QPoint:
    """A point on a node's body (clear of its ports and title), in viewport coordinates."""
    item = window.scene.nodes[node_id]
    return window.view.mapFromScene(item.scenePos())


def mouse_drag(qtbot, widget, start: QPoint, end: QPoint, steps: int = 4) -> None:
    """Press, move in a few steps, release: a real drag as the user makes it."""
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, steps + 1):
        point = start + (end - start) * (i / steps)
        qtbot.mouseMove(widget, pos=point)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def wire(qtbot, window, start: tuple[str, str, bool], end: tuple[str, str, bool]) -> None:
    """Drag a wire from one port to another; each end is (node id, port name, is_input)."""
    mouse_drag(qtbot, window.view.viewport(), port_pos(window, *start), port_pos(window, *end))


def choose(qtbot, combo: QComboBox, data: str) -> None:
    """Pick an entry as a mouse user does: open the popup and click the entry."""
    target = combo.findData(data)
    assert target >= 0, data
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(combo.model().index(target, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())
    assert combo.currentIndex() == target
