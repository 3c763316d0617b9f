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
        "--fresh",
        action="store_true",
        help="leave out the project's trained weights (ONNX: use fresh starting weights)",
    )
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from nnstudio.core.project_files import load_project
    from nnstudio.export import export_pytorch
    from nnstudio.export.onnx_export import export_onnx

    loaded = load_project(args.project)
    weights = None if args.fresh else loaded.weights
    export = export_pytorch if args.to == "pytorch" else export_onnx
    result = export(
        loaded.project,
        weights,
        args.out,
        force=args.force,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(result.summary())
    return 0
