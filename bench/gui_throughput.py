"""Training throughput with the GUI live, against the headless trainer and a bare loop.

Same model (spiral 2-8-8-1 tanh), same data, same batches. The GUI-live run trains on the
worker thread while the training dashboard (all panels visible) draws every snapshot. Rounds
are interleaved and the medians compared, so machine noise hits every contender alike.

    python bench/gui_throughput.py [--batch 10] [--steps 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import statistics

from _common import cpu_note, spiral_project
from trainer_overhead import bare_loop, make_trainer, sequential_copy

NEW_PANELS = False
NEW_PANELS_HELP = "show the dead-units and histogram panels in front of gradients and weights"
"""--new-panels: the dead-units and histogram panels in front instead of gradients/weights."""


def bare_steps_per_second(batch: int, epochs: int) -> float:
    """The plain PyTorch loop of trainer_overhead, on the same data and batches."""
    from nnstudio.core.datasets import DatasetConfig, load_dataset

    trainer = make_trainer(load_dataset(DatasetConfig("spiral")), batch, epochs)
    return trainer.total_steps / bare_loop(trainer, sequential_copy(trainer), trainer.total_steps)


def headless_steps_per_second(project) -> float:
    from nnstudio.core.datasets import load_dataset
    from nnstudio.training import Trainer

    trainer = Trainer(project.graph, load_dataset(project.dataset), project.training)
    start = time.perf_counter()
    for _snap in trainer.run():
        pass
    return trainer.step_count / (time.perf_counter() - start)


def gui_steps_per_second(app, project) -> float:
    from PySide6.QtCore import QEventLoop

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
    host = PanelHost(controller, dashboard.panels)
    marks: dict[str, float] = {}
    loop = QEventLoop()
    controller.run_prepared.connect(lambda _run: marks.setdefault("start", time.perf_counter()))
    controller.run_finished.connect(
        lambda _s: (marks.setdefault("end", time.perf_counter()), loop.quit())
    )
    frames = []
    controller.snapshot.connect(lambda _s: frames.append(1))
    controller.start(project)
    loop.exec()
    steps = controller.last_snapshot.step
    dashboard.close()
    dashboard.deleteLater()
    app.processEvents()
    seconds = marks["end"] - marks["start"]
    print(
        f"    GUI run: {len(frames)} snapshots received, {host.frames} panel redraws "
        f"({host.frames / seconds:.1f}/s)"
    )
    return steps / (marks["end"] - marks["start"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads for the bare and headless loops; 0 = what the GUI worker uses",
    )
    parser.add_argument("--new-panels", action="store_true", help=NEW_PANELS_HELP)
    args = parser.parse_args()
    global NEW_PANELS
    NEW_PANELS = args.new_panels
    import torch

    from nnstudio.ui.training.worker import worker_threads

    torch.set_num_threads(args.threads or worker_threads())
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    probe = spiral_project(args.batch, 1)
    from nnstudio.core.datasets import load_dataset

    n_train = len(load_dataset(probe.dataset).x_train)
    per_epoch = -(-n_train // args.batch) if args.batch else 1
    epochs = max(1, args.steps // per_epoch)
    project = spiral_project(args.batch, epochs)
    steps = epochs * per_epoch
    bare, headless, gui = [], [], []
    for round_no in range(args.rounds):
        bare.append(bare_steps_per_second(args.batch, epochs))
        headless.append(headless_steps_per_second(project))
        gui.append(gui_steps_per_second(app, project))
        print(
            f"round {round_no + 1}: bare {bare[-1]:,.0f}  headless {headless[-1]:,.0f}  "
            f"GUI-live {gui[-1]:,.0f} steps/s"
        )
    b, h, g = (statistics.median(v) for v in (bare, headless, gui))
    print(f"\nspiral 2-8-8-1, batch {args.batch}, {steps} steps per run; {cpu_note()}")
    print(f"median steps/s: bare {b:,.0f}, headless {h:,.0f}, GUI-live {g:,.0f}")
    print(f"GUI-live / headless = {g / h:.2f}x   (target >= 0.8x)")
    print(f"headless / bare     = {h / b:.2f}x")
    print(f"GUI-live / bare     = {g / b:.2f}x")


if __name__ == "__main__":
    main()
