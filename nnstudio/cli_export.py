"""`nnstudio export PROJECT --to pytorch|onnx --out DIR`: take the network out of the app."""

from __future__ import annotations

import argparse
import sys


def add_export_command(sub: argparse._SubParsersAction) -> None:
    """Register the `export` subcommand on the main parser's subcommands."""
    export = sub.add_parser(
        "export",
        help="write the network as a PyTorch script folder or a checked ONNX model",
        description="Export a project: --to pytorch writes model.py, train.py, data.npz "
        "(and weights.safetensors when it holds trained weights); --to onnx writes "
        "model.onnx, checked with onnx.checker and onnxruntime.",
    )
    export.add_argument("project", help="a .nnstudio or .json project file")
    export.add_argument("--to", choices=("pytorch", "onnx"), default="pytorch")
    export.add_argument("--out", required=True, metavar="DIR", help="the folder to write")
    export.add_argument(
        "--force", action="store_true", help="write into DIR even if it is not empty"
    )
    export.add_argument(
        "--run",
        metavar="ID",
        help="export this run (as `nnstudio runs` lists them) instead of the current one",
    )
    export.add_argument(
        "--fresh",
        action="store_true",
        help="export the project as it is now, without any run's trained weights",
    )
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from nnstudio.core.errors import ExportError
    from nnstudio.core.project_files import load_project
    from nnstudio.export import export_pytorch
    from nnstudio.export.onnx_export import export_onnx

    loaded = load_project(args.project)
    run = loaded.runs.get(args.run) if args.run else loaded.current_run
    if args.run and run is None:
        known = ", ".join(r.id for r in loaded.runs.runs) or "none"
        raise ExportError(f"{args.project} has no run {args.run!r} (its runs: {known}).")
    if run is not None and run.weights is not None and not args.fresh:
        # A run's own frozen project: the network its weights were trained for.
        project, weights = run.project, run.weights
        print(f"Exporting run {run.id} with its trained weights.", file=sys.stderr)
    else:
        project, weights = loaded.project, None
    export = export_pytorch if args.to == "pytorch" else export_onnx
    result = export(
        project,
        weights,
        args.out,
        force=args.force,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(result.summary())
    return 0
