"""The self-test's steps that need Qt: train in the worker thread, draw every panel, draw the
main window. `nnstudio.selftest` runs them after its headless steps."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from nnstudio.selftest_checks import (
    LIVE_EPOCHS,
    LIVE_TIMEOUT_S,
    MIN_CHANGED_PIXELS,
    PANEL_SIZE,
    State,
    check,
)


def quiet_offscreen_notes() -> None:
    """Drop the offscreen platform's note that it cannot pass size hints; keep other messages."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind: Any, _context: Any, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def qt_version() -> str:
    """PySide6's version (the module knows it even in a frozen bundle, without metadata)."""
    import PySide6

    return PySide6.__version__


def live_training(state: State) -> str:
    from PySide6.QtCore import QEventLoop, QTimer

    from nnstudio.training import ProbeOptions
    from nnstudio.ui.app import make_application
    from nnstudio.ui.panels.host import PanelHost
    from nnstudio.ui.training.controller import TrainingController
    from nnstudio.ui.training.dashboard import TrainingDashboard

    quiet_offscreen_notes()
    state.app = make_application()
    dashboard = TrainingDashboard()
    dashboard.resize(1200, 800)
    dashboard.show()
    options = ProbeOptions(snapshot_every_steps=5, weights_every=1, boundary_every=1)
    reopened = state.reopened
    controller = TrainingController(options=options, book=lambda: reopened.runs)
    host = PanelHost(controller, dashboard.panels)
    state.dashboard, state.host = dashboard, host
    saved_step = reopened.history.last_step
    host.load_history(reopened.history)
    received: list[Any] = []
    failures: list[str] = []
    finished: list[Any] = []
    loop = QEventLoop()
    controller.snapshot.connect(received.append)
    controller.failed.connect(failures.append)
    controller.run_finished.connect(lambda final: (finished.append(final), loop.quit()))
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(loop.quit)
    timeout.start(int(LIVE_TIMEOUT_S * 1000))
    project = reopened.project
    settings = project.training.replace(epochs=LIVE_EPOCHS, device="cpu")
    controller.start(dataclasses.replace(project, training=settings))
    loop.exec()
    timeout.stop()
    ended = controller.shutdown(5000)
    check(ended, "the training thread did not stop")
    check(not failures, f"training in the background failed: {'; '.join(failures)}")
    check(finished, f"the background run did not finish within {LIVE_TIMEOUT_S:.0f} s")
    final = finished[0]
    status = getattr(final, "status", None)
    check(status == "finished", f"the background run ended as '{status}'")
    check(received, "no snapshot reached the panels")
    last = received[-1].step
    check(
        last > saved_step,
        f"training restarted at step {received[0].step} instead of after step {saved_step}",
    )
    check(
        state.host.history.last_step == last,
        f"the curves end at step {state.host.history.last_step}, but training ended at {last}",
    )
    return f"{len(received)} snapshots reached the panels, steps {saved_step} -> {last}"


def render_panels(state: State) -> str:
    from nnstudio.ui.training.dashboard import TrainingDashboard

    app, dashboard = state.app, state.dashboard
    pristine = TrainingDashboard()
    pristine.resize(dashboard.size())
    pristine.show()
    drawn = []
    try:
        for panel, blank in zip(dashboard.panels, pristine.panels, strict=True):
            for board, widget in ((dashboard, panel), (pristine, blank)):
                board.docks[widget.title].raise_()
                widget.resize(*PANEL_SIZE)
            app.processEvents()
            panel.redraw()
            app.processEvents()
            if panel.stack.currentWidget() is panel.message:
                # A panel with nothing to draw for this network (no ReLU layers for the dead
                # units, no node chosen) must say so in words, not stay as it started.
                text = panel.message.text()
                check(bool(text), f"the {panel.title} panel is blank")
                drawn.append(f"{panel.title} (says: {text[:40]}…)")
                continue
            image = panel.grab().toImage()
            empty = blank.grab().toImage()
            problem = image_problem(image, empty)
            check(problem is None, f"the {panel.title} panel {problem}")
            if state.output is not None:
                name = panel.title.lower().replace(" ", "-") + ".png"
                check(panel.export_png(str(state.output / name)), f"cannot write {name}")
            drawn.append(panel.title)
    finally:
        pristine.close()
        pristine.deleteLater()
    return ", ".join(drawn)


def main_window(state: State) -> str:
    from nnstudio.ui.main_window import MainWindow

    app = state.app
    window = MainWindow(state.project)
    window.resize(1100, 700)
    window.show()
    app.processEvents()
    image = window.grab().toImage()
    problem = image_problem(image, None)
    window.hide()
    window.deleteLater()
    check(problem is None, f"the main window {problem}")
    if state.output is not None:
        image.save(str(state.output / "main-window.png"), "PNG")
    return f"{image.width()}×{image.height()} pixels"


def image_problem(image: Any, blank: Any | None) -> str | None:
    """Why `image` cannot be a drawn panel (empty, one colour, same as `blank`), or None."""
    import numpy as np

    if image.isNull() or image.width() < 32 or image.height() < 32:
        return f"rendered as an empty picture ({image.width()}×{image.height()})"
    pixels = _pixels(image)
    if len(np.unique(pixels)) < 3:
        return "rendered in a single colour"
    if blank is not None:
        other = _pixels(blank)
        if other.shape != pixels.shape:
            return None
        changed = float(np.mean(pixels != other))
        if changed < MIN_CHANGED_PIXELS:
            return f"shows no data (only {changed:.2%} of it differs from an empty panel)"
    return None


def _pixels(image: Any) -> Any:
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    raw = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.sizeInBytes() // 4)
    return raw.reshape(image.height(), image.bytesPerLine() // 4)[:, : image.width()].copy()
