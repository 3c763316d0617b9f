"""`nnstudio --self-test`: prove that an installed or frozen build works, without a screen.

It does what a first-time user does: open a bundled example, train it, save and reopen it as a
project, train on from the reopened weights in the background thread the app uses, and look at
every live panel. Each step prints one line; the first failure prints what went wrong and the
command exits 1. The packaging script runs it on every frozen build, and tests/test_selftest.py
runs it from the source tree.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from nnstudio.selftest_checks import CORE_EPOCHS, EXAMPLE, CheckFailed, State, check


def headless_environment(workdir: Path) -> None:
    """Draw offscreen unless told otherwise, and keep settings and autosaves in `workdir`."""
    from nnstudio.core.recovery import ENV_VAR as RECOVERY_ENV

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["NNSTUDIO_SETTINGS_DIR"] = str(workdir / "settings")
    os.environ[RECOVERY_ENV] = str(workdir / "recovery")
    (workdir / "settings").mkdir(exist_ok=True)


# -- steps --------------------------------------------------------------------------------
def step_environment(state: State) -> str:
    import numpy
    import torch

    from nnstudio import __version__
    from nnstudio.resources import is_frozen, resources_root
    from nnstudio.ui.selftest_gui import qt_version

    kind = "frozen bundle" if is_frozen() else "source"
    return (
        f"NN Studio {__version__} ({kind}), Python {platform.python_version()}, "
        f"torch {torch.__version__}, numpy {numpy.__version__}, PySide6 {qt_version()}, "
        f"Qt platform {os.environ.get('QT_QPA_PLATFORM')}, resources {resources_root()}"
    )


def step_open_example(state: State) -> str:
    from nnstudio.core.project_files import load_project
    from nnstudio.resources import example_projects, resource_path

    path = resource_path(EXAMPLE)
    examples = example_projects()
    for other in examples:
        load_project(other)  # every bundled example must open
    loaded = load_project(path)
    check(loaded.project.graph.nodes, f"{path} holds no layers")
    state.project = loaded.project
    names = ", ".join(p.stem for p in examples)
    return f"{len(examples)} examples open ({names}); using {path.name}"


def step_train(state: State) -> str:
    import math

    from nnstudio.core.run import Run, RunBook, freeze
    from nnstudio.training import ProbeOptions
    from nnstudio.training.session import TrainingSession

    project = freeze(state.project)
    project.training = project.training.replace(epochs=CORE_EPOCHS, device="cpu")
    options = ProbeOptions(snapshot_every_steps=10, weights_every=1, boundary_every=1)
    book = RunBook()
    run = book.add(Run(project))
    session = TrainingSession([run], options)
    for reports in session.run():
        state.snapshots.append(reports[run.id])
    session.adopt_final_weights()
    check(state.snapshots, "the trainer reported nothing")
    first, last = state.snapshots[0], state.snapshots[-1]
    check(last.status == "finished", f"training ended as '{last.status}': {last.message}")
    check(math.isfinite(last.train_loss), f"the final training loss is {last.train_loss}")
    check(
        last.train_loss < first.train_loss,
        f"the loss did not go down ({first.train_loss:.4f} -> {last.train_loss:.4f})",
    )
    check(run.weights is not None, "the run kept no weights")
    state.weights = run.weights
    state.history = run.history
    state.runs = book
    return (
        f"{CORE_EPOCHS} epochs, {last.step} steps, train loss "
        f"{first.train_loss:.4f} -> {last.train_loss:.4f}"
    )


def step_save_and_reopen(state: State) -> str:
    import torch

    from nnstudio.core.project import project_to_dict
    from nnstudio.core.project_files import load_project, save_project

    path = save_project(state.workdir / "self-test.nnstudio", state.project, state.runs)
    reopened = load_project(path)
    check(reopened.weights is not None, "the reopened project has no weights")
    check(
        set(reopened.weights) == set(state.weights),
        f"the reopened weights are {sorted(reopened.weights)}, not {sorted(state.weights)}",
    )
    for name, tensor in state.weights.items():
        check(torch.equal(reopened.weights[name], tensor), f"weight {name} changed on the disk")
    check(reopened.history == state.history, "the training curves changed on the disk")
    check(
        project_to_dict(reopened.project) == project_to_dict(state.project),
        "the network or its settings changed on the disk",
    )
    state.reopened = reopened
    return f"{path.name}, {path.stat().st_size} bytes, {len(state.weights)} tensors identical"


def step_live_training(state: State) -> str:
    from nnstudio.ui.selftest_gui import live_training

    return live_training(state)


def step_render_panels(state: State) -> str:
    from nnstudio.ui.selftest_gui import render_panels

    return render_panels(state)


def step_main_window(state: State) -> str:
    from nnstudio.ui.selftest_gui import main_window

    return main_window(state)


STEPS: list[tuple[str, Callable[[State], str]]] = [
    ("environment", step_environment),
    ("open a bundled example", step_open_example),
    ("train it (core trainer)", step_train),
    ("save and reopen the project", step_save_and_reopen),
    ("train on in the background thread", step_live_training),
    ("render every training panel", step_render_panels),
    ("render the main window", step_main_window),
]


def run_steps(state: State) -> int:
    started = time.perf_counter()
    for title, step in STEPS:
        begun = time.perf_counter()
        try:
            detail = step(state)
        except Exception as exc:
            if not isinstance(exc, CheckFailed):
                traceback.print_exc()
            print(f"FAIL {title}: {exc}", flush=True)
            print(f"self-test FAILED at '{title}'", file=sys.stderr, flush=True)
            return 1
        print(f"ok   {title} ({time.perf_counter() - begun:.2f} s): {detail}", flush=True)
    print(f"self-test passed in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nnstudio --self-test",
        description="Check, without a screen, that this copy of NN Studio can open, train, "
        "save and draw a project.",
    )
    parser.add_argument(
        "--output", metavar="FOLDER", help="also save a PNG of each panel into this folder"
    )
    args = parser.parse_args(list(argv or []))
    output = Path(args.output) if args.output else None
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nnstudio-self-test-") as folder:
        workdir = Path(folder)
        state = State(workdir, output)
        try:
            headless_environment(workdir)
            return run_steps(state)
        except Exception as exc:  # the app cannot even load: say so instead of crashing
            traceback.print_exc()
            print(f"FAIL start-up: {exc}", flush=True)
            return 1
        finally:
            if state.dashboard is not None:
                state.dashboard.close()
                state.dashboard.deleteLater()
