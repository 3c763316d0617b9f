"""Turning what a person gives a trained network into its inputs, the way the data pipeline
made the training inputs: 2D points get their derived features, table rows in the data's own
units are rescaled with the training split's statistics, pictures become grey images of the
dataset's size, and typed sequences become token ids.

Each failure is an InputError that says what to fix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnstudio.core.datasets.csv_table import parse_number
from nnstudio.core.datasets.spec import Dataset
from nnstudio.core.errors import InputError

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 4_000_000
"""Pictures larger than this (about 2000 × 2000) are refused rather than shrunk."""
MAX_ROWS = 100_000


# -- 2D points -----------------------------------------------------------------------------


def encode_points(dataset: Dataset, points: Any) -> np.ndarray:
    """Raw (N, 2) coordinates -> network inputs, derived features included."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != 2:
        raise InputError(f"A point has two coordinates (x1, x2); got {array.shape[-1]} values.")
    if not np.isfinite(array).all():
        raise InputError("Point coordinates must be finite numbers.")
    return dataset.featurize(array)


# -- table rows ----------------------------------------------------------------------------

Cell = float | str
"""A value of a table row as a person gives it: a number, or a text column's category."""
MAX_LISTED_CATEGORIES = 30


def table_columns(dataset: Dataset) -> list[str]:
    """The columns a row must give, in order: x1 and x2 for 2D points (derived features are
    added to them), the table's own columns for a table (a text column once, not as its
    0/1 inputs)."""
    if dataset.is_2d:
        return ["x1", "x2"]
    if dataset.source_columns:
        return [column.name for column in dataset.source_columns]
    return list(dataset.feature_names)


def column_categories(dataset: Dataset) -> list[tuple[str, ...] | None]:
    """Per column of `table_columns`: a text column's categories, None for numbers."""
    if dataset.source_columns and not dataset.is_2d:
        return [column.categories for column in dataset.source_columns]
    return [None] * len(table_columns(dataset))


def unknown_category(where: str, name: str, text: str, categories: Sequence[str]) -> InputError:
    """The message for a text value the network never saw in that column."""
    listed = list(categories[:MAX_LISTED_CATEGORIES])
    more = len(categories) - len(listed)
    allowed = ", ".join(map(repr, listed)) + (f" and {more} more" if more > 0 else "")
    return InputError(
        f"{where}: {name!r} is {text!r}, which the network does not know; "
        f"it takes one of {allowed}."
    )


def _category_index(where: str, name: str, cell: Any, categories: tuple[str, ...]) -> int:
    """Which category a cell names: its text, or a number written another way ("1.0" for 1)."""
    text = cell.strip() if isinstance(cell, str) else str(cell)
    if text in categories:
        return categories.index(text)
    if not text:
        raise InputError(f"{where}: {name!r} is missing; every input needs a value.")
    number = parse_number(text) if isinstance(cell, str) else _finite(cell)
    if number is not None:
        for k, category in enumerate(categories):
            if parse_number(category) == number:
                return k
    raise unknown_category(where, name, text, categories)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _encode_text_rows(dataset: Dataset, rows: Any) -> np.ndarray:
    """Rows of the table's own columns, text columns by category -> inputs in the data's
    units, each text column as its 0/1 inputs."""
    categories = column_categories(dataset)
    columns = table_columns(dataset)
    if isinstance(rows, np.ndarray):
        rows = (rows.reshape(1, -1) if rows.ndim < 2 else rows).tolist()
    else:
        rows = list(rows)
        if rows and not isinstance(rows[0], (list, tuple, np.ndarray)):
            rows = [rows]  # one row
    out = np.zeros((len(rows), len(dataset.feature_names)), dtype=np.float64)
    for i, row in enumerate(rows):
        where = "The row" if len(rows) == 1 else f"Row {i + 1}"
        if len(row) != len(columns):
            raise InputError(
                f"{where} has {len(row)} values, but the network needs "
                f"{len(columns)}: {', '.join(columns)}."
            )
        at = 0
        for name, cats, cell in zip(columns, categories, row, strict=True):
            if cats is None:
                number = parse_number(cell.strip()) if isinstance(cell, str) else _finite(cell)
                if number is None:
                    raise InputError(
                        f"{where}: {name!r} is {cell!r}, not a finite number."
                        if not isinstance(cell, str) or cell.strip()
                        else f"{where}: {name!r} is missing; every input needs a value."
                    )
                out[i, at] = number
                at += 1
            else:
                out[i, at + _category_index(where, name, cell, cats)] = 1.0
                at += len(cats)
    return out


