"""The `nnstudio` command: the GUI by default, and headless subcommands for scripts and CI."""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence

from nnstudio import __version__
from nnstudio.core.errors import NNStudioError


def _fmt_acc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def cmd_train(args: argparse.Namespace) -> int:
    """Train a project headless (or its variants) and print progress, then the scores."""
    from nnstudio.cli_runs import train_project

    return train_project(args)


def cmd_runs(args: argparse.Namespace) -> int:
    """List the runs kept in a project file."""
    from nnstudio.cli_runs import list_runs

    return list_runs(args)


COMMANDS = ("train", "runs", "export", "predict", "lessons", "lesson")
"""Subcommand names; any other first argument is a project file for the app."""


def cmd_gui(args: argparse.Namespace) -> int:
    from nnstudio.launch_check import check_display_libraries

    problem = check_display_libraries()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 3
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
        "--vary",
        action="append",
        default=[],
        metavar="SETTING=V1,V2",
        help="train variants side by side, e.g. --vary learning_rate=0.001,0.01,0.1; "
        "repeat to cross several settings (activation=relu,tanh swaps every activation)",
    )
    train.add_argument(
        "--report-every",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between progress lines (default 1)",
    )
    train.set_defaults(func=cmd_train)
    runs = sub.add_parser("runs", help="list the training runs kept in a project file")
    runs.add_argument("project", help="a .nnstudio project file")
    runs.set_defaults(func=cmd_runs)
    from nnstudio.cli_export import add_export_command

    add_export_command(sub)

    from nnstudio.cli_predict import add_parser as add_predict

    add_predict(sub)
    from nnstudio.cli_lessons import add_parsers

    add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--self-test"]:
        from nnstudio.selftest import main as self_test

        return self_test(argv[1:])
    parser = build_parser()
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
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
