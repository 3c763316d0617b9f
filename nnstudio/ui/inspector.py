"""The inspector: edits the selected node's params with editors built from its declaration."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from nnstudio.core import graph as g
from nnstudio.core.errors import ParamError
from nnstudio.core.graph import GraphEvent
from nnstudio.core.layers import fmt_shape
from nnstudio.core.validation import Analysis
from nnstudio.ui import theme
from nnstudio.ui.commands import param_command
from nnstudio.ui.document import Document
from nnstudio.ui.output_follow import CompoundCommand, task_change_commands
from nnstudio.ui.param_widgets import ParamForm

HINT = "Select a node on the canvas to see and edit its settings."


def _label(name: str, parent: QWidget, wrap: bool = True) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Inspector(QScrollArea):
    status_message = Signal(str)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.doc = doc
        self.node_id: str | None = None
        self.form: ParamForm | None = None
        body = QWidget(self)
        body.setObjectName("inspector_body")
        self.body_layout = QVBoxLayout(body)
        self.body_layout.setContentsMargins(12, 12, 12, 12)
        self.body_layout.setSpacing(8)
        self.hint = _label("inspector_hint", body)
        self.hint.setText(HINT)
        self.title = _label("inspector_title", body)
        self.help = _label("inspector_help", body)
        self.shapes = _label("inspector_shapes", body)
        self.problems = _label("inspector_problems", body)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        for widget in (self.hint, self.title, self.help, self.shapes, self.problems):
            self.body_layout.addWidget(widget)
        self.form_holder = QVBoxLayout()
        self.form_holder.setContentsMargins(0, 6, 0, 0)
        self.body_layout.addLayout(self.form_holder)
        self.body_layout.addStretch(1)
        self.setWidget(body)
        doc.graph_event.connect(self._on_graph_event)
        doc.analysis_changed.connect(self._on_analysis)
        doc.project_replaced.connect(self.clear)
        doc.locked_changed.connect(self._on_locked)
        self.show_nodes([])

    def show_nodes(self, node_ids: list[str]) -> None:
        """Show the one selected node, or a hint for none or several."""
        node_id = node_ids[0] if len(node_ids) == 1 else None
        if node_id is not None and node_id not in self.doc.focus_graph().nodes:
            node_id = None
        self.node_id = node_id
        self._clear_form()
        single = node_id is not None
        for widget in (self.title, self.help, self.shapes, self.problems):
            widget.setVisible(single)
        self.hint.setVisible(not single)
        self.many: list[str] = []
        if not single:
            count = len(node_ids)
            self.hint.setText(HINT if count == 0 else f"{count} nodes selected.")
            self._show_shared_form(node_ids)
            return
        node = self.doc.focus_graph().node(node_id)
        spec = node.spec
        self.title.setText(
            f"{spec.display_name}  <span style='color:{theme.MUTED}; "
            f"font-weight:normal'>{node.id}</span>"
        )
        self.help.setText(spec.help)
        if len(spec.params):
            self.form = ParamForm(spec.params, self.widget(), name="inspector_form")
            self.form.set_values(node.params)
            self._apply_relevance()
            self.form.committed.connect(self._commit)
            self.form_holder.addWidget(self.form)
        self._set_form_enabled(not self.doc.locked)
        self._on_analysis(self.doc.analysis)

    def _show_shared_form(self, node_ids: list[str]) -> None:
        """Several nodes of one type: one form whose edits go to all of them at once."""
        graph = self.doc.focus_graph()
        nodes = [graph.nodes[n] for n in node_ids if n in graph.nodes]
        types = {n.type for n in nodes}
        if len(nodes) < 2 or len(types) != 1 or not len(nodes[0].spec.params):
            return
        spec = nodes[0].spec
        self.many = [n.id for n in nodes]
        self.hint.setText(
            f"{len(nodes)} {spec.display_name} layers selected: a change here sets it on all."
        )
        self.form = ParamForm(spec.params, self.widget(), name="inspector_form")
        self.form.set_values(nodes[0].params)
        self.form.committed.connect(self._commit_many)
        self.form_holder.addWidget(self.form)
        self._set_form_enabled(not self.doc.locked)

    def _commit_many(self, name: str, value: Any) -> None:
        from nnstudio.core.errors import GraphError
        from nnstudio.core.graph_edits import set_param_on
        from nnstudio.ui.commands import GraphEditCommand, edit_command

        if self.doc.locked or not self.many:
            return
        ids = list(self.many)
        text = f"Set {name} on {len(ids)} layers"
        try:
            command = edit_command(
                self.doc,
                text,
                lambda: GraphEditCommand(
                    self.doc, text, lambda g: set_param_on(g, ids, name, value)
                ),
                lambda g: set_param_on(g, ids, name, value),
            )
        except GraphError as exc:
            self.status_message.emit(str(exc))
            return
        self.doc.push(command)

    def clear(self) -> None:
        self.show_nodes([])

    def _apply_relevance(self) -> None:
        """Show only the settings that matter for the node's current values."""
        if self.form is None or self.node_id is None:
            return
        node = self.doc.focus_graph().node(self.node_id)
        rule = node.spec.relevance
        self.form.apply_relevance(rule(node.params) if rule is not None else None)

    def _on_locked(self, locked: bool) -> None:
        self._set_form_enabled(not locked)

    def _clear_form(self) -> None:
        if self.form is not None:
            self.form.hide()
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None

    def _set_form_enabled(self, enabled: bool) -> None:
        if self.form is not None:
            self.form.setEnabled(enabled)

    def _commit(self, name: str, value: Any) -> None:
        if self.node_id is None or self.doc.locked:
            return
        node = self.doc.focus_graph().node(self.node_id)
        spec = node.spec.params.get(name)
        try:
            value = spec.coerce(value) if spec is not None else value
        except ParamError as exc:
            self.status_message.emit(str(exc))
            if self.form is not None:
                self.form.set_values(node.params)
            return
        if node.params.get(name) == value:
            return
        if name == "task" and "loss" in node.params and not self.doc.focus_path:
            # A new task gets a loss that fits it, as one undo step.
            steps = task_change_commands(self.doc, self.node_id, value)
            self.doc.push(CompoundCommand(f"Change {node.spec.display_name} task", steps))
            return
        self.doc.push(param_command(self.doc, self.node_id, name, value))

    def _on_graph_event(self, event: GraphEvent) -> None:
        if self.node_id is None or self.doc.focus_path:
            return  # inside a block the canvas redraws and selects the node again
        if event.kind == g.PARAM_CHANGED and event.node_id == self.node_id and self.form:
            self.form.set_values(self.doc.focus_graph().node(self.node_id).params)
            self._apply_relevance()
        elif event.kind == g.RESET or (
            event.kind == g.NODE_REMOVED and event.node_id == self.node_id
        ):
            self.show_nodes([])

    def _on_analysis(self, analysis: Analysis) -> None:
        analysis = self.doc.focus_analysis()  # inside a block, the block's own analysis
        if self.node_id is None or self.node_id not in self.doc.focus_graph().nodes:
            return
        graph = self.doc.focus_graph()
        ins = []
        for edge in graph.edges_into(self.node_id):
            shape = analysis.node_shapes.get(edge.src.node)
            ins.append(fmt_shape(shape) if shape is not None else "?")
        out = analysis.node_shapes.get(self.node_id)
        parts = []
        if ins:
            parts.append("in " + ", ".join(ins))
        if out is not None and graph.node(self.node_id).spec.outputs:
            parts.append("out " + fmt_shape(out))
        count = analysis.param_counts.get(self.node_id)
        if count is not None:
            parts.append(f"{count:,} parameters")
        self.shapes.setText("   ·   ".join(parts))
        self.shapes.setVisible(bool(parts))
        problems = analysis.problems_for(self.node_id)
        lines = []
        for problem in problems:
            color = theme.ERROR if problem.severity == "error" else theme.WARNING
            lines.append(f"<span style='color:{color}'>⚠ {problem.message}</span>")
        self.problems.setText("<br>".join(lines))
        self.problems.setVisible(bool(lines))
