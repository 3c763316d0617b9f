"""Right-click menus on the canvas: on a node, on a connection, and on empty canvas.

Each entry is an undoable edit that rewires for the user (see core/graph_edits.py), so a
newcomer never has to delete and redraw wires to try another layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMenu, QWidget

from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Edge, Graph
from nnstudio.core.graph_edits import change_type, insert_into_edge
from nnstudio.core.layers import by_category
from nnstudio.ui.commands import GraphEditCommand, edit_command


def layer_menu(
    parent: QWidget,
    title: str,
    pick: Callable[[str], None],
    skip: str = "",
    hidden: frozenset[str] = frozenset(),
) -> QMenu:
    """A submenu of every layer, grouped by category as in the palette (less the layers a
    teacher hid)."""
    menu = QMenu(title, parent)
    for category, specs in by_category().items():
        specs = [s for s in specs if s.name not in (skip, "block") and s.name not in hidden]
        if not specs:
            continue
        sub = menu.addMenu(category)
        for spec in specs:
            action = sub.addAction(spec.display_name)
            action.setObjectName(f"layer_{spec.name}")
            action.triggered.connect(lambda _c=False, name=spec.name: pick(name))
    return menu


def run_edit(scene: Any, text: str, edit: Callable[[Graph], Any]) -> Any:
    """Push `edit` as one undoable step; a refusal goes to the status bar. Returns its result."""
    try:
        command = edit_command(
            scene.doc, text, lambda: GraphEditCommand(scene.doc, text, edit), edit
        )
    except GraphError as exc:
        scene.status_message.emit(str(exc))
        return None
    if not scene.doc.push(command):
        return None
    return getattr(command, "result", None)


def change_layer_type(scene: Any, node_id: str, new_type: str) -> bool:
    dropped: list[Edge] = []

    def edit(graph: Graph) -> None:
        dropped.extend(change_type(graph, node_id, new_type))

    count = scene.doc.undo_stack.count()
    run_edit(scene, "Change layer type", edit)
    if scene.doc.undo_stack.count() == count:
        return False
    if dropped:
        scene.status_message.emit(
            f"Changed the layer type; {len(dropped)} connection(s) did not fit its ports."
        )
    scene.select_nodes([node_id])
    return True


def insert_layer(scene: Any, edge: Edge, layer_type: str, pos: QPointF | None = None) -> str | None:
    where = (round(pos.x()), round(pos.y())) if pos is not None else None
    node_id = run_edit(
        scene, "Insert layer", lambda g: insert_into_edge(g, edge, layer_type, where)
    )
    if node_id:
        scene.select_nodes([node_id])
    return node_id


def build_menu(
    scene: Any, parent: QWidget, scene_pos: QPointF, node_id: str | None, edge: Edge | None
) -> QMenu:
    """The menu for what is under the pointer."""
    menu = QMenu(parent)
    menu.setObjectName("canvas_context_menu")
    if node_id is not None:
        node = scene.graph.node(node_id)
        if node_id not in scene.selected_node_ids():
            scene.select_nodes([node_id])
        if node.type != "block":
            sub = layer_menu(
                menu,
                "Change Layer Type",
                lambda t: change_layer_type(scene, node_id, t),
                skip=node.type,
                hidden=scene.hidden_layers,
            )
            sub.setObjectName("menu_change_type")
            menu.addMenu(sub)
        delete = menu.addAction("Delete")
        delete.setObjectName("context_delete")
        delete.triggered.connect(scene.delete_selection)
    elif edge is not None:
        sub = layer_menu(
            menu,
            "Insert Layer Here",
            lambda t: insert_layer(scene, edge, t, scene_pos),
            hidden=scene.hidden_layers,
        )
        sub.setObjectName("menu_insert_layer")
        menu.addMenu(sub)
        remove = menu.addAction("Delete Connection")
        remove.setObjectName("context_delete_connection")

        def drop_edge() -> None:
            run_edit(scene, "Delete connection", lambda g: g.disconnect(edge))

        remove.triggered.connect(drop_edge)
    else:
        sub = layer_menu(
            menu,
            "Add Layer Here",
            lambda t: scene.add_node_at(t, scene_pos),
            hidden=scene.hidden_layers,
        )
        sub.setObjectName("menu_add_layer")
        menu.addMenu(sub)
        layout = menu.addAction("Auto-layout")
        layout.setObjectName("context_auto_layout")
        layout.triggered.connect(scene.auto_layout)
    if scene.locked:
        for action in menu.actions():
            action.setEnabled(False)
    return menu
