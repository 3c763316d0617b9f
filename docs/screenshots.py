"""Render the app offscreen into docs/images/, so the docs show what the app looks like.

Run: python docs/screenshots.py [NAME ...]   (no names: every shot)
Each shot builds a fresh 1280×800 main window, sets it up like a user would, and saves a PNG.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("NNSTUDIO_SETTINGS_DIR", tempfile.mkdtemp(prefix="nnstudio-shots-"))

import numpy as np
from PySide6.QtCore import QEventLoop, Qt, QTimer

from nnstudio.core.templates import TEMPLATES
from nnstudio.ui.app import make_application
from nnstudio.ui.commands import SetParamCommand

IMAGES = Path(__file__).resolve().parent / "images"
SIZE = (1280, 800)
Shot = Callable[[], "MainWindow"]  # noqa: F821
SHOTS: dict[str, Shot] = {}


def shot(name: str) -> Callable[[Shot], Shot]:
    def register(fn: Shot) -> Shot:
        SHOTS[name] = fn
        return fn

    return register


def settle(ms: int = 50) -> None:
    """Let Qt finish layouts and paints (there is no user to wait for)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def window_with(template: str):
    from nnstudio.ui.main_window import MainWindow

    window = MainWindow(TEMPLATES.get(template).build())
    window.ask_unsaved = lambda: "discard"
    window.resize(*SIZE)
    window.show()
    window.settings_panel.preview.ensure_plot()
    window.settings_panel.preview.refresh()
    window.settings_panel.set_devices([("auto", "Auto"), ("cpu", "CPU")])
    settle()
    window.view.fit_to_view()
    settle()
    return window


def nodes_of(window, layer_type: str) -> list[str]:
    return [n.id for n in window.document.graph.nodes.values() if n.type == layer_type]


@shot("editor")
def editor():
    """The spiral MLP with the experiment settings and the dataset preview."""
    return window_with("spiral_mlp")


@shot("editor-inspector")
def editor_inspector():
    """A Linear node selected: its settings in the inspector."""
    window = window_with("spiral_mlp")
    window.scene.select_nodes([nodes_of(window, "linear")[1]])
    settle()
    return window


@shot("editor-error")
def editor_error():
    """The last Linear has 2 units for a one-number output: the Output is red and says why."""
    window = window_with("spiral_mlp")
    doc = window.document
    doc.push(SetParamCommand(doc, nodes_of(window, "linear")[-1], "units", 2))
    window.scene.select_nodes(nodes_of(window, "output"))
    settle()
    return window


@shot("editor-residual")
def editor_residual():
    """A skip connection arcs over the block it bypasses."""
    window = window_with("residual_mlp")
    window.settings_dock.raise_()
    settle()
    return window


def train_until(window, snapshots: int, seconds: float = 60.0) -> None:
    """Press Train and let the run go on until `snapshots` frames reached the panels."""
    training = window.training
    seen: list[object] = []
    training.controller.snapshot.connect(seen.append)
    training.actions.train.trigger()
    loop_for = 0.0
    while len(seen) < snapshots and loop_for < seconds:
        settle(100)
        loop_for += 0.1


def paused_mid_run(template: str, snapshots: int):
    """A window whose run of `template` is paused after `snapshots` snapshots."""
    window = window_with(template)
    train_until(window, snapshots)
    window.training.controller.pause()
    settle(300)
    return window


@shot("training")
def training_mid_run():
    """The spiral MLP mid-run: curves, boundary, gradient magnitudes and a weight heatmap."""
    return paused_mid_run("spiral_mlp", 40)


@shot("training-deep-sigmoid")
def training_deep_sigmoid():
    """Ten sigmoid layers: the gradient panel shows the first layers' gradients fading."""
    return paused_mid_run("deep_sigmoid", 60)


@shot("training-digits")
def training_digits():
    """The digits CNN mid-run: the confusion matrix and sample digits with their predictions."""
    return paused_mid_run("digits_cnn", 8)


def run_lesson_in(window, name: str, seconds: float = 120.0):
    """Open lesson `name` from Help → Lessons, run it, and wait for its check."""
    dialog = window.lessons.open(name)
    verdicts: list[object] = []
    dialog.runner.checked.connect(verdicts.append)
    dialog.runner.run_selected()
    waited = 0.0
    while not verdicts and waited < seconds:
        settle(100)
        waited += 0.1
    settle(300)
    return dialog


