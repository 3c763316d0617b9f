"""Speed at every model size: a bare PyTorch loop, the headless trainer, the CLI and the GUI.

Four models, each on its own data and batches, each trained by four contenders:
- bare: a plain PyTorch loop over the compiled network, with the same batches and optimizer;
- headless: a TrainingSession (what the CLI, lessons and the GUI worker run);
- CLI: `python -m nnstudio train` in a subprocess (its own "Done in" time, so start-up and
  data loading are not counted);
- GUI: the main window's controller with the training view shown, from "prepared" to the end.
Each is measured with 1 and 2 torch threads where that applies, then as shipped: the CLI
chooses its thread count by measuring both (`ThreadTuner`) and the GUI worker leaves one core
to the GUI thread; both are compared with the best pinned count of bare and headless. Ratios
are of medians over interleaved rounds. Two more rows say how noisy the machine itself is: the
bare loop run again at the end of each round, and the error of the time left that the bare
loop's own pace foretells by the trainer's rule (no estimator can do better than that).

    python bench/model_sizes.py [--models spiral,mlp,cnn,transformer] [--rounds 2]

Fashion-MNIST comes from Debian's dataset-fashion-mnist package (/usr/share/datasets).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.losses import LOSSES
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.project import Project, project_to_dict
from nnstudio.core.run import Run
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES, chain
from nnstudio.training.loop import ProbeBudget
from nnstudio.training.session import TrainingSession
from nnstudio.training.trainer import Trainer, context_for

ROOT = Path(__file__).resolve().parent.parent
FASHION = "/usr/share/datasets/fashion-mnist"


def fashion(samples: int) -> DatasetConfig:
    params = {"folder": FASHION, "n_samples": samples}
    return DatasetConfig("fashion_mnist", params, train=0.7, val=0.15, test=0.15)


def settings(batch: int, epochs: int, **extra) -> TrainingSettings:
    return TrainingSettings(
        {"optimizer": "adam", "learning_rate": 0.001, "batch_size": batch, "epochs": epochs,
         "seed": 0, "device": "cpu", **extra}
    )  # fmt: skip


def spiral_model() -> Project:
    project = TEMPLATES.get("spiral_mlp").build()
    project.training = settings(10, 600)  # 21,600 steps: long enough to judge the ETA
    return project


def fashion_mlp() -> Project:
    graph = Graph()
    chain(
        graph,
        [
            ("input", {}),
            ("flatten", {}),
            ("linear", {"units": 256}),
            ("relu", {}),
            ("linear", {"units": 128}),
            ("relu", {}),
            ("linear", {"units": 10}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ],
    )
    return Project(graph, fashion(60_000), settings(128, 16))


def fashion_cnn() -> Project:
    project = TEMPLATES.get("digits_cnn").build()
    return Project(project.graph, fashion(60_000), settings(32, 2))


def transformer() -> Project:
    project = TEMPLATES.get("transformer_copy").build()
    project.training = project.training.replace(epochs=80, device="cpu")
    return project


MODELS = {
    "spiral": ("spiral MLP 2-16-16-1, batch 10", spiral_model),
    "mlp": ("Fashion-MNIST MLP 784-256-128-10, batch 128", fashion_mlp),
    "cnn": ("Fashion-MNIST CNN (template), batch 32, 42,000 training images", fashion_cnn),
    "transformer": ("Transformer (template) on the copy task", transformer),
}


def floor_error(marks: list[tuple[float, int]], total: int, end: float, min_left: float) -> float:
    """The worst relative error of a time left foretold from a bare loop's own pace (`marks`:
    (time, steps done) from its start), by the trainer's rule, from 10 % of the run on, while
    more than `min_left` seconds are left. No estimator can beat the machine's own swings:
    this is the floor the trainer's time left is to be read against."""
    budget = ProbeBudget(1 / 30, share=1.0)
    start = marks[0][0]
    worst = 0.0
    for now, done in marks[1:]:
        pace = budget.pace(now - start, done)
        real = end - now
        if done >= 0.1 * total and real > min_left:
            worst = max(worst, abs((total - done) * pace - real) / real)
    return worst


