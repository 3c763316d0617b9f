"""Mime types the app uses for drag-and-drop and the clipboard."""

from __future__ import annotations

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