def encode_rows(dataset: Dataset, rows: Any) -> np.ndarray:
    """Rows (N, columns) in the data's own units -> rescaled network inputs.

    A table with text columns takes each as its category ("red"); rows that already give
    the 0/1 inputs (as many numbers as the network has inputs) are taken as they are."""
    width = len(dataset.feature_names) if not dataset.is_2d else 2
    if any(c is not None for c in column_categories(dataset)):
        array = np.asarray(rows, dtype=object)
        given = array.shape[-1] if array.ndim else 0
        numeric = array.ndim in (1, 2) and all(
            isinstance(v, (int, float, np.number)) for v in array.reshape(-1)
        )
        if not (numeric and given == width != len(table_columns(dataset))):
            return _scale(dataset, _encode_text_rows(dataset, rows))
    else:
        width = len(table_columns(dataset))
    array = np.asarray(rows, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != width:
        raise InputError(
            f"A row needs {width} values, one per input column; got {array.shape[-1]}."
        )
    if not np.isfinite(array).all():
        raise InputError("Every value in a row must be a finite number.")
    return _scale(dataset, array)


def _scale(dataset: Dataset, array: np.ndarray) -> np.ndarray:
    if dataset.input_scaling is None:
        return array.astype(np.float32)
    return dataset.input_scaling.apply(array)


def decode_rows(dataset: Dataset, x: np.ndarray) -> np.ndarray:
    """Network inputs back in the data's own units, one number per input (text columns
    as their 0/1 inputs; `decode_table_rows` gives their categories)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if dataset.input_scaling is None:
        return x
    return dataset.input_scaling.invert(x)


def decode_table_rows(dataset: Dataset, x: np.ndarray) -> list[list[Cell]]:
    """Network inputs back as the rows a person wrote (what a form shows): numbers in the
    data's own units, and each text column as its category."""
    numbers = decode_rows(dataset, x)
    categories = column_categories(dataset)
    if all(c is None for c in categories):
        return [[float(v) for v in row] for row in numbers]
    rows: list[list[Cell]] = []
    for row in numbers:
        values: list[Cell] = []
        at = 0
        for cats in categories:
            if cats is None:
                values.append(float(row[at]))
                at += 1
            else:
                values.append(cats[int(np.argmax(row[at : at + len(cats)]))] if cats else "")
                at += len(cats)
        rows.append(values)
    return rows


def decode_values(dataset: Dataset, values: np.ndarray) -> np.ndarray:
    """Regression outputs in the target's own units (undoing a standardized target)."""
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    if dataset.target_scaling is None:
        return values
    return dataset.target_scaling.invert(values)


def parse_row(
    columns: Sequence[str],
    cells: Sequence[str],
    where: str = "The row",
    categories: Sequence[tuple[str, ...] | None] | None = None,
) -> np.ndarray:
    """One row of text cells (in the order of `columns`) as its values; names the first bad
    cell. With `categories`, a text column's cell must be one of its categories and stays
    text (the result is then an object array)."""
    if len(cells) != len(columns):
        raise InputError(
            f"{where} has {len(cells)} values, but the network needs "
            f"{len(columns)}: {', '.join(columns)}."
        )
    cats_of = list(categories) if categories is not None else [None] * len(columns)
    values: list[Cell] = []
    for name, cell, cats in zip(columns, cells, cats_of, strict=True):
        text = cell.strip()
        if not text:
            raise InputError(f"{where}: {name!r} is missing; every input needs a value.")
        if cats is not None:
            values.append(cats[_category_index(where, name, text, cats)])
            continue
        number = parse_number(text)
        if number is None:
            raise InputError(f"{where}: {name!r} is {text!r}, not a number.")
        values.append(number)
    if any(isinstance(v, str) for v in values):
        return np.array(values, dtype=object)
    return np.array(values, dtype=np.float64)


def _is_values(
    cells: list[str], columns: list[str], categories: Sequence[tuple[str, ...] | None]
) -> bool:
    """Whether a row of cells reads as values (so it is data, not a header)."""
    if len(cells) != len(columns):
        return False
    for cell, cats in zip(cells, categories, strict=True):
        if cats is None and parse_number(cell) is None:
            return False
        if cats is not None and cell not in cats:
            return False
    return True


def parse_rows_csv(
    columns: Sequence[str],
    text: str,
    categories: Sequence[tuple[str, ...] | None] | None = None,
) -> np.ndarray:
    """Rows of `columns` from CSV text, in the data's own units (text columns by category,
    see `parse_row`). A header row that names the columns may put them in any order;
    without one, values come in the order of `columns`."""
    columns = list(columns)
    cats_of = list(categories) if categories is not None else [None] * len(columns)
    try:
        sniffed = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniffed)
    order: list[int] | None = None
    rows = []
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue
            cells = [c.strip() for c in cells]
            if (
                order is None
                and not rows
                and all(parse_number(c) is None for c in cells)
                and not _is_values(cells, columns, cats_of)
            ):
                order = _header_order(cells, columns)
                continue
            if order is not None:
                if len(cells) != len(order) and len(cells) != max(order) + 1:
                    raise InputError(
                        f"Line {reader.line_num} has {len(cells)} values, but the "
                        f"header names {len(order)}."
                    )
                cells = [cells[i] for i in order]
            rows.append(parse_row(columns, cells, f"Line {reader.line_num}", categories))
            if len(rows) > MAX_ROWS:
                raise InputError(f"More than {MAX_ROWS:,} rows; split the file.")
    except csv.Error as exc:
        raise InputError(f"Line {reader.line_num} cannot be read as CSV ({exc}).") from None
    if not rows:
        raise InputError("The CSV has no rows of values.")
    if any(row.dtype == object for row in rows):
        return np.stack([row.astype(object) for row in rows])
    return np.stack(rows)


