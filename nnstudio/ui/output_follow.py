"""Undoable edits that keep the Output node's task and loss fitting the data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.errors import NNStudioError
from nnstudio.core.output_task import loss_for_task, output_changes


class CompoundCommand(QUndoCommand):
    """Several commands as one undo step (redo in order, undo in reverse)."""

    def __init__(self, text: str, commands: Sequence[QUndoCommand]) -> None:
        super().__init__(text)
        self.commands = list(commands)

    def redo(self) -> None:
        for command in self.commands:
            command.redo()

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo()


def output_follow_commands(doc: Any, config: DatasetConfig) -> list[QUndoCommand]:
    """SetParam commands that make every Output node fit the data of `config`."""
    from nnstudio.core.datasets.info import dataset_info
    from nnstudio.ui.commands import SetParamCommand

    try:
        ctx = dataset_info(config)
    except NNStudioError:
        return []
    commands: list[QUndoCommand] = []
    for node in doc.graph.nodes_of_role("output"):
        changes = output_changes(node.params, ctx.task, ctx.num_classes)
        # The task first: the loss is checked against it.
        for name in ("task", "loss"):
            if name in changes:
                commands.append(_Deferred(SetParamCommand, doc, node.id, name, changes[name]))
    return commands


def task_change_commands(doc: Any, node_id: str, task: str) -> list[QUndoCommand]:
    """Set an Output's task, and its loss too when the old one does not fit the new task."""
    from nnstudio.ui.commands import SetParamCommand

    node = doc.graph.node(node_id)
    commands: list[QUndoCommand] = [SetParamCommand(doc, node_id, "task", task)]
    loss = loss_for_task(task, node.params["loss"])
    if loss != node.params["loss"]:
        commands.append(_Deferred(SetParamCommand, doc, node_id, "loss", loss))
    return commands


class _Deferred(QUndoCommand):
    """A command built when first run, so it records the old value as it is by then."""

    def __init__(self, factory: Any, *args: Any) -> None:
        super().__init__()
        self.factory, self.args = factory, args
        self.command: QUndoCommand | None = None

    def redo(self) -> None:
        if self.command is None:
            self.command = self.factory(*self.args)
        self.command.redo()

    def undo(self) -> None:
        if self.command is not None:
            self.command.undo()
