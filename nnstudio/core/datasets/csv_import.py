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

from nnstudio.core.datasets.csv_table import DELIMITERS, CsvTable, parse_number, read_csv_table
from nnstudio.core.datasets.sklearn_sets import TABULAR
from nnstudio.core.datasets.spec import (
    DATASETS,
    NORMALIZATIONS,
    DataInfo,
    DatasetSpec,
    RawData,
)
from nnstudio.core.errors import DatasetError
from nnstudio.core.params import ParamSpec, params

MAX_CLASSES = 100
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
    ParamSpec("delimiter", "choice", "auto", "The character between values in a row.",
              label="Separator", choices=tuple(DELIMITERS),
              choice_labels=("Detect", "Comma", "Semicolon", "Tab")),
    ParamSpec("header", "bool", True, "The first row holds column names, not data.",
              label="Header row"),
    ParamSpec("seed", "int", 0, "Decides which rows land in which split.", label="Seed",
              minimum=0, maximum=2**31 - 1),
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


def _target_index(table: CsvTable, name: str) -> int:
    return table.index(name) if name else len(table.columns) - 1


def plan_csv(values: dict[str, Any]) -> CsvPlan:
    """Read (or reuse) the table and check the column choices against it."""
    table = read_csv_table(values["path"], values["delimiter"], values["header"])
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
    target_info = table.column(target)
    classes: tuple[str, ...] = ()
    if values["task"] == "regression":
        if not target_info.numeric or target_info.problem:
            problem = target_info.problem or f"Column {target_info.name!r} holds text."
            raise DatasetError(f"{problem} A regression target must be all numbers.")
    else:
        labels = {row[target] for row in table.rows}
        if "" in labels:
            line = table.lines[[row[target] for row in table.rows].index("")]
            raise DatasetError(f"Line {line}: the target {target_info.name!r} is empty; fill it "
                               "in or delete the row.")  # fmt: skip
        if len(labels) > MAX_CLASSES:
            raise DatasetError(f"The target {target_info.name!r} has {len(labels)} different "
                               f"values, more than {MAX_CLASSES} classes: choose Regression to "
                               "predict it as a number.")  # fmt: skip
        if len(labels) < 2:
            raise DatasetError(f"The target {target_info.name!r} has only one value; "
                               "classification needs at least two classes.")  # fmt: skip
        classes = _class_order(labels)
    names: list[str] = []
    numeric: list[bool] = []
    for index in features:
        info = table.column(index)
        if info.problem:
            raise DatasetError(info.problem)
        if info.numeric:
            names.append(info.name)
            numeric.append(True)
            continue
        if len(info.categories) > values["max_categories"]:
            raise DatasetError(f"Column {info.name!r} holds text with {len(info.categories)} "
                               f"different values; one-hot encoding allows at most "
                               f"{values['max_categories']} (Max categories). Leave the column "
                               "out of the features or raise the limit.")  # fmt: skip
        names += [f"{info.name}={category}" for category in info.categories]
        numeric += [False] * len(info.categories)
    if not names:
        raise DatasetError("Choose at least one feature column.")
    return CsvPlan(table, target, tuple(features), values["task"], classes, tuple(names),
                   tuple(numeric))  # fmt: skip


def describe_csv(values: dict[str, Any]) -> DataInfo:
    plan = plan_csv(values)
    return DataInfo((len(plan.feature_names),), plan.task, len(plan.classes))


def load_csv(values: dict[str, Any], _rng: np.random.Generator) -> RawData:
    plan = plan_csv(values)
    rows = plan.table.rows
    columns: list[np.ndarray] = []
    for index in plan.features:
        info = plan.table.column(index)
        cells = [row[index] for row in rows]
        if info.numeric:
            columns.append(np.array([float(c) for c in cells], dtype=np.float64))
        else:
            lookup = {category: k for k, category in enumerate(info.categories)}
            onehot = np.zeros((len(rows), len(info.categories)))
            onehot[np.arange(len(rows)), [lookup[c] for c in cells]] = 1.0
            columns += list(onehot.T)
    x = np.stack(columns, axis=1)
    if plan.task == "regression":
        y = np.array([float(row[plan.target]) for row in rows])
    else:
        lookup = {label: k for k, label in enumerate(plan.classes)}
        y = np.array([lookup[row[plan.target]] for row in rows], dtype=np.int64)
    method = values["normalization"]
    return RawData(
        x=x, y=y, feature_names=list(plan.feature_names), class_names=plan.classes,
        normalize=method, scaled_columns=np.array(plan.numeric), normalize_target=method,
    )  # fmt: skip


DATASETS.register(DatasetSpec(
    name="csv", display_name="CSV file", category=TABULAR, task="classification",
    help="Your own table from a CSV file: one row per sample, one column to predict, the "
    "others as inputs. Use Import CSV… to pick the file and the columns with a preview.",
    params=CSV_PARAMS, num_classes=0, generate=None, is_2d=False, load=load_csv,
    describe=describe_csv, kind="table",
))  # fmt: skip
