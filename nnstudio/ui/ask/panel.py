"""The Ask panel: give the trained network an input and see its answer and its insides.

Above, the page for the data's kind (pad, form, sequence box, or a hint for 2D points, which
are asked on the decision boundary). Below, the answer as bars (or a value), any attention
weights, and every layer's activations for that input. Bad input shows a message here;
nothing reaches Qt as a traceback.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from nnstudio.core.datasets import inputs as enc
from nnstudio.core.errors import NNStudioError
from nnstudio.ui.ask.activations import ActivationsView, Shown
from nnstudio.ui.ask.bars import ProbabilityBars
from nnstudio.ui.ask.pages import ImagePage, PointsPage, SequencePage, TablePage

PAGES = ("points", "image", "table", "sequence")
POINTS_HINT = (
    "Hover over the decision boundary to read the network's answer; click to pin a point "
    "and see what each layer makes of it. Edit data adds and removes training points."
)
REASK_MS = 100
INSIDES_MS = 40
"""The activations follow the answer after this long (at most 25 redraws a second)."""
"""Inputs are asked at once (answers are cheap); new weights re-ask at most this often."""


class AskPanel(QWidget):
    """The whole Ask view for one window; `session` supplies the predictor and the data."""

    answered = Signal(object)
    """The Prediction for the input just asked (for tests and the boundary pin)."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ask_panel")
        self.session = session
        self.dataset: Any = None
        self.current: Any = None
        """(raw input, description) last asked, asked again when the weights change."""
        self.last_answer: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.stack = QStackedWidget(self)
        self.points_page = PointsPage()
        self.image_page = ImagePage()
        self.table_page = TablePage()
        self.sequence_page = SequencePage()
        self.pages = {
            "points": self.points_page,
            "image": self.image_page,
            "table": self.table_page,
            "sequence": self.sequence_page,
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
            if hasattr(page, "asked"):
                page.asked.connect(self.ask)
                page.message.connect(self.show_message)
            if hasattr(page, "picker"):
                page.picker.picked.connect(self.show_sample)
        layout.addWidget(self.stack, 3)
        self.message = QLabel(self)
        self.message.setObjectName("ask_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #9a3412;")
        self.message.hide()
        layout.addWidget(self.message)
        self.subject = QLabel(self)
        self.subject.setObjectName("ask_subject")
        self.subject.setStyleSheet("color: #555;")
        self.subject.setWordWrap(True)
        layout.addWidget(self.subject)
        self.bars = ProbabilityBars(self)
        layout.addWidget(self.bars)
        self.attention = ActivationsView(self)
        self.attention.setObjectName("ask_attention")
        self.attention.hide()
        layout.addWidget(self.attention, 1)
        self.activations = ActivationsView(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.activations)
        scroll.setMinimumHeight(60)
        layout.addWidget(scroll, 4)
        self._inside_of: Any = None
        self._insides = QTimer(self)
        self._insides.setObjectName("ask_insides_timer")
        self._insides.setSingleShot(True)
        self._insides.setInterval(INSIDES_MS)
        self._insides.timeout.connect(self.show_insides)
        self._reask = QTimer(self)
        self._reask.setSingleShot(True)
        self._reask.setInterval(REASK_MS)
        self._reask.timeout.connect(self._ask_again)
        session.changed.connect(self._weights_changed)
        session.dataset_changed.connect(self.use_dataset)

    def sizeHint(self) -> QSize:
        """Modest, so the dock beside the decision boundary leaves the plot its room."""
        return QSize(420, 240)

    # -- data -----------------------------------------------------------------------------
    @Slot(object)
    def use_dataset(self, dataset: Any) -> None:
        """Show the page for the data's kind; None loads the data only when shown."""
        if dataset is None and self.isVisible():
            dataset = self.session.dataset()
        self.dataset = dataset
        self.current = None
        if dataset is None:
            return
        kind = dataset.kind if dataset.kind in PAGES else "table"
        page = self.pages[kind]
        self.stack.setCurrentWidget(page)
        # 2D points are asked on the boundary plot: the panel keeps its room for the answer.
        self.stack.setVisible(kind != "points")
        if kind == "points":
            self.subject.setText(POINTS_HINT)
        if hasattr(page, "use_dataset"):
            try:
                page.use_dataset(dataset)
            except NNStudioError as exc:
                self.show_message(str(exc))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.dataset is None:
            self.use_dataset(self.session.dataset())

    @Slot(int)
    def show_sample(self, index: int) -> None:
        """Put held-out test sample `index` on the current page, with its true answer."""
        data = self.dataset
        if data is None or not 0 <= index < len(data.x_test):
            return
        page = self.stack.currentWidget()
        truth = data.y_test[index]
        if data.task == "regression":
            value = enc.decode_values(data, np.asarray(truth).reshape(1, -1))[0, 0]
            text = f"true value {value:.4g}"
        else:
            k = int(np.asarray(truth).reshape(-1)[0])
            names = data.class_names
            text = f"true class: {names[k] if k < len(names) else k}"
        page.picker.truth.setText(text)
        if page is self.image_page:
            self.image_page.pad.set_image(data.x_test[index][0])
        elif page is self.table_page:
            self.table_page.fill(enc.decode_table_rows(data, data.x_test[index : index + 1])[0])
        elif page is self.sequence_page:
            self.sequence_page.fill(data.x_test[index])

    # -- asking ---------------------------------------------------------------------------
    @Slot(str)
    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    @Slot(object, str)
    def ask(self, raw: Any, description: str) -> Any:
        """Answer for one raw input of the data's kind; returns the Prediction or None.

        The answer shows at once; the layers' activations (a slower pass with a hook on
        every layer) follow on a short timer, so a fast stroke redraws them only once."""
        self.current = (raw, description)
        predictor = self.session.predictor()
        if predictor is None:
            self.bars.show_nothing(self.session.problem)
            self.activations.show_note(self.session.problem)
            return None
        try:
            x = self._encode(predictor, raw)
            answer = predictor.predict(x)
        except NNStudioError as exc:
            self.show_message(str(exc))
            return None
        self.show_message("")
        self.subject.setText(f"The network's answer for {description}:")
        if answer.probabilities is not None:
            self.bars.show_probabilities(predictor.class_names(), answer.probabilities[0])
        else:
            self.bars.show_value(float(answer.values[0, 0]))
        self.last_answer = answer
        self._inside_of = x
        if not self._insides.isActive():
            self._insides.start()
        self.answered.emit(answer)
        return answer

    @Slot()
    def show_insides(self) -> None:
        """Each layer's activations (and attention weights) for the input last asked."""
        predictor = self.session.predictor()
        x, self._inside_of = self._inside_of, None
        if predictor is None or x is None:
            return
        try:
            _answer, layers = predictor.explain(x)
            attention = predictor.attention(x) if predictor.dataset.kind == "sequence" else {}
        except NNStudioError as exc:
            self.show_message(str(exc))
            return
        self.activations.show_layers(layers)
        self._show_attention(predictor, attention)

    def _encode(self, predictor: Any, raw: Any) -> np.ndarray:
        kind = predictor.dataset.kind
        if predictor.dataset.is_2d:
            return predictor.points(raw)
        if kind == "image":
            return predictor.images(raw)
        if kind == "sequence":
            return predictor.sequences(raw)
        return predictor.rows(raw)

    def _show_attention(self, predictor: Any, found: dict[str, np.ndarray]) -> None:
        if not found:
            self.attention.hide()
            return
        shown = []
        for node_id, weights in found.items():
            label = predictor.model.labels.get(node_id, node_id)
            for head, grid in enumerate(weights):
                shown.append(Shown(f"{label} attention, head {head + 1} (rows: steps)", grid))
        self.attention.show_layers(shown)
        self.attention.show()

    @Slot()
    def _weights_changed(self) -> None:
        if self.current is not None and not self._reask.isActive():
            self._reask.start()

    @Slot()
    def _ask_again(self) -> None:
        if self.current is not None and self.isVisible():
            self.ask(*self.current)