@shot("lessons")
def lessons():
    """Help → Lessons after the vanishing-gradients lesson ran: its text, steps and check."""
    window = window_with("xor_mlp")
    dialog = run_lesson_in(window, "vanishing_gradients")
    dialog.resize(900, 560)
    settle()
    window.shot_widget = dialog
    return window


@shot("lesson-dead-relu")
def lesson_dead_relu():
    """The dead-ReLU lesson at its end: dead units over time and the weight histograms."""
    window = window_with("xor_mlp")
    dialog = run_lesson_in(window, "dead_relu")
    dialog.hide()
    dashboard = window.training.dashboard
    dashboard.docks[dashboard.dead_units.title].raise_()
    dashboard.docks[dashboard.histograms.title].raise_()
    settle(300)
    return window


@shot("editor-dead-badge")
def editor_dead_badge():
    """After the dead-ReLU lesson, each ReLU node on the canvas says how many units died."""
    window = lesson_dead_relu()
    window.training.tabs.setCurrentIndex(0)
    settle(200)
    window.view.fit_to_view()
    settle(200)
    return window


# -- asking the network (issue 13) ------------------------------------------------------


def ask_layout(window, ask_in_front: bool = True) -> None:
    """The Ask dock in front (or not), the boundary column split 55 : 45."""
    from PySide6.QtCore import Qt

    dashboard = window.training.dashboard
    if ask_in_front:
        window.ask.dock.raise_()
    docks = [dashboard.docks[dashboard.boundary.title], window.ask.dock]
    dashboard.resizeDocks(docks, [550, 450], Qt.Orientation.Vertical)
    settle(200)
    # The loss plot keeps its axis bounds cached and can come out of the re-layout at 0..1:
    # clear() forgets the bounds and redraws from the history.
    dashboard.loss.clear()
    settle(100)


def ask_ready(template: str, snapshots: int):
    """A paused run of `template` with the Ask dock in front."""
    window = paused_mid_run(template, snapshots)
    ask_layout(window)
    return window


@shot("ask-pinned")
def ask_pinned():
    """A pinned point on the spiral's boundary and every layer's activations for it."""
    window = ask_ready("spiral_mlp", 60)
    window.ask.boundary.hover_at(0.45, 0.35)
    window.ask.boundary.pin_at(0.45, 0.35)
    settle(200)
    return window


