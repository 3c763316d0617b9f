"""Undoable edits of the runs list: rename, delete, pin, and putting a run's settings back.

Each command changes the document's RunBook through its own methods and tells the views
through `Document.runs_changed`; a deleted run goes back to where it was on undo.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from nnstudio.core.graph import Graph
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.run import Run, freeze
from nnstudio.ui.commands import SetDatasetCommand, SetTrainingCommand
from nnstudio.ui.document import Document


class RenameRunCommand(QUndoCommand):
    def __init__(self, doc: Document, run: Run, label: str) -> None:
        super().__init__(f"Rename {run.label} to {label}")
        self.doc, self.run_id = doc, run.id
        self.old, self.new = run.label, label

    def _set(self, label: str) -> None:
        run = self.doc.runs.get(self.run_id)
        if run is not None:
            run.label = label
            self.doc.runs_changed.emit()

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)


class PinRunCommand(QUndoCommand):
    def __init__(self, doc: Document, run: Run, pinned: bool) -> None:
        verb = "Pin" if pinned else "Unpin"
        super().__init__(f"{verb} {run.label}")
        self.doc, self.run_id, self.pinned = doc, run.id, pinned

    def _set(self, pinned: bool) -> None:
        run = self.doc.runs.get(self.run_id)
        if run is not None:
            run.pinned = pinned
            self.doc.runs_changed.emit()

    def redo(self) -> None:
        self._set(self.pinned)

    def undo(self) -> None:
        self._set(not self.pinned)


class DeleteRunsCommand(QUndoCommand):
    """Delete runs; undo puts each back at its old place, the current one current again."""

    def __init__(self, doc: Document, runs: list[Run]) -> None:
        names = runs[0].label if len(runs) == 1 else f"{len(runs)} runs"
        super().__init__(f"Delete {names}")
        self.doc = doc
        self.ids = [r.id for r in runs]
        self.removed: list[tuple[Run, int]] = []
        self.current: str | None = None

    def redo(self) -> None:
        book = self.doc.runs
        self.current = book.current
        self.removed = []
        for run_id in self.ids:
            taken = book.remove(run_id)
            if taken is not None:
                self.removed.append(taken)
        self.doc.runs_changed.emit()

    def undo(self) -> None:
        book = self.doc.runs
        for run, index in reversed(self.removed):
            book.runs.insert(index, run)
        book.current = self.current
        self.removed = []
        self.doc.runs_changed.emit()


class ReplaceGraphCommand(QUndoCommand):
    def __init__(self, doc: Document, graph: Graph, text: str = "Replace network") -> None:
        super().__init__(text)
        self.doc = doc
        self.old = doc.graph.to_dict()
        self.new = graph.to_dict()

    def redo(self) -> None:
        self.doc.graph.replace_with(graph_from_dict(self.new))

    def undo(self) -> None:
        self.doc.graph.replace_with(graph_from_dict(self.old))


def apply_run_settings(doc: Document, run: Run) -> bool:
    """Put the run's network, data and settings back into the editor as one undo step."""
    project = freeze(run.project)
    stack = doc.undo_stack
    if doc.locked:
        return False
    stack.beginMacro(f"Apply the settings of {run.label}")
    try:
        if doc.graph.to_dict() != project.graph.to_dict():
            stack.push(ReplaceGraphCommand(doc, project.graph))
        if doc.project.dataset.to_dict() != project.dataset.to_dict():
            stack.push(SetDatasetCommand(doc, project.dataset))
        if doc.project.training.to_dict() != project.training.to_dict():
            stack.push(SetTrainingCommand(doc, project.training))
    finally:
        stack.endMacro()
    return True
