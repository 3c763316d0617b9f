"""A dataset read from the user's CSV file, with the column choices kept as dataset settings.

The settings (path, target, task, feature columns, normalization) live in the project file,
so reopening the project reads the same file the same way. Numeric feature columns are
normalized with statistics of the training split only; text columns are one-hot encoded
(one 0/1 input per category) up to a limit. Text class labels become class indices in
sorted order (numeric labels in numeric order).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.datasets.csv_table import (
    DELIMITERS,
    CsvTable,
    Progress,
    parse_number,
    read_csv_table,
)
from nnstudio.core.datasets.sklearn_sets import TABULAR
from nnstudio.core.datasets.spec import (
    DATASETS,
    NORMALIZATIONS,
    DataInfo,
    DatasetSpec,
    RawData,
    SourceColumn,
)
from nnstudio.core.errors import DatasetError
from nnstudio.core.params import ParamSpec, params

MAX_CLASSES = 100
MAX_INPUTS = 10_000
"""Inputs one-hot encoding may make in all: past this the network's first layer alone is huge."""
BAD_VALUE_CHOICES = ("refuse", "drop", "fill")
TASK_CHOICES = ("classification", "regression")

CSV_PARAMS = params(
    ParamSpec("path", "str", "", "The CSV file to read; Import CSV… picks it with a preview.",
              label="File"),
    ParamSpec("target", "str", "", "The column to predict; empty means the last column.",
              label="Target column"),
    ParamSpec("task", "choice", "classification",
              "Predict a class (the target's values are labels) or a number.",
              choices=TASK_CHOICES, choice_labels=("Classification", "Regression")),
    ParamSpec("features", "str", "",
              "The input columns, separated by commas; empty means every column but the target.",
              label="Feature columns"),
    ParamSpec("normalization", "choice", "standardize",
              "How numeric columns are rescaled, with numbers from the training split only: to "
              "mean 0 and spread 1, to the range 0..1, or not at all. A regression target is "
              "rescaled the same way.",
              choices=NORMALIZATIONS, choice_labels=("None", "Standardize", "Min-max")),
    ParamSpec("max_categories", "int", 20,
              "A text column becomes one 0/1 input per distinct value; columns with more "
              "values than this are refused.", label="Max categories", minimum=2, maximum=1000),
    ParamSpec("delimiter", "choice", "auto", "The character between values in a row; "
              "Spaces means runs of spaces or tabs, as in tables printed by programs.",
              label="Separator", choices=tuple(DELIMITERS),
              choice_labels=("Detect", "Comma", "Semicolon", "Tab", "Spaces")),
    ParamSpec("header", "bool", True, "The first row holds column names, not data.",
              label="Header row"),
    ParamSpec("seed", "int", 0, "Decides which rows land in which split.", label="Seed",
              minimum=0, maximum=2**31 - 1),
    ParamSpec("skip_lines", "int", 0, "Lines at the top of the file to pass over before the "
              "header or the first row, such as a title or notes.", label="Skip lines",
              minimum=0, maximum=10_000),
    ParamSpec("bad_values", "choice", "refuse",
              "What to do with empty or unusable cells (text in a number column, nan, inf): "
              "stop with a message naming the first, drop the rows that hold one, or fill "
              "them in (numbers with the column's median, text with its most common value). "
              "Rows without a target are always dropped when dropping or filling.",
              label="Bad values", choices=BAD_VALUE_CHOICES,
              choice_labels=("Stop with a message", "Drop those rows", "Fill them in")),
)  # fmt: skip


def parse_column_list(text: str) -> list[str]:
    """Column names from the comma-separated setting; quotes allow commas inside a name."""
    if not text.strip():
        return []
    row = next(csv.reader([text], skipinitialspace=True), [])
    return [name.strip() for name in row if name.strip()]