def _header_order(header: list[str], columns: list[str]) -> list[int]:
    missing = [name for name in columns if name not in header]
    if missing:
        raise InputError(
            f"The header lacks the column(s) {', '.join(map(repr, missing))}; the "
            f"network needs {', '.join(columns)}."
        )
    return [header.index(name) for name in columns]


# -- images --------------------------------------------------------------------------------


def image_size(dataset: Dataset) -> tuple[int, int]:
    """(height, width) of the dataset's images."""
    shape = dataset.feature_shape
    if dataset.kind != "image" or len(shape) != 3:
        raise InputError(f"{dataset.name} does not hold images.")
    return int(shape[1]), int(shape[2])


def check_picture_size(width: int, height: int, name: str = "The picture") -> None:
    if width <= 0 or height <= 0:
        raise InputError(f"{name} has no pixels.")
    if width * height > MAX_IMAGE_PIXELS:
        raise InputError(
            f"{name} is {width}×{height} pixels; pictures of up to "
            f"{MAX_IMAGE_PIXELS:,} pixels (about 2000 × 2000) can be used."
        )


def _area_weights(source: int, target: int) -> np.ndarray:
    """(target, source) matrix: each target pixel averages the source pixels it covers."""
    edges = np.arange(target + 1) * (source / target)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def picture_to_image(grey: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A grey picture (H, W) with 0 = black, 1 = white -> a (1, h, w) image of the dataset's
    kind: bright ink on a dark ground, as in digits and MNIST.

    A picture with a light border is taken to be dark ink on paper and is inverted. It is
    padded to a square around its centre (keeping its proportions), then area-averaged."""
    grey = np.asarray(grey, dtype=np.float64)
    if grey.ndim != 2 or not np.isfinite(grey).all():
        raise InputError("The picture must be a grid of grey levels.")
    check_picture_size(grey.shape[1], grey.shape[0])
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    ink = 1.0 - grey if border.mean() > 0.5 else grey
    h, w = ink.shape
    side = max(h, w)
    square = np.zeros((side, side))
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = ink
    rows, cols = size
    image = _area_weights(side, rows) @ square @ _area_weights(side, cols).T
    return np.clip(image, 0.0, 1.0).astype(np.float32)[None]


def encode_images(dataset: Dataset, images: Any) -> np.ndarray:
    """Images (N, 1, h, w) or one (h, w) with values in 0..1 -> network inputs."""
    rows, cols = image_size(dataset)
    array = np.asarray(images, dtype=np.float32)
    if array.shape == (rows, cols):
        array = array[None, None]
    elif array.shape == (1, rows, cols):
        array = array[None]
    if array.shape[1:] != (1, rows, cols):
        raise InputError(
            f"The image is {tuple(array.shape[-2:])}, but the network reads "
            f"{rows}×{cols} grey images."
        )
    if not np.isfinite(array).all():
        raise InputError("Image pixels must be finite numbers.")
    return np.clip(array, 0.0, 1.0)


def read_picture_file(data: bytes, name: str) -> np.ndarray:
    """Grey levels (H, W) of a PNG file (or a JPEG, when Pillow is installed) for the
    command line; the app decodes pictures with Qt instead."""
    from nnstudio.core.png import is_png, read_png_grey

    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(
            f"{name} is {len(data) / 2**20:.0f} MB; pictures of up to "
            f"{MAX_IMAGE_BYTES // 2**20} MB can be used."
        )
    if is_png(data):
        return read_png_grey(data, name, MAX_IMAGE_PIXELS)
    try:
        from PIL import Image  # optional: only for JPEG and other formats
    except ImportError:
        kind = "a JPEG" if data[:3] == b"\xff\xd8\xff" else "not a PNG"
        raise InputError(
            f"{name} is {kind}: the command line reads PNG pictures (install "
            "Pillow to read JPEG too, or open it in the app)."
        ) from None
    try:
        with Image.open(io.BytesIO(data)) as picture:
            check_picture_size(picture.width, picture.height, name)
            grey = picture.convert("L")
            return np.asarray(grey, dtype=np.float64) / 255.0
    except InputError:
        raise
    except Exception:
        raise InputError(f"{name} cannot be read as a picture.") from None


# -- sequences -----------------------------------------------------------------------------

_SPLIT_STEPS = re.compile(r"[\s,]+")


def sequence_shape(dataset: Dataset) -> tuple[int, int]:
    """(steps, numbers per step); numbers per step is 0 for token ids."""
    shape = dataset.feature_shape
    if dataset.kind != "sequence":
        raise InputError(f"{dataset.name} does not hold sequences.")
    return int(shape[0]), (int(shape[1]) if len(shape) > 1 else 0)


def parse_sequence(dataset: Dataset, text: str) -> np.ndarray:
    """A typed sequence -> one sample: token ids "3 1 4 1" (or "3,1,4,1"), or for steps of
    several numbers, each step as numbers joined by ':' ("0.5:1 0.2:0 ...")."""
    steps, width = sequence_shape(dataset)
    parts = [p for p in _SPLIT_STEPS.split(text.strip()) if p]
    if len(parts) != steps:
        raise InputError(f"The sequence has {len(parts)} steps, but the network reads {steps}.")
    if width == 0:
        vocab = dataset.token_count
        tokens = []
        for i, part in enumerate(parts):
            if not re.fullmatch(r"\d+", part) or (vocab and int(part) >= vocab):
                known = f"0 to {vocab - 1}" if vocab else "whole numbers from 0"
                raise InputError(
                    f"Step {i + 1}: {part!r} is not a known token; the tokens are {known}."
                )
            tokens.append(int(part))
        return np.array(tokens, dtype=np.int64)
    rows = []
    for i, part in enumerate(parts):
        numbers = [parse_number(n) for n in part.split(":")]
        if len(numbers) != width or any(n is None for n in numbers):
            raise InputError(
                f"Step {i + 1}: {part!r} should be {width} numbers joined by ':' "
                f"({', '.join(dataset.feature_names)})."
            )
        rows.append(numbers)
    return np.array(rows, dtype=np.float32)


def format_sequence(dataset: Dataset, sample: np.ndarray) -> str:
    """A sample written the way `parse_sequence` reads it."""
    sample = np.asarray(sample)
    if sample.ndim == 1:
        return " ".join(str(int(t)) for t in sample)
    return " ".join(":".join(f"{v:g}" for v in step) for step in sample)


def encode_sequences(dataset: Dataset, samples: Any) -> np.ndarray:
    steps, width = sequence_shape(dataset)
    array = np.asarray(samples)
    expected = (steps,) if width == 0 else (steps, width)
    if array.shape == expected:
        array = array[None]
    if array.shape[1:] != expected:
        raise InputError(
            f"A sequence of shape {array.shape[1:]} does not fit the network, "
            f"which reads {expected}."
        )
    if width == 0:
        vocab = dataset.token_count
        if array.size and (array.min() < 0 or (vocab and array.max() >= vocab)):
            raise InputError(f"Tokens must be 0 to {vocab - 1}.")
        return array.astype(np.int64)
    return array.astype(np.float32)
