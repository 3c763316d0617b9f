"""`nnstudio predict PROJECT INPUT`: ask a saved, trained network from the command line.

INPUT is a CSV file of rows (2D points or table rows, in the data's own units, a text
column by its category, such as red), a picture
(PNG; JPEG too when Pillow is installed) for image data, or a typed sequence for sequence
data (a file with one sequence per line also works). Answers come as JSON or as a table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.errors import InputError

MAX_INPUT_BYTES = 64 * 1024 * 1024
PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}


def add_parser(sub: Any) -> None:
    """Register the `predict` subcommand on the main parser's subparsers."""
    parser = sub.add_parser(
        "predict",
        help="ask a trained project about your own inputs",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument("project", help="a .nnstudio project that holds trained weights")
    parser.add_argument(
        "input",
        help="a CSV file of rows, a picture file, or a sequence such as '0 1 1 0'",
    )
    parser.add_argument(
        "--format", choices=("json", "table"), default="table", help="how to print the answers"
    )
    parser.set_defaults(func=cmd_predict)


def read_inputs(predictor: Any, text: str) -> tuple[np.ndarray, list[str]]:
    """Network inputs for INPUT and a short name for each one."""
    from nnstudio.core.datasets import inputs as encode

    dataset = predictor.dataset
    path = Path(text).expanduser()
    is_file = path.is_file()
    if dataset.kind == "image":
        if not is_file:
            raise InputError(f"{text} is not a file: give a picture (PNG) to ask about.")
        grey = encode.read_picture_file(_read(path), path.name)
        image = encode.picture_to_image(grey, encode.image_size(dataset))
        return predictor.images(image[None]), [path.name]
    if dataset.kind == "sequence":
        lines = _read(path).decode("utf-8", "replace").splitlines() if is_file else [text]
        lines = [line for line in lines if line.strip()]
        if not lines:
            raise InputError(f"{path.name} holds no sequences.")
        samples = []
        for number, line in enumerate(lines, 1):
            try:
                samples.append(encode.parse_sequence(dataset, line))
            except InputError as exc:
                raise InputError(f"Sequence {number}: {exc}" if is_file else str(exc)) from None
        return predictor.sequences(np.stack(samples)), lines
    if is_file:
        if path.suffix.lower() in PICTURE_SUFFIXES:
            raise InputError(
                f"{path.name} is a picture, but this network reads "
                f"{'2D points' if dataset.kind == 'points' else 'table rows'}: "
                "give a CSV file of rows."
            )
        content = _read(path).decode("utf-8-sig", "replace")
        rows = _rows(predictor, content)
    else:
        rows = _rows(predictor, text)
    names = [f"row {i + 1}" for i in range(len(rows))]
    if dataset.kind == "points":
        return predictor.points(rows), names
    return predictor.rows(rows), names


def _rows(predictor: Any, content: str) -> np.ndarray:
    from nnstudio.core.datasets import inputs as encode

    dataset = predictor.dataset
    columns, categories = encode.table_columns(dataset), encode.column_categories(dataset)
    return encode.parse_rows_csv(columns, content, categories)


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(
                f"{path.name} is {size / 2**20:.0f} MB; inputs of up to "
                f"{MAX_INPUT_BYTES // 2**20} MB can be read."
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}.") from None


def answers(predictor: Any, x: np.ndarray, names: list[str]) -> dict[str, Any]:
    """The JSON document `predict` prints."""
    result = predictor.predict(x)
    dataset = predictor.dataset
    rows: list[dict[str, Any]] = []
    classes = predictor.class_names() if result.probabilities is not None else []
    for i, name in enumerate(names):
        row: dict[str, Any] = {"input": name, "output": [float(v) for v in result.outputs[i]]}
        if result.probabilities is not None:
            k = int(result.classes[i])
            row["class"] = k
            row["label"] = classes[k]
            row["probabilities"] = {
                c: float(p) for c, p in zip(classes, result.probabilities[i], strict=True)
            }
        else:
            values = [float(v) for v in result.values[i]]
            row["value"] = values[0] if len(values) == 1 else values
        rows.append(row)
    return {
        "dataset": dataset.name,
        "task": "regression" if result.values is not None else "classification",
        "classes": classes,
        "predictions": rows,
    }


def format_table(doc: dict[str, Any], max_classes: int = 10) -> str:
    """A plain text table: one line per input, the answer and (for few classes) every
    class's probability."""
    rows = doc["predictions"]
    width = max([5, *(len(r["input"]) for r in rows)])
    if doc["task"] == "regression":
        lines = [f"{'input':<{width}}  value"]
        lines += [f"{r['input']:<{width}}  {r['value']}" for r in rows]
        return "\n".join(lines)
    classes = doc["classes"] if len(doc["classes"]) <= max_classes else []
    label_width = max([10, *(len(r["label"]) for r in rows)])
    head = f"{'input':<{width}}  {'prediction':<{label_width}}  {'p':>6}"
    head += "".join(f"  {c[:8]:>8}" for c in classes)
    lines = [head]
    for r in rows:
        p = r["probabilities"][r["label"]]
        line = f"{r['input']:<{width}}  {r['label']:<{label_width}}  {p:6.3f}"
        line += "".join(f"  {r['probabilities'][c]:8.3f}" for c in classes)
        lines.append(line)
    return "\n".join(lines)


def cmd_predict(args: argparse.Namespace) -> int:
    from nnstudio.training.inference import predictor_for_file

    predictor = predictor_for_file(args.project)
    x, names = read_inputs(predictor, args.input)
    doc = answers(predictor, x, names)
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    else:
        print(format_table(doc))
    return 0
