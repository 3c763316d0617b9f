"""Replay the newcomer's first hour (issue 15) in a real window and save screenshots.

Needs a real X display with a window manager, e.g.
    Xvfb :55 -screen 0 1280x800x24 & DISPLAY=:55 openbox &
    DISPLAY=:55 PYTHONPATH=. python docs/first_hour.py
    DISPLAY=:55 PYTHONPATH=. python docs/first_hour.py canvas          (the canvas and panel only)
    QT_SCALE_FACTOR=2 DISPLAY=:56 python docs/first_hour.py scale2     (a 1600x1000 screen)
Screenshots are of the whole screen (window manager frame included) into docs/images/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("NNSTUDIO_SETTINGS_DIR", tempfile.mkdtemp(prefix="nnstudio-hour-"))

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from nnstudio.core.templates import TEMPLATES
from nnstudio.ui.app import make_application

IMAGES = Path(__file__).resolve().parent / "images"


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def screen(name: str) -> None:
    settle()
    QGuiApplication.primaryScreen().grabWindow(0).save(str(IMAGES / f"{name}.png"))
    print("saved", name)


def window_for(project):
    from nnstudio.ui.main_window import MainWindow

    window = MainWindow(project)
    window.ask_unsaved = lambda: "discard"
    window.show()
    window.activateWindow()
    window.settings_panel.preview.ensure_plot()  # as the app does after its first paint
    settle(800)
    return window


def train(window, epochs: int | None = None) -> None:
    if epochs is not None:
        project = window.document.project
        project.training = project.training.replace(epochs=epochs)
    loop = QEventLoop()
    window.training.controller.run_finished.connect(loop.quit)
    QTest.keyClick(window, Qt.Key.Key_F5)
    loop.exec()
    settle(500)


def hour_at_1280(tmp: Path) -> None:
    # Out-of-range learning rate: typed, kept visible, the range said at the field.
    window = window_for(TEMPLATES.get("spiral_mlp").build())
    box = window.settings_panel.findChild(QDoubleSpinBox, "param_learning_rate")
    window.settings_panel.ensureWidgetVisible(box, 50, 120)
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, "1000")
    QTest.keyClick(box, Qt.Key.Key_Return)
    screen("first-hour-out-of-range")
    box.selectAll()
    QTest.keyClicks(box, "0.02")
    QTest.keyClick(box, Qt.Key.Key_Return)

    # Train, then the training view after View > Reset Training Panel Layout.
    train(window, 20)
    window.findChild(type(window.action_fit), "action_reset_panel_layout").trigger()
    screen("first-hour-training-1280x800")
    window.save_as(tmp / "spiral.nnstudio")
    window.close()

    # A reopened trained project shows its panels from the saved weights.
    window = window_for(None)
    window.open_file(tmp / "spiral.nnstudio")
    window.training.ensure_dashboard()
    window.training.tabs.setCurrentIndex(1)
    settle(3000)
    screen("first-hour-reopened")
    window.close()

    # Regression as regression.
    from nnstudio.core.datasets import DatasetConfig
    from nnstudio.core.project import Project
    from nnstudio.core.settings import TrainingSettings
    from nnstudio.core.templates import mlp

    project = Project(
        mlp([16, 16], "tanh", task="regression", loss="mse"),
        DatasetConfig("plane"),
        TrainingSettings({"epochs": 30, "learning_rate": 0.02}),
    )
    window = window_for(project)
    train(window)
    screen("first-hour-regression")
    window.close()

    # Digits: conv kernels as tiles, layer names, predictions in front of the boundary.
    project = TEMPLATES.get("digits_cnn").build()
    window = window_for(project)
    train(window, 3)
    dash = window.training.dashboard
    dash.weights.layer_box.setCurrentIndex(0)
    dash.docks["Weights"].raise_()
    screen("first-hour-digits")
    window.close()


def long_names():
    """Layers with long names, settings and counts: nothing on a card may be cut short."""
    from nnstudio.core.datasets import DatasetConfig
    from nnstudio.core.graph import Graph
    from nnstudio.core.layout import apply_layout
    from nnstudio.core.project import Project
    from nnstudio.core.settings import TrainingSettings
    from nnstudio.core.templates import chain

    graph = Graph()
    wide = [("linear", {"units": 256}), ("leaky_relu", {})]
    chain(graph, [("input", {}), *wide, *wide, ("linear", {"units": 1}), ("output", {})])
    apply_layout(graph)
    return Project(graph, DatasetConfig("spiral"), TrainingSettings({}))


def canvas_and_panel() -> None:
    from nnstudio.ui.graph.node_item import LOD_DETAIL

    # Cards sized to their text, at 100 % and just below the level-of-detail threshold.
    window = window_for(long_names())
    window.view.set_zoom(1.0)
    window.view.centerOn(window.scene.items_rect().center().x() - 250, 0)
    screen("first-hour-canvas-100")
    window.view.fit_to_view()
    window.view.set_zoom(LOD_DETAIL * 0.98)
    screen("first-hour-canvas-overview")
    window.close()
    # Shape labels clear of the cards, with attention, blocks ×6 and long settings.
    project = TEMPLATES.get("pointer_sort").build()
    window = window_for(project)
    window.view.set_zoom(0.75)
    window.view.centerOn(window.scene.items_rect().center())
    screen("first-hour-canvas-labels")
    window.close()
    project = TEMPLATES.get("transformer_copy").build()
    block = next(n for n in project.graph.nodes.values() if n.type == "block")
    block.params["repeat"] = 6
    window = window_for(project)
    window.view.set_zoom(0.8)
    window.view.centerOn(window.scene.items_rect().center())
    # The Experiment panel, scrolled down, keeps its place through a new optimizer.
    panel = window.settings_panel
    optimizer = panel.findChild(QComboBox, "param_optimizer")
    panel.ensureWidgetVisible(optimizer, 50, 200)
    place = panel.verticalScrollBar().value()
    optimizer.setFocus()
    QTest.keyClick(optimizer, Qt.Key.Key_Home)  # SGD: a new form of optimizer settings
    settle()
    print("scroll kept:", place == panel.verticalScrollBar().value(), place)
    screen("first-hour-canvas-blocks-and-panel")
    window.close()


def at_scale_two() -> None:
    window = window_for(TEMPLATES.get("spiral_mlp").build())
    screen("first-hour-scale2-1600x1000")
    train(window, 10)
    screen("first-hour-scale2-training")
    window.close()


def main() -> int:
    app = make_application()
    del app
    with tempfile.TemporaryDirectory() as tmp:
        if sys.argv[1:] == ["scale2"]:
            at_scale_two()
        elif sys.argv[1:] == ["canvas"]:
            canvas_and_panel()
        else:
            hour_at_1280(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
