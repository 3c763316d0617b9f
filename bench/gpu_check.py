"""The CUDA path, proven on a GPU machine: train, compare with the CPU, time, run out of memory.

1. The spiral MLP, the Fashion-MNIST CNN and the Transformer template train on CUDA through
   the CLI (`python -m nnstudio train --device cuda`) and through the GUI's worker thread
   (offscreen), and their loss curves match a CPU run of the same seed to a loose tolerance
   (CUDA kernels add up in another order, so the curves drift apart slowly).
2. Steps per second of the headless trainer against a bare CUDA loop on the same network and
   batches (target >= 0.9x for the CNN).
3. A batch far too large for the GPU ends with a message about memory, not a traceback.

    bash bench/gpu_check.sh        (about 3 minutes on one H200)
    python bench/gpu_check.py --cpu-rehearsal
                                   (the same steps with "cpu" for "cuda", on a machine without
                                   a GPU: proves the script itself runs, not the CUDA path)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import torch
from model_sizes import bare, fashion_cnn, headless, spiral_model, transformer

from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project, project_to_dict
from nnstudio.core.run import Run
from nnstudio.training.session import TrainingSession
from nnstudio.training.trainer import ProbeOptions

ROOT = Path(__file__).resolve().parent.parent
STEPS = 300
"""Steps compared between CUDA and CPU."""
CURVE_TOLERANCE = 0.05
"""Largest allowed relative gap between the CUDA and CPU loss curves (smoothed)."""
failures: list[str] = []
DEVICE = "cuda"
"""The device under test; "cpu" in a rehearsal."""


def check(ok: bool, message: str) -> None:
    print(("  ok   " if ok else "  FAIL ") + message, flush=True)
    if not ok:
        failures.append(message)


def on(project: Project, device: str, epochs: int | None = None) -> Project:
    project.training = project.training.replace(device=device)
    if epochs is not None:
        project.training = project.training.replace(epochs=epochs)
    return project


def curve(project: Project) -> np.ndarray:
    run = Run(project, id="r1")
    options = ProbeOptions(snapshot_every_steps=50, weights_every=0, boundary_every=0)
    session = TrainingSession([run], options)
    for _ in session.run():
        if run.steps_done >= STEPS:
            session.control.stop()
    return run.history.get("batch_loss").arrays()[1][:STEPS]


def smoothed(values: np.ndarray, width: int = 25) -> np.ndarray:
    kernel = np.ones(width) / width
    return np.convolve(values, kernel, mode="valid")


def cli_on_cuda(project: Project) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(json.dumps(project_to_dict(project)))
        result = subprocess.run(
            [sys.executable, "-m", "nnstudio", "train", str(path), "--device", DEVICE,
             "--epochs", "1"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    return result.stdout + result.stderr


def gui_worker_on_cuda(project: Project) -> tuple[str, int]:
    """Train through the GUI's controller and worker thread; (final status, steps)."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from nnstudio.ui.training.controller import TrainingController

    app = QApplication.instance() or QApplication([])
    controller = TrainingController()
    loop = QEventLoop()
    finished: list = []
    errors: list[str] = []
    controller.failed.connect(errors.append)
    controller.run_finished.connect(lambda s: (finished.append(s), loop.quit()))
    QTimer.singleShot(240_000, loop.quit)
    run = controller.start(project)
    loop.exec()
    controller.shutdown(5000)
    app.processEvents()
    status = finished[0].status if finished and finished[0] is not None else "; ".join(errors)
    return status, run.steps_done if run is not None else 0


def main() -> int:
    global DEVICE
    if "--cpu-rehearsal" in sys.argv:
        DEVICE = "cpu"
        print("Rehearsal on the CPU: every step runs, but nothing here touches CUDA.")
    elif not torch.cuda.is_available():
        print("No CUDA GPU is visible to torch here; run this on a GPU machine.")
        return 2
    else:
        print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}", flush=True)
    models = {"spiral": spiral_model, "cnn": fashion_cnn, "transformer": transformer}
    for name, make in models.items():
        print(f"\n== {name}", flush=True)
        try:
            out = cli_on_cuda(on(make(), DEVICE))
            check(f"on {DEVICE}" in out and "Done in" in out, f"CLI trains on {DEVICE} ({name})")
            status, steps = gui_worker_on_cuda(on(make(), DEVICE, 1))
            check(status == "finished" and steps > 0, f"GUI worker trains on {DEVICE}: {status}")
            gpu, cpu = curve(on(make(), DEVICE)), curve(on(make(), "cpu"))
            n = min(len(gpu), len(cpu))
            gap = np.abs(smoothed(gpu[:n]) - smoothed(cpu[:n])) / np.abs(smoothed(cpu[:n]))
            check(
                float(gap.max()) <= CURVE_TOLERANCE,
                f"{DEVICE} and CPU curves agree over {n} steps (largest gap {gap.max():.3%})",
            )
            speed_bare = bare(on(make(), DEVICE), torch.get_num_threads())
            speed = headless(on(make(), DEVICE), torch.get_num_threads())  # data loaded first
            target = 0.9 if name == "cnn" else 0.0
            check(
                speed >= target * speed_bare,
                f"headless {speed:,.0f} vs bare {DEVICE} {speed_bare:,.0f} steps/s "
                f"= {speed / speed_bare:.2f}x" + (" (target >= 0.9x)" if target else ""),
            )
        except Exception:
            traceback.print_exc()
            failures.append(f"{name} raised")
    print("\n== out of memory", flush=True)
    huge = fashion_cnn()
    for node in huge.graph.nodes.values():
        if node.type == "conv2d":
            huge.graph.set_param(node.id, "channels", 512)
    huge = on(huge, DEVICE, 1)
    huge.training = huge.training.replace(batch_size=0)  # the whole training split at once
    run = Run(huge, id="oom")
    try:
        for _ in TrainingSession([run]).run():
            pass
        check(False, "a far too large batch trained without running out of memory")
    except NNStudioError as exc:
        check("memory" in str(exc).lower(), f"refused before allocating: {exc}")
    except torch.OutOfMemoryError as exc:
        from nnstudio.ui.training.worker import explain_failure

        message = explain_failure(exc)
        check("out of memory" in message.lower(), f"the message says: {message}")
    print(f"\n{len(failures)} check(s) failed" if failures else f"\nall checks passed on {DEVICE}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