def bare(project: Project, threads: int, marks: list | None = None) -> float:
    """Steps/s of a plain loop: the same compiled network, batches and optimizer. With
    `marks`, (time, steps done) is noted about 30 times a second, for `floor_error`."""
    torch.set_num_threads(threads)
    dataset = load_dataset(project.dataset)
    trainer = Trainer(project.graph, dataset, project.training)
    ctx: ShapeContext = context_for(dataset)
    s = project.training
    model = compile_graph(project.graph, ctx, s["initializer"], s["init_scale"], s["seed"])
    output = project.graph.nodes_of_role("output")[0]
    loss_fn = LOSSES.get(output.params["loss"]).build(output.params, "mean")
    optimizer = OPTIMIZERS.get(s["optimizer"]).build(
        model.parameters(), s["learning_rate"], s.optimizer_values()
    )
    x, y = trainer.x_train, trainer.y_train
    n, batch, per_epoch = trainer.n_train, trainer.batch_size, trainer.steps_per_epoch
    generator = torch.Generator().manual_seed(s["seed"])
    perm = torch.randperm(n, generator=generator)
    steps = trainer.total_steps
    flush = torch.set_flush_denormal(True)  # as a TrainingSession does: the fairest race
    start = last_mark = time.perf_counter()
    if marks is not None:
        marks.append((start, 0))
    for step in range(steps):
        if marks is not None and (now := time.perf_counter()) - last_mark >= 1 / 30:
            marks.append((now, step))
            last_mark = now
        pos = step % per_epoch
        if pos == 0 and step > 0:
            perm = torch.randperm(n, generator=generator)
        idx = perm[pos * batch : (pos + 1) * batch]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x[idx]), y[idx]).backward()
        optimizer.step()
    if x.is_cuda:
        torch.cuda.synchronize()  # CUDA runs behind the Python loop: wait for the last step
    end = time.perf_counter()
    seconds = end - start
    if marks is not None:
        marks.append((end, steps))
    if flush:
        torch.set_flush_denormal(False)
    return steps / seconds


def headless(project: Project, threads: int) -> float:
    torch.set_num_threads(threads)
    run = Run(project, id="r1")
    session = TrainingSession([run])
    session.prepare()
    start = time.perf_counter()
    for _ in session.run():
        pass
    return run.steps_done / (time.perf_counter() - start)


