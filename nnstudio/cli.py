"""The `nnstudio` command: the GUI by default, and headless subcommands for scripts and CI."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Sequence

from nnstudio import __version__
from nnstudio.core.errors import NNStudioError


def _fmt_acc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def cmd_train(args: argparse.Namespace) -> int:
    """Train a project headless and print progress, then train/val/test scores."""
    from nnstudio.core.datasets import load_dataset
    from nnstudio.core.history import History
    from nnstudio.core.project_files import load_project, nnstudio_path_for, save_project
    from nnstudio.training import ProbeOptions, Trainer

    loaded = load_project(args.project)
    project = loaded.project
    settings = project.training
    changes = {}
    if args.epochs is not None:
        changes["epochs"] = args.epochs
    if args.device is not None:
        changes["device"] = args.device
    if changes:
        settings = settings.replace(**changes)
    dataset = load_dataset(project.dataset)
    options = ProbeOptions(
        min_interval_s=args.report_every, weights_every=0, boundary_every=0, predictions_every=0
    )
    resume = loaded.weights is not None and not args.fresh
    trainer = Trainer(project.graph, dataset, settings, options, loaded.weights if resume else None)
    history = loaded.history if resume and loaded.history is not None else History()
    history.begin_run()
    start = "continuing from its saved weights" if resume else "from fresh weights"
    print(
        f"Training {args.project} on {trainer.device} ({start}): {dataset.name}, "
        f"{trainer.n_train} training samples, {settings['epochs']} epochs, "
        f"{trainer.total_steps} steps."
    )
    started = time.perf_counter()
    last = None
    for snap in trainer.run():
        last = snap
        history.append_snapshot(snap)
        print(
            f"epoch {snap.epoch:>5}  step {snap.step:>7}  train loss {snap.train_loss:.4f}  "
            f"val loss {snap.val_loss:.4f}  val acc {_fmt_acc(snap.val_accuracy)}",
            flush=True,
        )
        if snap.status == "diverged":
            print(snap.message, file=sys.stderr)
            if args.save:
                print("Nothing was saved: the weights are no longer numbers.", file=sys.stderr)
            return 3
    elapsed = time.perf_counter() - started
    print(f"Done in {elapsed:.1f} s ({last.step if last else 0} steps).")
    for split in ("train", "val", "test"):
        loss, acc = trainer.evaluate(split)
        print(f"{split:>5}: loss {loss:.4f}  accuracy {_fmt_acc(acc)}")
    if args.save:
        target = nnstudio_path_for(loaded.path)
        save_project(target, project, trainer.model.state_dict(), history)
        if target != loaded.path:
            print(
                f"Saved the project with its weights and history to {target} ({loaded.path} "
                "is unchanged: plain JSON projects cannot hold weights)."
            )
        else:
            print(f"Saved the weights and history into {target}.")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from nnstudio.ui.app import run_app

    return run_app(args.project)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnstudio", description="NN Studio: build neural networks and watch them learn."
    )
    parser.add_argument("--version", action="version", version=f"NN Studio {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check without a screen that this copy can open, train, save and draw a project",
    )
    sub = parser.add_subparsers(dest="command")
    train = sub.add_parser("train", help="train a project without the GUI")
    train.add_argument("project", help="a .nnstudio or .json project file")
    train.add_argument("--epochs", type=int, help="override the project's epoch count")
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    train.add_argument(
        "--save",
        action="store_true",
        help="write the trained weights and the curves back into the project "
        "(a .json project is saved as a .nnstudio file beside it)",
    )
    train.add_argument(
        "--fresh",
        action="store_true",
        help="start from new random weights even if the project holds trained ones",
    )
    train.add_argument(
        "--report-every",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between progress lines (default 1)",
    )
    train.set_defaults(func=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--self-test"]:
        from nnstudio.selftest import main as self_test

        return self_test(argv[1:])
    parser = build_parser()
    if not argv or (argv[0] != "train" and not argv[0].startswith("-")):
        # `nnstudio` and `nnstudio FILE` open the app.
        return cmd_gui(argparse.Namespace(project=argv[0] if argv else None))
    args = parser.parse_args(argv)
    if args.command is None:
        return cmd_gui(argparse.Namespace(project=None))
    try:
        return args.func(args)
    except NNStudioError as exc:
        print(f"nnstudio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnstudio: stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # an allocation that still fails is out of memory, not a bug
        from nnstudio.core.memory import is_out_of_memory

        if not is_out_of_memory(exc):
            raise
        print(f"nnstudio: out of memory ({exc}); use a smaller batch or layers.", file=sys.stderr)
        return 2
