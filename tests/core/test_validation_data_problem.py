"""The Input node says why the data cannot be described, not just that there is none."""

from __future__ import annotations

from nnstudio.core.layers import ShapeContext
from nnstudio.core.templates import mlp
from nnstudio.core.validation import analyze


def test_input_names_the_data_problem():
    graph = mlp([4], "tanh")
    problem = "the CSV file /nowhere/data.csv does not exist; pick it again."
    analysis = analyze(graph, ShapeContext(None, data_problem=problem))
    messages = [p.message for p in analysis.errors]
    assert any(problem in m and m.startswith("Input (n1) has no data") for m in messages), messages


def test_input_without_a_dataset_asks_for_one():
    analysis = analyze(mlp([4], "tanh"), ShapeContext(None))
    assert any("choose a dataset" in p.message for p in analysis.errors)
