"""GUI responsiveness while training at full speed with every panel visible.

A 10 ms QTimer runs in the GUI thread; how late each tick fires is what a person feels as
stutter. Prints p50 / p99 / max lateness, with and without a training run.

    python bench/gui_latency.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cpu_note, spiral_project

NEW_PANELS = False
NEW_PANELS_HELP = "show the dead-units and histogram panels in front of gradients and weights"
"""--new-panels: the dead-units and histogram panels in front instead of gradients/weights."""


def measure(app, seconds: float, train: bool) -> np.ndarray:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    from nnstudio.ui.panels.host import PanelHost
    from nnstudio.ui.training.controller import TrainingController
    from nnstudio.ui.training.dashboard import TrainingDashboard

    dashboard = TrainingDashboard()
    dashboard.resize(1280, 800)
    dashboard.show()
    if NEW_PANELS:
        # Bring the lesson panels (dead units, histograms) to the front of their tab groups.
        for panel in (dashboard.dead_units, dashboard.histograms):
            dashboard.docks[panel.title].raise_()
    controller = TrainingController()
    PanelHost(controller, dashboard.panels)
    loop = QEventLoop()
    lateness: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if last[0]:
            lateness.append(now - last[0] - 10.0)
        last[0] = now

    timer.timeout.connect(tick)
    if train:
        # Measure training at full speed: wait until the worker has imported torch and built
        # the model (the import holds the GIL for long stretches, once per session).
        ready = QEventLoop()
        controller.run_prepared.connect(lambda _run: QTimer.singleShot(500, ready.quit))
        controller.start(spiral_project(10, 100000))
        ready.exec()
    else:
        settle = QEventLoop()
        QTimer.singleShot(500, settle.quit)
        settle.exec()
    start_step = controller.last_snapshot.step if controller.last_snapshot else 0
    clock.start()
    timer.start()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    steps = (controller.last_snapshot.step if controller.last_snapshot else 0) - start_step
    controller.shutdown(2000)
    dashboard.close()
    app.processEvents()
    if train:
        print(
            f"    trained {steps:,} steps ({steps / seconds:,.0f} steps/s) during the measurement"
        )
    return np.array(lateness)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--new-panels", action="store_true", help=NEW_PANELS_HELP)
    args = parser.parse_args()
    global NEW_PANELS
    NEW_PANELS = args.new_panels
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    print(cpu_note())
    for label, train in (("idle", False), ("training", True)):
        late = measure(app, args.seconds, train)
        p50, p99 = np.percentile(late, [50, 99])
        print(
            f"{label:>9}: 10 ms timer lateness p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
            f"max {late.max():.2f} ms over {len(late)} ticks"
        )
    print("target: p99 <= 20 ms while training")


if __name__ == "__main__":
    main()
