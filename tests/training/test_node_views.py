"""Inside a node: each view against a hand computation on a tiny network."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnstudio.core import layer_views
from nnstudio.core.compile import compile_graph
from nnstudio.core.errors import InputError
from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.templates import TEMPLATES, chain
from nnstudio.training import node_views
from nnstudio.training.node_views import find_module, node_view


def _network(layers, input_shape, classes=2):
    graph = Graph()
    chain(
        graph, [("input", {}), *layers, ("output", {"task": "multiclass", "loss": "cross_entropy"})]
    )
    ctx = ShapeContext(input_shape=input_shape, task="classification", num_classes=classes)
    return graph, compile_graph(graph, ctx, seed=0)


def _id(graph: Graph, layer_type: str) -> str:
    return next(nid for nid, node in graph.nodes.items() if node.type == layer_type)


def test_a_known_kernel_gives_the_known_feature_map() -> None:
    graph, model = _network(
        [
            ("conv2d", {"channels": 1, "kernel": 3, "padding": 1, "bias": False}),
            ("flatten", {}),
            ("linear", {"units": 2}),
        ],
        (1, 4, 4),
    )
    conv = _id(graph, "conv2d")
    kernel = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]], dtype=np.float32)  # "right neighbour"
    with torch.no_grad():
        find_module(model, conv).weight.copy_(torch.from_numpy(kernel)[None, None])
    image = np.arange(16, dtype=np.float32).reshape(4, 4)
    view = node_view(model, graph, conv, torch.from_numpy(image)[None, None])
    assert view is not None and view.kind == "feature_maps"
    # Each pixel takes its right neighbour's value; the last column sees the zero padding.
    expected = np.zeros((4, 4), np.float32)
    expected[:, :3] = image[:, 1:]
    assert view.values.shape == (1, 4, 4)
    np.testing.assert_allclose(view.values[0], expected)
    assert view.tile_names == ["channel 1"]


def test_pooling_shows_its_maps_too() -> None:
    graph, model = _network(
        [("maxpool2d", {"kernel": 2}), ("flatten", {}), ("linear", {"units": 2})], (2, 4, 4)
    )
    x = torch.arange(32, dtype=torch.float32).reshape(1, 2, 4, 4)
    view = node_view(model, graph, _id(graph, "maxpool2d"), x)
    assert view is not None
    np.testing.assert_allclose(view.values, torch.nn.functional.max_pool2d(x, 2)[0].numpy())


def test_the_rnn_state_is_stepping_the_rnn_by_hand() -> None:
    graph, model = _network(
        [("rnn", {"hidden": 3, "returns": "last"}), ("linear", {"units": 2})], (5, 2)
    )
    rnn_id = _id(graph, "rnn")
    x = torch.randn(1, 5, 2, generator=torch.Generator().manual_seed(1))
    view = node_view(model, graph, rnn_id, x)
    assert view is not None and view.kind == "sequence_state"
    assert (view.row_axis, view.col_axis) == ("time step", "unit")
    rnn = find_module(model, rnn_id).rnn
    w_ih, w_hh = rnn.weight_ih_l0.detach().numpy(), rnn.weight_hh_l0.detach().numpy()
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()
    h = np.zeros(3, np.float32)
    states = []
    for step in x[0].numpy():
        h = np.tanh(w_ih @ step + w_hh @ h + b)
        states.append(h)
    np.testing.assert_allclose(view.values[0], np.stack(states), rtol=1e-5, atol=1e-6)


def test_self_attention_weights_are_softmaxed_scaled_dot_products_per_head() -> None:
    graph, model = _network(
        [("self_attention", {"heads": 2}), ("flatten", {}), ("linear", {"units": 2})], (3, 4)
    )
    layer = _id(graph, "self_attention")
    x = torch.randn(1, 3, 4, generator=torch.Generator().manual_seed(2))
    view = node_view(model, graph, layer, x)
    assert view is not None and view.kind == "attention"
    assert view.values.shape == (2, 3, 3) and view.tile_names == ["head 1", "head 2"]
    np.testing.assert_allclose(view.values.sum(axis=-1), 1.0, rtol=1e-5)
    mha = find_module(model, layer).attention
    w, b = mha.in_proj_weight.detach(), mha.in_proj_bias.detach()
    q, k, _v = (x[0] @ w.T + b).split(4, dim=-1)
    for head in range(2):
        cols = slice(2 * head, 2 * head + 2)
        scores = q[:, cols] @ k[:, cols].T / math.sqrt(2)
        np.testing.assert_allclose(
            view.values[head], torch.softmax(scores, dim=-1).numpy(), rtol=1e-5, atol=1e-6
        )


def test_cross_attention_and_pointer_weights_match_the_modules_own() -> None:
    project = TEMPLATES.get("pointer_sort").build()
    graph = project.graph
    ctx = ShapeContext(input_shape=(6,), task="classification", num_classes=6, target_steps=6)
    model = compile_graph(graph, ctx, seed=0)
    x = torch.randperm(20, generator=torch.Generator().manual_seed(3))[:6][None]
    for layer_type, heads in (("cross_attention", 2), ("pointer", 1)):
        layer = _id(graph, layer_type)
        view = node_view(model, graph, layer, x)
        assert view is not None and view.values.shape == (heads, 6, 6)
        np.testing.assert_allclose(view.values.sum(axis=-1), 1.0, rtol=1e-5)
        own = find_module(model, layer).last_weights[0].numpy()  # heads averaged
        np.testing.assert_allclose(view.values.mean(axis=0), own, rtol=1e-5, atol=1e-6)


def test_layers_inside_blocks_have_views_per_copy() -> None:
    project = TEMPLATES.get("transformer_copy").build()
    graph = project.graph
    model = compile_graph(
        graph, ShapeContext(input_shape=(10,), task="classification", num_classes=8), seed=0
    )
    layers = node_views.viewable_layers(graph, model)
    block = _id(graph, "block")
    inner = next(
        nid for nid, n in graph.nodes[block].block.graph.nodes.items() if n.type == "self_attention"
    )
    assert [v.layer_id for v in layers] == [f"{block}#1/{inner}", f"{block}#2/{inner}"]
    assert "in Encoder copy 2" in layers[1].label
    assert layer_views.layer_id_for(graph, [block], inner) == f"{block}#1/{inner}"
    x = torch.arange(10)[None] % 8
    first = node_view(model, graph, layers[0].layer_id, x)
    second = node_view(model, graph, layers[1].layer_id, x)
    assert first is not None and second is not None
    assert first.values.shape == (4, 10, 10)
    assert not np.allclose(first.values, second.values)  # each copy has its own weights


def test_a_layer_without_a_view_gives_none() -> None:
    graph, model = _network([("linear", {"units": 2})], (3,))
    assert node_view(model, graph, _id(graph, "linear"), torch.zeros(1, 3)) is None


def test_the_sample_index_is_checked_and_named() -> None:
    from nnstudio.core.datasets import load_dataset

    dataset = load_dataset(TEMPLATES.get("digits_cnn").build().dataset)
    x, caption = node_views.sample_of(dataset, 2)
    assert x.shape == (1, 1, 8, 8) and np.array_equal(x[0], dataset.x_val[2])
    assert caption.startswith("Validation sample 2 · label: ")
    count = node_views.sample_count(dataset)
    with pytest.raises(InputError, match=f"from 0 to {count - 1}"):
        node_views.sample_of(dataset, count)


def test_a_token_sample_names_its_tokens() -> None:
    from nnstudio.core.datasets import load_dataset

    dataset = load_dataset(TEMPLATES.get("lstm_parity").build().dataset)
    _x, caption = node_views.sample_of(dataset, 0)
    assert caption.endswith("tokens: " + " ".join(str(int(t)) for t in dataset.x_val[0]))


def test_a_conv_after_a_reshape_shows_what_it_was_given() -> None:
    from nnstudio.core.datasets import load_dataset

    project = TEMPLATES.get("digits_cnn").build()
    dataset = load_dataset(project.dataset)
    flat = dataset.x_val.reshape(len(dataset.x_val), 64)
    dataset.x_val = flat  # a network that gets the digits as 64 numbers
    graph, model = _network(
        [
            ("reshape", {"shape": "1,8,8"}),
            ("conv2d", {"channels": 2, "kernel": 3, "padding": 1}),
            ("flatten", {}),
            ("linear", {"units": 10}),
        ],
        (64,),
        classes=10,
    )
    view = node_views.sample_view(model, graph, dataset, _id(graph, "conv2d"), 4)
    assert view is not None and view.values.shape == (2, 8, 8)
    np.testing.assert_allclose(view.sample, flat[4].reshape(8, 8))
