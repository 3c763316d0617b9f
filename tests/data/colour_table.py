"""A small CSV table with a text column, for asking a network about text categories."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.project import Project
from nnstudio.core.templates import mlp

COLOURS = ("blue", "green", "red")


def write_colour_csv(folder: Path, rows: int = 90) -> Path:
    """length, width, colour (text), kind: the kind depends on the colour and the length."""
    rng = np.random.default_rng(7)
    lines = ["length,width,colour,kind"]
    for i in range(rows):
        colour = COLOURS[i % 3]
        length = rng.uniform(4.0, 8.0)
        width = rng.uniform(2.0, 4.0)
        kind = "big" if (length > 6.0) != (colour == "red") else "small"
        lines.append(f"{length:.2f},{width:.2f},{colour},{kind}")
    path = folder / "colours.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def colour_project(folder: Path) -> Project:
    """A small MLP on the colour table (two classes, cross-entropy)."""
    graph = mlp([8], "tanh", "multiclass", "cross_entropy")
    [n for n in graph.nodes.values() if n.type == "linear"][-1].params["units"] = 2
    return Project(graph, DatasetConfig("csv", {"path": str(write_colour_csv(folder))}))
