"""Variants trained together against one run: model-steps per second, headless and GUI-live.

16 variants of the spiral 2-8-8-1 tanh MLP (4 seeds × 4 learning rates), batch 10, train as
one stacked step. A model-step is one network's update, so 16 variants at S stacked steps/s
make 16·S model-steps/s. Rounds interleave the single run and the variants, and the medians
are compared, so machine noise hits both alike.

    python bench/variants.py [--steps 3000] [--rounds 3] [--gui]
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

from _common import cpu_note, spiral_project

SEEDS = "1,2,3,4"
RATES = "0.001,0.003,0.01,0.03"


def variants_of(project):
    from nnstudio.core.variants import expand, parse_axis

    axes = [parse_axis(project, f"seed={SEEDS}"), parse_axis(project, f"learning_rate={RATES}")]
    return expand(project, axes)


def headless(projects) -> float:
    """Model-steps per second of a session training `projects` (one run or stacked)."""
    from nnstudio.core.run import Run
    from nnstudio.training.session import TrainingSession

    runs = [Run(p, id=f"r{i}") for i, p in enumerate(projects)]
    session = TrainingSession(runs)
    session.prepare()
    start = time.perf_counter()
    for _ in session.run():
        pass
    seconds = time.perf_counter() - start
    return sum(r.steps_done for r in runs) / seconds


def gui(app, project, variants: bool) -> float:
    """Model-steps per second with the main window's training view live."""
    from PySide6.QtCore import QEventLoop

    from nnstudio.ui.main_window import MainWindow

    window = MainWindow(project)
    window.resize(1280, 800)
    window.show()
    training = window.training
    training.ensure_dashboard()
    controller = training.controller
    marks: dict[str, float] = {}
    loop = QEventLoop()
    controller.run_prepared.connect(lambda _r: marks.setdefault("start", time.perf_counter()))
    controller.run_finished.connect(
        lambda _s: (marks.setdefault("end", time.perf_counter()), loop.quit())
    )
    runs = (
        controller.start_variants(variants_of(project)) if variants else [controller.start(project)]
    )
    loop.exec()
    steps = sum(r.steps_done for r in runs)
    controller.shutdown(3000)
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    return steps / (marks["end"] - marks["start"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gui", action="store_true", help="also measure with the GUI live")
    args = parser.parse_args()
    import torch

    from nnstudio.core.datasets import load_dataset
    from nnstudio.ui.training.worker import worker_threads

    torch.set_num_threads(worker_threads())
    probe = spiral_project(10, 1)
    per_epoch = -(-len(load_dataset(probe.dataset).x_train) // 10)
    project = spiral_project(10, max(1, args.steps // per_epoch))
    projects = [v.project for v in variants_of(project)]
    app = None
    if args.gui:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([])
    single, many, gui_single, gui_many = [], [], [], []
    for round_no in range(args.rounds):
        single.append(headless([project]))
        many.append(headless(projects))
        line = f"round {round_no + 1}: one run {single[-1]:,.0f}, 16 variants {many[-1]:,.0f}"
        if app is not None:
            gui_single.append(gui(app, project, variants=False))
            gui_many.append(gui(app, project, variants=True))
            line += f"; GUI one run {gui_single[-1]:,.0f}, GUI 16 variants {gui_many[-1]:,.0f}"
        print(line + " model-steps/s", flush=True)
    s, m = statistics.median(single), statistics.median(many)
    print(f"\nspiral 2-8-8-1 tanh, batch 10, {project.training['epochs']} epochs; {cpu_note()}")
    print(f"16 variants / one run, headless = {m / s:.1f}x   (target >= 8x)")
    if app is not None:
        gs, gm = statistics.median(gui_single), statistics.median(gui_many)
        print(f"16 variants GUI-live / one run headless = {gm / s:.1f}x   (target >= 6x)")
        print(f"16 variants GUI-live / 16 variants headless = {gm / m:.2f}x")
        print(f"one run GUI-live / one run headless = {gs / s:.2f}x")


if __name__ == "__main__":
    main()
