"""Mime types the app uses for drag-and-drop and the clipboard."""

from __future__ import annotations

import atexit

from PySide6.QtCore import QMimeData

MIME_LAYER = "application/x-nnstudio-layer"
"""A layer type name dragged from the palette; the payload is the name in UTF-8."""
MIME_SUBGRAPH = "application/x-nnstudio-subgraph"
"""Copied nodes and the edges among them, as Graph.subgraph_dict JSON."""


def layer_mime(layer_type: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_LAYER, layer_type.encode("utf-8"))
    return mime


def layer_from_mime(mime: QMimeData) -> str | None:
    if not mime.hasFormat(MIME_LAYER):
        return None
    return bytes(mime.data(MIME_LAYER).data()).decode("utf-8", errors="replace")


_clear_registered = False


def put_on_clipboard(mime: QMimeData) -> None:
    """Hand `mime` to the system clipboard, and take it back before Python shuts down.

    Qt owns clipboard data and deletes it in its own exit handlers, after the interpreter
    is gone; deleting a Python-made QMimeData then crashes the process on exit. Clearing the
    clipboard from an atexit hook frees it while Python still runs.
    """
    global _clear_registered
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setMimeData(mime)
    if not _clear_registered:
        atexit.register(_clear_clipboard)
        _clear_registered = True


def _clear_clipboard() -> None:
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()