def cli(project: Project, threads: int) -> tuple[float, float]:
    """(steps/s, worst relative error of its "~m:ss left" from 10 % of the run on) of
    `nnstudio train`; `threads` 0 lets it choose by measurement. Each progress line is
    timed as it arrives; lines with under 3 s left are skipped (the ETA shows whole seconds)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(json.dumps(project_to_dict(project)))
        env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
        if threads:
            env["OMP_NUM_THREADS"] = str(threads)
        command = [sys.executable, "-m", "nnstudio", "train", str(path), "--report-every", "1"]
        lines: list[tuple[float, str]] = []
        with subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append((time.perf_counter(), line))
    out = "".join(text for _t, text in lines)
    seconds = float(re.search(r"Done in ([\d.]+) s", out).group(1))
    steps = int(re.findall(r"step\s+(\d+)", out)[-1])
    end = next(t for t, text in lines if text.startswith("Done in"))
    worst = 0.0
    for now, text in lines:
        match = re.search(r"step\s+(\d+).*~(\d+):(\d+) left", text)
        if match and int(match.group(1)) >= 0.1 * steps and end - now >= 3.0:
            eta = 60 * int(match.group(2)) + int(match.group(3))
            worst = max(worst, abs(eta - (end - now)) / (end - now))
    return steps / seconds, worst


def gui(app, project: Project, threads: int) -> tuple[float, float]:
    """(steps/s, worst relative ETA error from 10 % of the run on) with the window live;
    `threads` 0 lets the worker choose by measurement."""
    from PySide6.QtCore import QEventLoop

    from nnstudio.ui.main_window import MainWindow

    if threads:
        os.environ["NNSTUDIO_WORKER_THREADS"] = str(threads)
    else:
        os.environ.pop("NNSTUDIO_WORKER_THREADS", None)
    window = MainWindow(project)
    window.resize(1280, 800)
    window.show()
    window.training.ensure_dashboard()
    controller = window.training.controller
    marks: dict[str, float] = {}
    etas: list[tuple[float, int, int, float]] = []
    loop = QEventLoop()
    controller.run_prepared.connect(lambda _r: marks.setdefault("start", time.perf_counter()))
    controller.snapshot.connect(
        lambda s: etas.append((time.perf_counter(), s.step, s.total_steps, s.eta_seconds))
    )
    controller.run_finished.connect(
        lambda _s: (marks.setdefault("end", time.perf_counter()), loop.quit())
    )
    run = controller.start(project)
    loop.exec()
    controller.shutdown(3000)
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    end = marks["end"]
    worst = 0.0
    for now, step, total, eta in etas:
        if 0.1 * total <= step < total and end - now > 1.0:
            worst = max(worst, abs(eta - (end - now)) / (end - now))
    return run.steps_done / (end - marks["start"]), worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="spiral,mlp,cnn,transformer")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    thread_counts = [int(t) for t in args.threads.split(",")]
    for key in args.models.split(","):
        title, make = MODELS[key]
        print(f"\n== {title}", flush=True)
        best = {"bare": 0.0, "headless": 0.0}
        for threads in thread_counts:
            results: dict[str, list[float]] = {"bare": [], "headless": [], "CLI": [], "GUI": []}
            eta_errors, cli_eta_errors, floors, again = [], [], [], []
            for _ in range(args.rounds):
                marks: list[tuple[float, int]] = []
                results["bare"].append(bare(make(), threads, marks))
                floors.append(floor_error(marks, marks[-1][1], marks[-1][0], 1.0))
                results["headless"].append(headless(make(), threads))
                speed, eta = cli(make(), threads)
                results["CLI"].append(speed)
                cli_eta_errors.append(eta)
                speed, eta = gui(app, make(), threads)
                results["GUI"].append(speed)
                eta_errors.append(eta)
                again.append(bare(make(), threads))
            m = {k: statistics.median(v) for k, v in results.items()}
            spread = [b / a for a, b in zip(results["bare"], again, strict=True)]
            print(
                f"  {threads} thread(s): " + ", ".join(f"{k} {v:,.0f}" for k, v in m.items())
                + " steps/s", flush=True,
            )  # fmt: skip
            print(
                f"    headless/bare {m['headless'] / m['bare']:.2f}x (>= 0.9), "
                f"GUI/headless {m['GUI'] / m['headless']:.2f}x (>= 0.8), "
                f"CLI/bare {m['CLI'] / m['bare']:.2f}x (>= 0.9), "
                f"worst ETA error after 10 %: GUI {max(eta_errors):.0%}, "
                f"CLI {max(cli_eta_errors):.0%} (<= 20 %)",
                flush=True,
            )
            print(
                "    the machine's own noise: the bare loop run again at the end of each round "
                f"ran at {', '.join(f'{r:.2f}x' for r in spread)} of its first run; "
                f"its own time left (same rule) erred up to {max(floors):.0%}",
                flush=True,
            )
            best = {k: max(best[k], m[k]) for k in best}
        tuned_cli, tuned_gui, tuned_eta = [], [], []
        for _ in range(args.rounds):
            speed, eta = cli(make(), 0)
            tuned_cli.append(speed)
            tuned_eta.append(eta)
            speed, eta = gui(app, make(), 0)
            tuned_gui.append(speed)
            tuned_eta.append(eta)
        c, g = statistics.median(tuned_cli), statistics.median(tuned_gui)
        print(
            f"  as shipped (the CLI measures, the GUI keeps a core free): CLI {c:,.0f}, "
            f"GUI {g:,.0f} steps/s; "
            f"CLI/best bare {c / best['bare']:.2f}x (>= 0.9), "
            f"GUI/best headless {g / best['headless']:.2f}x (>= 0.8), "
            f"worst ETA error after 10 % (CLI and GUI): {max(tuned_eta):.0%} (<= 20 %)",
            flush=True,
        )


if __name__ == "__main__":
    main()
