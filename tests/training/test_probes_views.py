"""Dead units and histograms against a hand computation on a tiny network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.compile import compile_graph
from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.templates import chain
from nnstudio.training.probes_views import trainer_views
from nnstudio.training.trainer import ProbeOptions


def _tiny():
    graph = Graph()
    chain(
        graph,
        [
            ("input", {}),
            ("linear", {"units": 3}),
            ("relu", {}),
            ("linear", {"units": 1}),
            ("output", {"task": "binary", "loss": "bce"}),
        ],
    )
    model = compile_graph(graph, ShapeContext((2,), "classification", 2, 1))
    first, relu = model.parametric_layers()[0][0], "n3"
    layer = model.layers[first]
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
        layer.bias.copy_(torch.tensor([0.0, 0.0, -10.0]))
    layer.weight.grad = torch.tensor([[0.5, 0.5], [0.5, 0.5], [0.5, 4.5]])
    return model, first, relu


def test_dead_share_and_histograms_match_a_hand_computation() -> None:
    model, first, relu = _tiny()
    x = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    dead, hists = trainer_views(model, x, ProbeOptions(histogram_bins=4))
    # Pre-activations: unit 0 -> 1, 3; unit 1 -> 2, -1; unit 2 -> -13, -12 (never fires).
    assert dead == {relu: pytest.approx(1 / 3)}
    weights = hists["weights"][first]
    # Weights 1, 0, 0, 1, -1, -1 over [-1, 1] in four bins of 0.5.
    assert np.allclose(weights.edges, [-1.0, -0.5, 0.0, 0.5, 1.0])
    assert weights.counts.tolist() == [2, 0, 2, 2]
    # ReLU outputs 1, 2, 0, 3, 0, 0 over [0, 3] in bins of 0.75.
    acts = hists["activations"][relu]
    assert np.allclose(acts.edges, [0.0, 0.75, 1.5, 2.25, 3.0])
    assert acts.counts.tolist() == [3, 1, 1, 1]
    # Gradients 0.5 (x5) and 4.5 over [0.5, 4.5] in bins of 1.
    grads = hists["gradients"][first]
    assert grads.counts.tolist() == [5, 0, 0, 1]


def test_a_unit_that_fires_once_is_alive() -> None:
    model, _first, relu = _tiny()
    x = torch.tensor([[1.0, 2.0], [-20.0, -20.0]])  # unit 2 fires for the second sample
    dead, _h = trainer_views(model, x, ProbeOptions(histogram_bins=4))
    assert dead[relu] == 0.0


def test_unit_maps_are_each_units_output_over_the_plane() -> None:
    from nnstudio.training.probes_views import unit_maps

    model, first, relu = _tiny()
    xs = np.linspace(-1.0, 1.0, 4, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))
    maps = unit_maps(model, grid, 4)
    # Unit 0 of the first Linear is x1, unit 1 is x2, unit 2 is -x1 - x2 - 10.
    assert maps[first].shape == (3, 4, 4)
    assert np.allclose(maps[first][0], gx) and np.allclose(maps[first][1], gy)
    assert np.allclose(maps[first][2], -gx - gy - 10)
    assert np.allclose(maps[relu][0], np.maximum(gx, 0))