def format_column_list(names: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(names)
    return out.getvalue()


def _class_order(labels: set[str]) -> tuple[str, ...]:
    """Numbers in numeric order (2 before 10), other labels alphabetically."""
    numbers = {label: parse_number(label) for label in labels}
    if all(v is not None for v in numbers.values()):
        return tuple(sorted(labels, key=lambda s: (numbers[s], s)))
    return tuple(sorted(labels))


@dataclass(frozen=True)
class CsvPlan:
    """Every decision about the file, checked, before any array is built."""

    table: CsvTable
    target: int
    features: tuple[int, ...]
    task: str
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    numeric: tuple[bool, ...]
    """Per input column: True for a number column, False for a one-hot 0/1 column."""
    keep: np.ndarray | None = None
    """Rows used (a bool mask) when bad rows are dropped; None keeps every row."""
    notes: tuple[str, ...] = ()
    """What was done about bad cells, with counts, for the import dialog."""


def _target_index(table: CsvTable, name: str) -> int:
    return table.index(name) if name else len(table.columns) - 1


def _bad_mask(table: CsvTable, index: int) -> np.ndarray:
    """Rows whose cell in column `index` cannot be used as it is."""
    info = table.column(index)
    if info.numeric:
        return np.isnan(table.numbers(index))
    codes = table.codes(index)
    if codes is None:
        return np.zeros(table.n_rows, dtype=bool)
    cells, texts = codes
    empty = texts.index("") if "" in texts else -1
    return cells == empty


def _classes(table: CsvTable, target: int, keep: np.ndarray | None) -> tuple[str, ...]:
    info = table.column(target)
    codes = table.codes(target)
    if codes is None:
        raise DatasetError(f"The target {info.name!r} has more than {MAX_CLASSES} different "
                           "values: choose Regression to predict it as a number.")  # fmt: skip
    cells, texts = codes
    used = np.unique(cells if keep is None else cells[keep])
    labels = {texts[k] for k in used.tolist()}
    if "" in labels:
        line = int(table.lines[int(np.argmax(_bad_mask(table, target)))])
        raise DatasetError(f"Line {line}: the target {info.name!r} is empty; fill it "
                           "in or delete the row.")  # fmt: skip
    if len(labels) > MAX_CLASSES:
        raise DatasetError(f"The target {info.name!r} has {len(labels)} different "
                           f"values, more than {MAX_CLASSES} classes: choose Regression to "
                           "predict it as a number.")  # fmt: skip
    if len(labels) < 2:
        raise DatasetError(f"The target {info.name!r} has only one value; "
                           "classification needs at least two classes.")  # fmt: skip
    return _class_order(labels)


def plan_csv(values: dict[str, Any], progress: Progress | None = None) -> CsvPlan:
    """Read (or reuse) the table and check the column choices against it."""
    table = read_csv_table(values["path"], values["delimiter"], values["header"],
                           values.get("skip_lines", 0), progress)  # fmt: skip
    if len(table.columns) < 2:
        raise DatasetError("The CSV file has one column; it needs a target and a feature.")
    target = _target_index(table, values["target"])
    chosen = parse_column_list(values["features"])
    if chosen:
        features = [table.index(name) for name in chosen]
        if len(set(features)) != len(features):
            raise DatasetError("A feature column is listed twice.")
        if target in features:
            raise DatasetError(f"Column {table.columns[target]!r} is the target; it cannot "
                               "also be a feature.")  # fmt: skip
    else:
        features = [i for i in range(len(table.columns)) if i != target]
    policy = values.get("bad_values", "refuse")
    target_info = table.column(target)
    regression = values["task"] == "regression"
    if regression and not target_info.numeric:
        raise DatasetError(f"Column {target_info.name!r} holds text. A regression target "
                           "must be all numbers.")  # fmt: skip
    keep, notes = _bad_rows(table, target, features, policy, regression)
    if regression and keep is None and target_info.problem:
        raise DatasetError(f"{target_info.problem} A regression target must be all numbers.")
    classes = () if regression else _classes(table, target, keep)
    names: list[str] = []
    numeric: list[bool] = []
    for index in features:
        info = table.column(index)
        if info.problem and policy == "refuse":
            raise DatasetError(info.problem + " (Or choose to drop or fill bad values.)")
        if info.numeric:
            names.append(info.name)
            numeric.append(True)
            continue
        if info.distinct is None or len(info.categories) > values["max_categories"]:
            count = f"{len(info.categories)}" if info.distinct is not None else "over 1000"
            raise DatasetError(f"Column {info.name!r} holds text with {count} "
                               f"different values; one-hot encoding allows at most "
                               f"{values['max_categories']} (Max categories). Leave the column "
                               "out of the features or raise the limit.")  # fmt: skip
        names += [f"{info.name}={category}" for category in info.categories]
        numeric += [False] * len(info.categories)
        if len(names) > MAX_INPUTS:
            break
    if len(names) > MAX_INPUTS:
        raise DatasetError(f"One-hot encoding these columns would make over {len(names):,} "
                           f"inputs; at most {MAX_INPUTS:,} are allowed. Leave out text columns "
                           "with many values, or lower Max categories.")  # fmt: skip
    if not names:
        raise DatasetError("Choose at least one feature column.")
    return CsvPlan(table, target, tuple(features), values["task"], classes, tuple(names),
                   tuple(numeric), keep, tuple(notes))  # fmt: skip


def _bad_rows(
    table: CsvTable, target: int, features: list[int], policy: str, regression: bool
) -> tuple[np.ndarray | None, list[str]]:
    """Which rows to keep under the bad-value policy, and what to tell the user about it."""
    if policy == "refuse":
        return None, []
    target_bad = _bad_mask(table, target)
    drop = target_bad.copy()
    notes: list[str] = []
    if target_bad.any():
        notes.append(f"{int(target_bad.sum()):,} rows with no usable target were dropped.")
    if policy == "drop":
        feature_bad = np.zeros(table.n_rows, dtype=bool)
        for index in features:
            feature_bad |= _bad_mask(table, index)
        extra = int((feature_bad & ~drop).sum())
        drop |= feature_bad
        if extra:
            notes.append(f"{extra:,} rows with an empty or bad cell were dropped.")
    else:
        filled = sum(int((_bad_mask(table, i) & ~drop).sum()) for i in features)
        if filled:
            notes.append(f"{filled:,} empty or bad cells were filled (numbers with the "
                         "column's median, text with its most common value).")  # fmt: skip
    if drop.all():
        raise DatasetError("Every row has an empty or bad value, so no rows are left.")
    return ~drop, notes


def describe_csv(values: dict[str, Any]) -> DataInfo:
    plan = plan_csv(values)
    return DataInfo((len(plan.feature_names),), plan.task, len(plan.classes))


def _numeric_column(table: CsvTable, index: int, keep: np.ndarray | None) -> np.ndarray:
    values = table.numbers(index)
    if keep is not None:
        values = values[keep]
    if np.isnan(values).any():  # only when filling: refuse and drop leave none
        good = values[~np.isnan(values)]
        values = np.where(np.isnan(values), float(np.median(good)) if len(good) else 0.0, values)
    return values


def _onehot_columns(
    table: CsvTable, index: int, categories: tuple[str, ...], keep: np.ndarray | None
) -> list[np.ndarray]:
    codes = table.codes(index)
    assert codes is not None  # plan_csv refused columns with too many values
    cells, texts = codes
    position = np.array([categories.index(t) if t in categories else -1 for t in texts])
    picked = position[cells if keep is None else cells[keep]]
    if (picked < 0).any():  # empty cells being filled: the most common category
        counts = np.bincount(picked[picked >= 0], minlength=len(categories))
        picked = np.where(picked < 0, int(np.argmax(counts)), picked)
    onehot = np.zeros((len(picked), len(categories)))
    onehot[np.arange(len(picked)), picked] = 1.0
    return list(onehot.T)


def load_csv(values: dict[str, Any], _rng: np.random.Generator) -> RawData:
    plan = plan_csv(values)
    table, keep = plan.table, plan.keep
    columns: list[np.ndarray] = []
    sources: list[SourceColumn] = []
    for index in plan.features:
        info = table.column(index)
        if info.numeric:
            columns.append(_numeric_column(table, index, keep))
            sources.append(SourceColumn(info.name))
        else:
            columns += _onehot_columns(table, index, info.categories, keep)
            sources.append(SourceColumn(info.name, info.categories))
    x = np.stack(columns, axis=1)
    if plan.task == "regression":
        y = table.numbers(plan.target)
        y = y if keep is None else y[keep]
    else:
        cells, texts = table.codes(plan.target)  # type: ignore[misc]
        position = np.array([plan.classes.index(t) if t in plan.classes else -1 for t in texts])
        y = position[cells if keep is None else cells[keep]].astype(np.int64)
    method = values["normalization"]
    return RawData(
        x=x, y=y, feature_names=list(plan.feature_names), class_names=plan.classes,
        normalize=method, scaled_columns=np.array(plan.numeric), normalize_target=method,
        source_columns=tuple(sources) if not all(plan.numeric) else (),
    )  # fmt: skip


DATASETS.register(DatasetSpec(
    name="csv", display_name="CSV file", category=TABULAR, task="classification",
    help="Your own table from a CSV file: one row per sample, one column to predict, the "
    "others as inputs. Use Import CSV… to pick the file and the columns with a preview.",
    params=CSV_PARAMS, num_classes=0, generate=None, is_2d=False, load=load_csv,
    describe=describe_csv, kind="table",
))  # fmt: skip