@shot("ask-drawing")
def ask_drawing():
    """Half-way through drawing a 7 on the digits pad; the bars follow each stroke."""
    from PySide6.QtCore import QPointF

    window = ask_ready("digits_cnn", 10)
    pad = window.ask.panel.image_page.pad
    for a, b in (((1.5, 1.6), (6.6, 1.6)), ((6.6, 1.6), (4.6, 4.6))):
        pad.end_stroke()
        for t in (0.0, 0.25, 0.5, 0.75, 1.0):
            pad.stroke_to(QPointF(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    pad.end_stroke()
    settle(200)
    return window


@shot("ask-edit-data")
def ask_edit_data():
    """Edit data on the circle: orange points added inside the blue ring bend the boundary."""
    window = window_with("circle_mlp")
    project = window.document.project
    project.training = project.training.replace(epochs=1000)  # still running when shot
    train_until(window, 30)
    boundary = window.ask.boundary
    boundary.edit_button.setChecked(True)
    boundary.class_box.setCurrentIndex(0)
    for angle in range(0, 360, 24):  # a small ring of 15 orange points inside the blue ring
        dx, dy = 0.07 * np.cos(np.radians(angle)), 0.07 * np.sin(np.radians(angle))
        boundary.add_point(0.6 + dx, 0.6 + dy)
    seen: list[object] = []  # training goes on with the edited data: wait, press nothing
    window.training.controller.snapshot.connect(seen.append)
    for _ in range(600):
        if len(seen) >= 60:
            break
        settle(100)
    window.training.controller.pause()
    ask_layout(window, ask_in_front=False)
    boundary.hover_at(0.62, 0.62)
    settle(300)
    window.training.host.frame()  # every panel drawn before the picture is taken
    return window


def fruit_csv(folder: Path, rows: int = 240) -> Path:
    """A small made-up table with a text column: weight and length, the colour, the fruit."""
    rng = np.random.default_rng(3)
    kinds = {  # fruit: (weight g, length cm, colours)
        "apple": (170, 8, ("green", "red", "yellow")),
        "banana": (120, 19, ("green", "yellow")),
        "orange": (140, 7.5, ("orange",)),
        "pear": (180, 10, ("green", "yellow")),
    }
    lines = ["weight (g),length (cm),colour,fruit"]
    for i in range(rows):
        fruit = list(kinds)[i % len(kinds)]
        weight, length, colours = kinds[fruit]
        w, n = rng.normal(weight, 18), rng.normal(length, 1.2)
        lines.append(f"{w:.0f},{n:.1f},{colours[rng.integers(len(colours))]},{fruit}")
    path = folder / "fruit.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@shot("ask-table-categories")
def ask_table_categories():
    """A table with a text column: the colour is one list of its values in the form (the
    network reads it as one 0/1 input per colour), filled from a test sample."""
    from PySide6.QtCore import Qt

    from nnstudio.core.datasets import DatasetConfig
    from nnstudio.core.datasets.inputs import decode_table_rows
    from nnstudio.core.project import Project
    from nnstudio.core.templates import mlp
    from nnstudio.ui.main_window import MainWindow

    graph = mlp([16], "relu", "multiclass", "cross_entropy")
    nodes_of_type = [n for n in graph.nodes.values() if n.type == "linear"]
    nodes_of_type[-1].params["units"] = 4
    folder = Path(tempfile.mkdtemp(prefix="nnstudio-shots-"))
    project = Project(graph, DatasetConfig("csv", {"path": str(fruit_csv(folder))}))
    project.training = project.training.replace(epochs=1000)
    window = MainWindow(project)
    window.ask_unsaved = lambda: "discard"
    window.resize(*SIZE)
    window.show()
    settle()
    window.view.fit_to_view()
    train_until(window, 40)
    window.training.controller.pause()
    settle(300)
    ask_layout(window)
    dashboard = window.training.dashboard
    docks = [dashboard.docks[dashboard.boundary.title], window.ask.dock]
    dashboard.resizeDocks(docks, [380, 620], Qt.Orientation.Vertical)  # room for the form
    page = window.ask.panel.table_page
    data = window.ask.panel.dataset
    rows = decode_table_rows(data, data.x_test)
    green = next(i for i, row in enumerate(rows) if row[2] == "green")  # apple or pear?
    page.picker.spin.setValue(green)
    page.picker.picked.emit(green)
    settle(300)
    return window


def variants_until(window, steps: int, seconds: float = 120.0) -> None:
    """Train four learning rates × two seeds together until `steps` steps each."""
    from nnstudio.core.variants import expand, parse_axis

    project = window.document.project
    axes = [
        parse_axis(project, "learning_rate=0.001,0.01,0.1,1"),
        parse_axis(project, "seed=1,2"),
    ]
    runs = window.training.controller.start_variants(expand(project, axes))
    waited = 0.0
    while runs[0].steps_done < steps and waited < seconds:
        settle(100)
        waited += 0.1


@shot("variants-mid-run")
def variants_mid_run():
    """Eight variants of the spiral MLP training side by side: overlaid curves, a decision
    boundary and gradient bars per variant."""
    window = window_with("spiral_mlp")
    variants_until(window, 1200)
    window.training.controller.pause()
    settle(600)
    window.training.variants_view.redraw(force=True)
    settle(100)
    return window


@shot("runs")
def runs_compared():
    """After the variants: the Runs table, and each learning rate's mean over two seeds with
    the band between them."""
    window = window_with("spiral_mlp")
    variants_until(window, 100_000)
    training = window.training
    settle(300)
    panel = training.runs_panel
    panel.group_box.setChecked(True)
    panel.table.selectRow(4)
    training.runs_dock.raise_()
    settle(300)
    return window


@shot("inside-a-node")
def inside_a_node():
    """The spiral MLP mid-run: each unit of the second hidden layer over the input plane."""
    window = paused_mid_run("spiral_mlp", 40)
    dashboard = window.training.dashboard
    dashboard.docks[dashboard.unit_maps.title].raise_()
    dashboard.unit_maps.select(nodes_of(window, "tanh")[1])
    settle(300)
    return window


def node_view_of(template: str, layer_type: str, seconds: float = 180.0):
    """`template` trained to the end, its first `layer_type` node selected on the canvas,
    and the Inside a node panel alone in the picture once its view is drawn."""
    window = window_with(template)
    training = window.training
    ended: list[object] = []
    training.controller.run_finished.connect(ended.append)
    training.actions.train.trigger()
    waited = 0.0
    while not ended and waited < seconds:
        settle(100)
        waited += 0.1
    dashboard = training.dashboard
    panel = dashboard.node_view
    dock = dashboard.docks[panel.title]
    dock.raise_()
    dashboard.resizeDocks([dock], [760], Qt.Orientation.Horizontal)
    dashboard.resizeDocks([dock], [460], Qt.Orientation.Vertical)
    window.scene.select_nodes(nodes_of(window, layer_type)[:1])
    waited = 0.0
    while panel.shown is None and waited < 30:
        settle(100)
        waited += 0.1
    settle(300)
    window.shot_widget = panel
    return window


@shot("node-view-feature-maps")
def node_view_feature_maps():
    """The digits CNN's convolution: one digit and its 16 feature maps."""
    return node_view_of("digits_cnn", "conv2d")


@shot("node-view-attention")
def node_view_attention():
    """The sorting pointer network's cross-attention, one heatmap per head."""
    return node_view_of("pointer_sort", "cross_attention")


@shot("node-view-hidden-state")
def node_view_hidden_state():
    """The parity LSTM's hidden state after each of the 8 bits."""
    return node_view_of("lstm_parity", "lstm")


@shot("teacher-locks")
def teacher_locks():
    """A project whose teacher lets students change only the learning rate."""
    from nnstudio.core.locks import Locks
    from nnstudio.ui.main_window import MainWindow

    project = TEMPLATES.get("xor_mlp").build()
    project.locks = Locks(
        frozenset({"learning_rate"}),
        network=True,
        reason="Today: find a learning rate that learns XOR in 100 epochs.",
    )
    window = MainWindow(project)
    window.resize(*SIZE)
    window.show()
    window.settings_dock.raise_()
    settle()
    window.view.fit_to_view()
    panel = window.settings_panel
    panel.ensureWidgetVisible(panel.training_form.editors["batch_size"])
    settle()
    return window


@shot("teacher-hidden")
def teacher_hidden():
    """The teacher's preset: students see and change only the learning rate."""
    from nnstudio.core.locks import Locks
    from nnstudio.ui.main_window import MainWindow

    project = TEMPLATES.get("xor_mlp").build()
    project.locks = Locks(
        frozenset({"learning_rate"}),
        network=True,
        dataset=True,
        reason="Today: find a learning rate that learns XOR in 100 epochs.",
        visible=frozenset({"learning_rate"}),
        hidden_layers=frozenset({"rnn", "lstm", "gru"}),
    )
    window = MainWindow(project)
    window.resize(*SIZE)
    window.show()
    window.settings_dock.raise_()
    settle()
    window.view.fit_to_view()
    settle()
    return window


def offscreen_screen(width: int = 1600, height: int = 1000) -> None:
    """Render offscreen on a screen larger than the shots: the window shrinks itself to
    fit a smaller screen, and the offscreen platform's own is 800×800."""
    if "QT_QPA_PLATFORM" in os.environ:
        return
    screen = {"name": "shots", "x": 0, "y": 0, "width": width, "height": height}
    screen |= {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config = Path(os.environ["NNSTUDIO_SETTINGS_DIR"]) / "offscreen.json"
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def render(names: list[str]) -> list[Path]:
    offscreen_screen()
    app = make_application()
    IMAGES.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        window = SHOTS[name]()
        path = IMAGES / f"{name}.png"
        getattr(window, "shot_widget", window).grab().save(str(path))
        written.append(path)
        training = getattr(window, "training", None)
        if training is not None:
            training.controller.shutdown(3000)
        window.close()
        window.deleteLater()
        settle()
    app.processEvents()
    return written


if __name__ == "__main__":
    chosen = sys.argv[1:] or list(SHOTS)
    unknown = [n for n in chosen if n not in SHOTS]
    if unknown:
        sys.exit(f"unknown shot(s): {', '.join(unknown)}; known: {', '.join(SHOTS)}")
    for written_path in render(chosen):
        print(written_path)
