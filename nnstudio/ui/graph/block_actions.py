"""The window's block commands: Group into Block, Ungroup, Open Block, Save Block to Library.

They live here, beside the canvas, and are added to the window by `install`, so the main
window only says where they go.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from nnstudio.core.block_library import BlockExistsError, free_name, list_blocks, save_block
from nnstudio.core.errors import NNStudioError
from nnstudio.ui.commands import group_command, ungroup_command


class BlockActions:
    """`window` is the main window (not imported here: the window imports this module)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.scene = window.scene
        self.doc = window.document
        a = self._action
        self.group = a("action_group", "&Group into Block", self.group_selection, "Ctrl+G",
                       "Put the selected layers in one block node")  # fmt: skip
        self.ungroup = a("action_ungroup", "&Ungroup Block", self.ungroup_selection,
                         "Ctrl+Shift+G", "Put a block's layers back in its place")  # fmt: skip
        self.open = a("action_open_block", "&Open Block", self.open_selection, "Ctrl+Return",
                      "Show and edit what is inside the block")  # fmt: skip
        self.leave = a("action_leave_block", "&Leave Block", self.leave_block, "Ctrl+Backspace",
                       "Go back out of the opened block")  # fmt: skip
        self.save = a("action_save_block", "Save Block to &Library", self.save_selection, None,
                      "Keep the block in your library, for any project")  # fmt: skip
        self.actions = [self.group, self.ungroup, self.open, self.leave, self.save]

    def _action(self, name: str, text: str, slot, keys: str | None, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def _say(self, message: str) -> None:
        self.window.show_status(message)

    def _single_block(self) -> str | None:
        ids = self.scene.selected_node_ids()
        graph = self.scene.graph
        blocks = [nid for nid in ids if graph.nodes[nid].block is not None]
        if len(blocks) != 1:
            self._say("Select one block first.")
            return None
        return blocks[0]

    # -- the commands -------------------------------------------------------------------------
    def group_selection(self) -> str | None:
        if self.doc.locked:
            return None
        ids = self.scene.selected_node_ids()
        try:
            if self.doc.focus_path:
                from nnstudio.core.blocks import group_nodes
                from nnstudio.ui.commands import inside_command

                path = self.doc.focus_path
                command = inside_command(
                    self.doc, path, "Group into block", lambda g: group_nodes(g, ids)
                )
            else:
                command = group_command(self.doc, ids)
        except NNStudioError as exc:
            self._say(f"Cannot group: {exc}")
            return None
        if not self.doc.push(command):
            return None
        self.scene.select_nodes([command.result])
        self._say("Grouped into a block: rename it in the Inspector, double-click to open it.")
        return command.result

    def ungroup_selection(self) -> list[str]:
        block_id = self._single_block()
        if block_id is None or self.doc.locked:
            return []
        try:
            if self.doc.focus_path:
                from nnstudio.core.blocks import ungroup_node
                from nnstudio.ui.commands import inside_command

                command = inside_command(
                    self.doc, self.doc.focus_path, "Ungroup block",
                    lambda g: ungroup_node(g, block_id),
                )  # fmt: skip
            else:
                command = ungroup_command(self.doc, block_id)
        except NNStudioError as exc:
            self._say(f"Cannot ungroup: {exc}")
            return []
        if not self.doc.push(command):
            return []
        self.scene.select_nodes(command.result)
        return command.result

    def open_selection(self) -> bool:
        block_id = self._single_block()
        return block_id is not None and self.scene.open_block(block_id)

    def leave_block(self) -> None:
        self.doc.set_focus(self.doc.focus_path[:-1])

    def ask_replace(self, name: str, other: str) -> str:
        """Ask what to do when the library already holds a block called `name`:
        "replace", "keep" (save this one as `other`) or "cancel"."""
        box = QMessageBox(self.window)
        box.setObjectName("replace_block_box")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Block already in your library")
        box.setText(f"A block named “{name}” already exists in your library.")
        box.setInformativeText(
            f"Replace it with this one, or keep both (this one is saved as “{other}”)?"
        )
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        return {id(replace): "replace", id(keep): "keep"}.get(id(clicked), "cancel")

    def save_selection(self) -> bool:
        """Save the selected block to the library; a block of the same name there is
        replaced, kept beside it under a new name, or left alone, as the user says."""
        block_id = self._single_block()
        if block_id is None:
            return False
        node = self.scene.graph.nodes[block_id]
        try:
            try:
                path = save_block(node)
            except BlockExistsError as exc:
                other = free_name(node.params["name"])
                choice = self.ask_replace(exc.name, other)
                if choice == "cancel":
                    self._say("The block was not saved; your library is as it was.")
                    return False
                if choice == "replace":
                    path = save_block(node, replace=True)
                else:
                    path = save_block(node, name=other)
        except NNStudioError as exc:
            self._say(f"Cannot save the block: {exc}")
            return False
        self.refresh_palette()
        self._say(f"Saved to your block library ({path.parent}); it is in the palette now.")
        return True

    def refresh_palette(self) -> None:
        try:
            blocks, _skipped = list_blocks()
        except NNStudioError:
            blocks = []
        self.window.palette.set_user_blocks(blocks)


def install(window: Any, edit_menu: QMenu) -> BlockActions:
    """Add the block commands to the Edit menu and the canvas; fill "My blocks"."""
    actions = BlockActions(window)
    edit_menu.addSeparator()
    edit_menu.addActions(actions.actions)
    window.view.addActions(actions.actions)
    window.edit_actions.extend([actions.group, actions.ungroup, actions.save])
    actions.refresh_palette()
    return actions
