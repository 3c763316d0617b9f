"""The path shown over the canvas while a block is open: "Network › Encoder ×2 › ...".

Each step is a button that goes back out to that level; the bar hides at the top level.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from nnstudio.core.blocks import block_title
from nnstudio.ui import theme
from nnstudio.ui.document import Document


class Breadcrumb(QFrame):
    def __init__(self, doc: Document, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("block_breadcrumb")
        self.doc = doc
        self.setStyleSheet(
            f"#block_breadcrumb {{ background: {theme.BASE}; border: 1px solid {theme.BORDER};"
            " border-radius: 6px; }"
        )
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(6, 2, 6, 2)
        self._layout.setSpacing(2)
        self.buttons: list[QToolButton] = []
        doc.focus_changed.connect(self.refresh)
        doc.analysis_changed.connect(lambda _a: self.refresh(doc.focus_path))
        self.refresh([])

    def refresh(self, path: list[str]) -> None:
        while self._layout.count():
            widget = self._layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.buttons = []
        if not path:
            self.hide()
            return
        names, graph = ["Network"], self.doc.graph
        for block_id in path:
            node = graph.nodes.get(block_id)
            if node is None or node.block is None:
                break
            names.append(f"{block_title(node.params)} ({block_id})")
            graph = node.block.graph
        for depth, name in enumerate(names):
            if depth:
                self._layout.addWidget(QLabel("›", self))
            button = QToolButton(self)
            button.setText(name)
            button.setAutoRaise(True)
            button.setEnabled(depth < len(names) - 1)
            button.setToolTip("Go back out to this level" if depth < len(names) - 1 else "")
            button.clicked.connect(lambda _c=False, d=depth: self.doc.set_focus(path[:d]))
            self._layout.addWidget(button)
            self.buttons.append(button)
        self._layout.activate()
        self.resize(self.sizeHint())
        self.move(10, 10)
        self.show()
        self.raise_()
