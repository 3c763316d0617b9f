"""What the lesson views cost: the probes in the trainer and the panels' redraws.

1. Headless training of the spiral MLP (ReLU) with the views on every snapshot against off,
   interleaved rounds: the probes' share of training time.
2. Each new panel's redraw (with a paint) against the loss panel's, on the same snapshots.

    python bench/lesson_panels.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cpu_note


def project():
    from nnstudio.core.templates import TEMPLATES

    p = TEMPLATES.get("circle_mlp").build()
    p.training = p.training.replace(epochs=30, batch_size=10)
    return p


def headless(views_every: int) -> tuple[float, list]:
    from nnstudio.core.datasets import load_dataset
    from nnstudio.training import ProbeOptions, Trainer

    p = project()
    options = ProbeOptions(snapshot_every_steps=20, views_every=views_every, boundary_every=1)
    trainer = Trainer(p.graph, load_dataset(p.dataset), p.training, options)
    started = time.perf_counter()
    snaps = list(trainer.run())
    return trainer.total_steps / (time.perf_counter() - started), snaps


def redraw_ms(panel, snaps, app) -> float:
    panel.resize(640, 400)
    panel.show()
    times = []
    for snap in snaps:
        panel.take(snap)
        started = time.perf_counter()
        panel.redraw()
        panel.repaint()
        app.processEvents()
        times.append(time.perf_counter() - started)
    panel.close()
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    on, off = [], []
    snaps: list = []
    for _ in range(args.rounds):
        rate, snaps = headless(1)
        on.append(rate)
        off.append(headless(0)[0])
    print(cpu_note())
    a, b = statistics.median(on), statistics.median(off)
    print(f"headless steps/s, views on every snapshot (every 20 steps): {a:,.0f}; off: {b:,.0f}")
    print(f"views on / off = {a / b:.2f}x")
    from PySide6.QtWidgets import QApplication

    from nnstudio.core.history import History
    from nnstudio.ui.panels.base import Panel
    from nnstudio.ui.panels.dead_units import DeadUnitsPanel
    from nnstudio.ui.panels.histograms import HistogramPanel
    from nnstudio.ui.panels.loss import LossPanel
    from nnstudio.ui.panels.unit_maps import UnitMapsPanel

    app = QApplication.instance() or QApplication([])
    history = History()
    for snap in snaps:
        history.record(snap.step, snap.step_losses, snap.metrics())
    Panel.history = history
    base = redraw_ms(LossPanel(), snaps, app)
    print(f"median redraw + paint: loss panel {base:.2f} ms")
    for cls in (DeadUnitsPanel, HistogramPanel, UnitMapsPanel):
        ms = redraw_ms(cls(), snaps, app)
        print(f"  {cls.title:<14} {ms:.2f} ms  ({ms / base:.2f}x the loss panel)")


if __name__ == "__main__":
    main()
