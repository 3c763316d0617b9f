"""Every CSV file scikit-learn ships, found in its package at run time, imports and trains.

They are a fair sample of what people bring: a metadata first line wider or narrower than
the rows (iris, wine, breast cancer), space-separated tables (diabetes, linnerud), gzipped
files, no header at all (digits). The import settings are chosen per file the way a person
would in the dialog: skip a first line that does not match the rows, no header when the
first row is numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

sklearn = pytest.importorskip("sklearn")

from nnstudio.core.datasets import DatasetConfig, load_dataset  # noqa: E402
from nnstudio.core.datasets.csv_table import read_csv_table  # noqa: E402
from nnstudio.core.errors import DatasetError  # noqa: E402
from nnstudio.core.graph import Graph  # noqa: E402
from nnstudio.core.settings import TrainingSettings  # noqa: E402
from nnstudio.core.templates import chain  # noqa: E402
from nnstudio.training import Trainer  # noqa: E402

DATA = Path(sklearn.__file__).parent / "datasets" / "data"
CSVS = sorted(p for p in DATA.glob("*") if p.name.endswith((".csv", ".csv.gz")))


def import_settings(path: Path) -> dict:
    """Header or not, lines to skip: what the preview shows a person."""
    try:
        table = read_csv_table(path)
    except DatasetError:  # a first line of counts and class names, not as wide as the rows
        return {"header": False, "skip_lines": 1}
    names_are_numbers = all(_is_number(name) for name in table.columns)
    if names_are_numbers and table.n_rows > 1:
        wide = read_csv_table(path, header=False)
        first = wide.preview[0]
        if len(first) == len(table.columns) and table.column(0).numeric:
            # iris and wine: "150,4,setosa,..." has the rows' width but is not a row
            counts = first[0].isdigit() and int(first[0]) == table.n_rows
            return {"header": False, "skip_lines": 1} if counts else {"header": False}
    return {"header": True}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def network(inputs_task: str, classes: int) -> Graph:
    task, loss, units = {
        "binary": ("binary", "bce", 1),
        "multiclass": ("multiclass", "cross_entropy", classes),
        "regression": ("regression", "mse", 1),
    }[inputs_task]
    graph = Graph()
    layers = [("input", {}), ("linear", {"units": 16}), ("relu", {}),
              ("linear", {"units": units}), ("output", {"task": task, "loss": loss})]  # fmt: skip
    chain(graph, layers)
    return graph


def test_scikit_learn_ships_csv_files() -> None:
    assert len(CSVS) >= 5, f"found only {[p.name for p in CSVS]} in {DATA}"


@pytest.mark.parametrize("path", CSVS, ids=[p.name for p in CSVS])
def test_each_scikit_learn_csv_imports_and_trains(path: Path) -> None:
    values = {"path": str(path), **import_settings(path)}
    table = read_csv_table(path, header=values["header"], skip_lines=values.get("skip_lines", 0))
    if len(table.columns) < 2:
        pytest.skip(f"{path.name} has one column (a target without features)")
    target = table.column(len(table.columns) - 1)
    classes = target.distinct or 0
    task = "classification" if target.numeric and 2 <= classes <= 20 else "regression"
    data = load_dataset(DatasetConfig("csv", {**values, "task": task}))
    assert len(data.x_train) > 0 and data.x_train.shape[1] == len(table.columns) - 1
    kind = "regression" if task == "regression" else ("binary" if classes == 2 else "multiclass")
    trainer = Trainer(
        network(kind, classes), data, TrainingSettings({"epochs": 2, "batch_size": 32})
    )
    final = list(trainer.run())[-1]
    assert math.isfinite(final.train_loss)
