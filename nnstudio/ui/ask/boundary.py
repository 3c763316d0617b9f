"""Asking on the decision boundary: hover to read the answer, click to pin a point, and
"Edit data" to add or remove training points by hand.

Edits go through the undo stack as dataset changes (the project then carries its own
points, saved in the file); "Reset data" goes back to the generator's points. Data edits are
allowed while training runs, which then goes on with the edited data.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Slot
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QSizePolicy, QToolButton

from nnstudio.core.datasets.edited import points_of
from nnstudio.core.errors import NNStudioError
from nnstudio.ui.commands import SetDatasetCommand

HIT_PIXELS = 7.0
"""A click this close (in screen pixels) to a point removes it in Edit data mode."""


class BoundaryAsk(QObject):
    def __init__(self, panel: Any, session: Any, ask_panel: Any, document: Any) -> None:
        super().__init__(panel)
        self.panel = panel
        self.session = session
        self.ask_panel = ask_panel
        self.document = document
        self.hover_answer: Any = None
        self.hover_point: tuple[float, float] | None = None
        """The plane point the hover answer is for."""
        self._build_controls()
        self.pin = pg.ScatterPlotItem(
            size=16,
            symbol="star",
            pxMode=True,
            brush=pg.mkBrush("#fde047"),
            pen=pg.mkPen("#111", width=1.2),
        )
        self.pin.setZValue(20)
        panel.plot.addItem(self.pin)
        scene = panel.plot_widget.scene()
        scene.sigMouseMoved.connect(self._mouse_moved)
        scene.sigMouseClicked.connect(self._mouse_clicked)
        session.dataset_changed.connect(self._data_changed)
        self._data_changed(None)

    def _build_controls(self) -> None:
        panel = self.panel
        self.hover_label = QLabel(panel)
        self.hover_label.setObjectName("ask_hover")
        self.hover_label.setStyleSheet("color: #333;")
        # A row of its own under the title row: long answers never widen the panel.
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.edit_button = QToolButton(panel)
        self.edit_button.setObjectName("ask_edit_data")
        self.edit_button.setText("Edit data")
        self.edit_button.setCheckable(True)
        self.edit_button.setToolTip(
            "Click the plot to add a training point of the chosen class; click a point to "
            "remove it. The edited points become the project's own data (undo works)."
        )
        self.edit_button.toggled.connect(self._edit_toggled)
        self.class_box = QComboBox(panel)
        self.class_box.setObjectName("ask_edit_class")
        self.class_box.setToolTip("The class of the points you add.")
        self.value_box = QDoubleSpinBox(panel)
        self.value_box.setObjectName("ask_edit_value")
        self.value_box.setRange(-1e6, 1e6)
        self.value_box.setDecimals(3)
        self.value_box.setToolTip("The target value of the points you add.")
        self.reset_button = QToolButton(panel)
        self.reset_button.setObjectName("ask_reset_data")
        self.reset_button.setText("Reset data")
        self.reset_button.setToolTip("Forget the hand edits: draw the generator's points again.")
        self.reset_button.clicked.connect(self.reset_data)
        panel.layout().insertWidget(1, self.hover_label)
        header = panel.header
        index = header.count() - 1  # before the export button
        for widget in (self.edit_button, self.class_box, self.value_box, self.reset_button):
            header.insertWidget(index, widget)
            index += 1
        self.class_box.hide()
        self.value_box.hide()

    # -- what the mouse does --------------------------------------------------------------
    def _view_point(self, scene_pos: QPointF) -> tuple[float, float] | None:
        vb = self.panel.plot.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = vb.mapSceneToView(scene_pos)
        return float(point.x()), float(point.y())

    @Slot(object)
    def _mouse_moved(self, scene_pos: QPointF) -> None:
        point = self._view_point(scene_pos)
        if point is not None:
            self.hover_at(*point)

    @Slot(object)
    def _mouse_clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self._view_point(event.scenePos())
        if point is not None:
            self.click_at(*point)

    def hover_at(self, x1: float, x2: float) -> str:
        """Show the network's answer at (x1, x2) above the plot; returns the text shown."""
        predictor = self.session.predictor()
        self.hover_point = (x1, x2)
        where = f"x1 {x1:.2f}, x2 {x2:.2f}: "
        if predictor is None:
            text = where + self.session.problem
        else:
            try:
                answer = predictor.predict(predictor.points([[x1, x2]]))
            except NNStudioError as exc:
                text = where + str(exc)
            else:
                self.hover_answer = answer
                text = where + describe(answer, predictor.class_names())
        self.hover_label.setText(text)
        return text

    def click_at(self, x1: float, x2: float) -> None:
        if self.edit_button.isChecked():
            hit = self.point_near(x1, x2)
            if hit is not None:
                self.remove_point(*hit)
            else:
                self.add_point(x1, x2)
        else:
            self.pin_at(x1, x2)

    def pin_at(self, x1: float, x2: float) -> Any:
        """Pin (x1, x2): mark it and show its path through the network in the Ask panel."""
        self.pin.setData(pos=[(x1, x2)])
        return self.ask_panel.ask(np.array([[x1, x2]]), f"the pinned point ({x1:.2f}, {x2:.2f})")

    # -- editing the data -----------------------------------------------------------------
    def _dataset(self) -> Any:
        data = self.session.dataset()
        return data if data is not None and data.is_2d else None

    def point_near(self, x1: float, x2: float) -> tuple[int, int] | None:
        """(split index, index within the split) of the point under (x1, x2), if any."""
        data = self._dataset()
        if data is None:
            return None
        width, height = self.panel.plot.vb.viewPixelSize()
        best, found = HIT_PIXELS, None
        for split, points in enumerate((data.points_train, data.points_val, data.points_test)):
            if len(points) == 0:
                continue
            dx = (points[:, 0] - x1) / max(width, 1e-12)
            dy = (points[:, 1] - x2) / max(height, 1e-12)
            dist = np.hypot(dx, dy)
            i = int(dist.argmin())
            if dist[i] <= best:
                best, found = float(dist[i]), (split, i)
        return found

    def _points(self) -> tuple:
        config = self.document.project.dataset
        if config.points is not None:
            return config.points
        data = self._dataset()
        return points_of(data) if data is not None else ()

    def add_point(self, x1: float, x2: float) -> None:
        data = self._dataset()
        if data is None:
            return
        if data.task == "regression":
            target = float(self.value_box.value())
        else:
            target = float(max(0, self.class_box.currentIndex()))
        points = (*self._points(), (float(x1), float(x2), target, 0))
        self._push(points, "Add data point")

    def remove_point(self, split: int, index: int) -> None:
        points = list(self._points())
        seen = -1
        for position, point in enumerate(points):
            if point[3] == split:
                seen += 1
                if seen == index:
                    del points[position]
                    self._push(tuple(points), "Remove data point")
                    return

    def reset_data(self) -> None:
        if self.document.project.dataset.points is not None:
            self._push(None, "Reset data")

    def _push(self, points: tuple | None, text: str) -> None:
        config = dataclasses.replace(self.document.project.dataset, points=points)
        # Straight onto the undo stack: data edits stay allowed while training runs (the
        # document's lock guards the network, which a run must not see change).
        self.document.undo_stack.push(SetDatasetCommand(self.document, config, text))

    @Slot(bool)
    def _edit_toggled(self, on: bool) -> None:
        data = self._dataset()
        regression = data is not None and data.task == "regression"
        self.class_box.setVisible(on and not regression)
        self.value_box.setVisible(on and regression)
        if on and data is not None and self.panel.stack.currentWidget() is not self.panel.body:
            self.panel.prepare(SimpleNamespace(dataset=data))  # show the points to edit

    @Slot(object)
    def _data_changed(self, _dataset: Any) -> None:
        """New or edited data: fit the controls to it and redraw the points."""
        try:
            config = self.document.project.dataset
            is_2d = config.spec().generate is not None
        except NNStudioError:
            is_2d = False
        for widget in (self.edit_button, self.reset_button):
            widget.setVisible(is_2d)
        self.reset_button.setEnabled(is_2d and config.points is not None)
        if not is_2d:
            self.edit_button.setChecked(False)
            self.pin.setData(pos=[])
            return
        data = self._dataset()
        if data is None:
            return
        names = list(data.class_names) or [f"class {k}" for k in range(max(data.num_classes, 2))]
        if [self.class_box.itemText(i) for i in range(self.class_box.count())] != names:
            current = self.class_box.currentIndex()
            self.class_box.clear()
            self.class_box.addItems(names)
            self.class_box.setCurrentIndex(max(0, min(current, len(names) - 1)))
        if self.panel.stack.currentWidget() is self.panel.body:
            self.panel.show_points(data)


def describe(answer: Any, class_names: list[str]) -> str:
    """One line for the first input of `answer`: the class and its probabilities, or the value."""
    if answer.probabilities is None:
        return f"value {float(answer.values[0, 0]):.4g}"
    probabilities = answer.probabilities[0]
    best = int(answer.classes[0])
    if len(probabilities) == 2:
        return f"{class_names[best]}, P({class_names[1]}) = {probabilities[1]:.3f}"
    top = np.argsort(probabilities)[::-1][:3]
    parts = ", ".join(f"P({class_names[k]}) = {probabilities[k]:.3f}" for k in top)
    return f"{class_names[best]}; {parts}"
