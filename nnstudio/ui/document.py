"""The open document: one Project, its undo stack and its file path.

This is the one place the UI holds the model. Widgets read from it and change it only by
pushing undo commands; they learn about changes from its signals, which are fed by the
graph's own events, so the canvas redraws from the model and never keeps a copy of it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnstudio.core.blocks import graph_at
from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.errors import NNStudioError
from nnstudio.core.graph import NODE_MOVED, Graph, GraphEvent
from nnstudio.core.layers import ShapeContext
from nnstudio.core.project import Project
from nnstudio.core.run import RunBook
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.validation import Analysis, analyze


class Document(QObject):
    """The open project. Signals are the only way views hear about changes."""

    graph_event = Signal(object)
    """A GraphEvent from the current graph (node added, moved, edge removed, ...)."""
    analysis_changed = Signal(object)
    """A fresh Analysis (shapes, parameter counts, problems) after any change that matters."""
    project_replaced = Signal()
    """New, Open or a template replaced the whole project: views rebuild from scratch."""
    dataset_changed = Signal()
    training_changed = Signal()
    path_changed = Signal(str)
    modified_changed = Signal(bool)
    locked_changed = Signal(bool)
    focus_changed = Signal(list)
    """The canvas now shows the inside of the block at this path (block ids; [] is the top)."""
    runs_changed = Signal()
    """Runs were added, removed, renamed or pinned, or the current run changed."""

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setObjectName("undo_stack")
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._project = project or Project()
        self._path: Path | None = None
        self.runs = RunBook()
        """Every training run of this project; saved with it."""
        self._unsubscribe = self._project.graph.subscribe(self._on_graph_event)
        self._locked = False
        self._focus: list[str] = []
        self._focus_analysis: tuple[int, Analysis] | None = None
        self.analysis_count = 0
        """How many times the analysis ran (tests check that batched edits run it once)."""
        self.analysis: Analysis = Analysis()
        self.reanalyze()

    # -- reading ----------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    @property
    def graph(self) -> Graph:
        return self._project.graph

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def locked(self) -> bool:
        return self._locked

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        if self._path is not None:
            return self._path.name
        return self._project.title or "Untitled"

    # -- the block being edited ---------------------------------------------------------------
    @property
    def focus_path(self) -> list[str]:
        return list(self._focus)

    def set_focus(self, path: list[str]) -> None:
        """Show and edit the inside of the block at `path` ([] for the whole network)."""
        path = list(path)
        try:
            graph_at(self.graph, path)
        except NNStudioError:
            path = []
        if path != self._focus:
            self._focus = path
            self._focus_analysis = None
            self.focus_changed.emit(list(path))

    def focus_graph(self) -> Graph:
        """The graph the canvas edits: the network, or the inside of the opened block."""
        try:
            return graph_at(self.graph, self._focus)
        except NNStudioError:  # the block went away (undo of its grouping, say)
            self.set_focus([])
            return self.graph

    def focus_analysis(self) -> Analysis:
        """The analysis of the focused graph: inside a block, with the shapes that arrive at
        its ports from outside (the top analysis for the whole network)."""
        if not self._focus:
            return self.analysis
        cached = self._focus_analysis
        if cached is not None and cached[0] == self.analysis_count:
            return cached[1]
        analysis, graph = self.analysis, self.graph
        for block_id in self._focus:
            node = graph.node(block_id)
            edges = {e.dst.port: e.src for e in graph.edges_into(block_id)}
            shapes = [analysis.port_shapes.get(edges.get(p.name)) for p in node.spec.inputs]
            if any(s is None for s in shapes):  # unknown from outside: analyze what is known
                shapes = shapes[: shapes.index(None)]
            analysis = node.block.analyze(shapes)
            graph = node.block.graph
        self._focus_analysis = (self.analysis_count, analysis)
        return analysis

    def shape_context(self) -> ShapeContext:
        try:
            return self._project.shape_context()
        except NNStudioError as exc:
            return ShapeContext(None, data_problem=str(exc))

    # -- changing ---------------------------------------------------------------------------
    def push(self, command: QUndoCommand) -> bool:
        """Run `command` and put it on the undo stack; refused while editing is locked."""
        if self._locked:
            return False
        self.undo_stack.push(command)
        return True

    def set_locked(self, locked: bool) -> None:
        """Lock or unlock every edit (used while training runs)."""
        if locked != self._locked:
            self._locked = locked
            self.locked_changed.emit(locked)

    def replace_project(
        self, project: Project, path: str | Path | None = None, runs: RunBook | None = None
    ) -> None:
        """Open a different project (with its runs): the undo history starts over and the
        document is clean."""
        self._unsubscribe()
        self._project = project
        self.runs = runs if runs is not None else RunBook()
        self._unsubscribe = project.graph.subscribe(self._on_graph_event)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._path = Path(path) if path is not None else None
        self.set_focus([])
        self.reanalyze(emit=False)
        self.project_replaced.emit()
        self.runs_changed.emit()
        self.analysis_changed.emit(self.analysis)
        self.path_changed.emit(str(self._path or ""))
        self.modified_changed.emit(False)

    def mark_saved(self, path: str | Path) -> None:
        self._path = Path(path)
        self.undo_stack.setClean()
        self.path_changed.emit(str(self._path))

    def apply_dataset(self, config: DatasetConfig) -> None:
        """Swap the dataset choice; only undo commands call this."""
        self._project.dataset = config
        self.reanalyze()
        self.dataset_changed.emit()

    def apply_training(self, settings: TrainingSettings) -> None:
        """Swap the training settings; only undo commands call this."""
        self._project.training = settings
        self.training_changed.emit()

    def reanalyze(self, emit: bool = True) -> Analysis:
        self.analysis = analyze(self.graph, self.shape_context())
        self.analysis_count += 1
        if emit:
            self.analysis_changed.emit(self.analysis)
        return self.analysis

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _on_graph_event(self, event: GraphEvent) -> None:
        self.graph_event.emit(event)
        if event.kind == NODE_MOVED:  # positions never change shapes or problems
            return
        if self.graph.in_batch:
            return  # a paste or an undo of many nodes: analyze once, at its BATCH event
        self.reanalyze()
