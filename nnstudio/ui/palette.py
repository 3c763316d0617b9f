"""The layer palette: the catalog grouped by category, searchable, draggable onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.block_library import LibraryBlock
from nnstudio.core.layers import LayerSpec, by_category
from nnstudio.ui import theme
from nnstudio.ui.mime import MIME_LAYER, layer_mime

LAYER_ROLE = Qt.ItemDataRole.UserRole
USER_BLOCKS = "My blocks"
LIBRARY_PREFIX = "library:"
"""Palette entries for saved blocks carry this and the file's path instead of a layer type."""


def _dot_icon(color: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(1, 1, 10, 10, 3, 3)
    painter.end()
    return QIcon(pixmap)


class LayerTree(QTreeWidget):
    """The tree; dragging an entry carries the layer's type name in our own mime type."""

    entered = Signal(QTreeWidgetItem)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.entered.emit(self.currentItem())
            return
        super().keyPressEvent(event)

    def mimeTypes(self) -> list[str]:
        return [MIME_LAYER]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        layer = next((i.data(0, LAYER_ROLE) for i in items if i.data(0, LAYER_ROLE)), "")
        return layer_mime(layer)

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class Palette(QWidget):
    layer_activated = Signal(str)
    """A layer was double-clicked (or Enter pressed): add it at the centre of the canvas."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("palette")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self.search = QLineEdit(self)
        self.search.setObjectName("palette_search")
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        layout.addWidget(self.search)
        self.tree = LayerTree(self)
        self.tree.setObjectName("palette_tree")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(12)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.entered.connect(lambda item: self._activated(item, 0))
        layout.addWidget(self.tree)
        self.hidden_note = QLabel(self)
        self.hidden_note.setObjectName("palette_hidden_note")
        self.hidden_note.setWordWrap(True)
        self.hidden_note.setStyleSheet(f"color: {theme.MUTED};")
        self.hidden_note.hide()
        layout.addWidget(self.hidden_note)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.hidden_layers: frozenset[str] = frozenset()
        """Layer types a teacher left out; search never brings them back."""
        self._populate()

    def _populate(self) -> None:
        bold = self.tree.font()
        bold.setBold(True)
        for category, specs in by_category().items():
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFont(0, bold)
            group.setForeground(0, QColor(theme.MUTED))
            icon = _dot_icon(theme.category_color(category))
            for spec in specs:
                self._add_layer(group, spec, icon)
            group.setExpanded(True)

    def _add_layer(self, group: QTreeWidgetItem, spec: LayerSpec, icon: QIcon) -> None:
        item = QTreeWidgetItem(group, [spec.display_name])
        item.setData(0, LAYER_ROLE, spec.name)
        item.setIcon(0, icon)
        item.setToolTip(0, f"<b>{spec.display_name}</b><br>{spec.help}")
        item.setFlags(
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        )
        self.items[spec.name] = item

    def set_user_blocks(self, blocks: list[LibraryBlock]) -> None:
        """List the saved blocks under "My blocks"; they drag and add like layers."""
        for i in range(self.tree.topLevelItemCount()):
            if self.tree.topLevelItem(i).text(0) == USER_BLOCKS:
                self.tree.takeTopLevelItem(i)
                break
        for name in [n for n in self.items if n.startswith(LIBRARY_PREFIX)]:
            del self.items[name]
        if not blocks:
            return
        bold = self.tree.font()
        bold.setBold(True)
        group = QTreeWidgetItem(self.tree, [USER_BLOCKS])
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        group.setFont(0, bold)
        group.setForeground(0, QColor(theme.MUTED))
        icon = _dot_icon(theme.category_color("Topology"))
        for block in blocks:
            key = LIBRARY_PREFIX + str(block.path)
            item = QTreeWidgetItem(group, [block.name])
            item.setData(0, LAYER_ROLE, key)
            item.setIcon(0, icon)
            item.setToolTip(0, f"<b>{block.name}</b><br>A block from your library.")
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            self.items[key] = item
        group.setExpanded(True)
        self.filter(self.search.text())

    def filter(self, text: str) -> None:
        """Show layers whose name, category or help mentions every word typed."""
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                haystack = f"{item.text(0)} {group.text(0)} {item.toolTip(0)}".lower()
                match = all(w in haystack for w in words)
                match = match and item.data(0, LAYER_ROLE) not in self.hidden_layers
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)

    def set_hidden_layers(self, names: frozenset[str], note: str = "") -> None:
        """Leave these layer types out of the list, with `note` saying so under it."""
        self.hidden_layers = frozenset(names)
        self.hidden_note.setText(note)
        self.hidden_note.setVisible(bool(note) and bool(self.hidden_layers))
        self.filter(self.search.text())

    def visible_layers(self) -> list[str]:
        return [
            name
            for name, item in self.items.items()
            if not item.isHidden() and not item.parent().isHidden()
        ]

    def mime_data_for(self, layer_type: str) -> QMimeData:
        """The mime data a drag of this entry carries (what tests drop onto the canvas)."""
        return self.tree.mimeData([self.items[layer_type]])

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        layer = item.data(0, LAYER_ROLE)
        if layer:
            self.layer_activated.emit(layer)
