"""Compiling a graph to torch: the DAG runs, seeds repeat, initializers do what they say."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nnstudio.core import compile as compile_mod
from nnstudio.core import validation
from nnstudio.core.compile import compile_graph
from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph
from nnstudio.core.initializers import INITIALIZERS
from nnstudio.core.layers import ShapeContext

FLAT = ShapeContext(input_shape=(2,), task="classification", num_classes=2)


def chain(graph: Graph, start: str | None, *layers: tuple[str, dict]) -> str:
    previous = start
    for layer_type, values in layers:
        node = graph.add_node(layer_type, values)
        if previous is not None:
            graph.connect(previous, "out", node.id, node.spec.inputs[0].name)
        previous = node.id
    assert previous is not None
    return previous


def merge_graph(merge: str) -> tuple[Graph, dict[str, str]]:
    """Input → two Linear branches → merge → Linear(1) → Output."""
    graph = Graph()
    inp = chain(graph, None, ("input", {}))
    a = chain(graph, inp, ("linear", {"units": 4}), ("tanh", {}))
    b = chain(graph, inp, ("linear", {"units": 4}))
    join = graph.add_node(merge)
    graph.connect(a, "out", join.id, "a")
    graph.connect(b, "out", join.id, "b")
    head = chain(graph, join.id, ("linear", {"units": 1}))
    chain(graph, head, ("output", {}))
    return graph, {"a_lin": "n2", "a_act": a, "b": b, "join": join.id, "head": head}


@pytest.mark.parametrize("merge", ["add", "concatenate"])
def test_branches_and_merges_run_the_dag(merge: str) -> None:
    graph, ids = merge_graph(merge)
    model = compile_graph(graph, FLAT, seed=1)
    layers = model.layers
    x = torch.randn(5, 2)
    a = torch.tanh(layers[ids["a_lin"]](x))
    b = layers[ids["b"]](x)
    joined = a + b if merge == "add" else torch.cat([a, b], dim=1)
    expected = layers[ids["head"]](joined)
    torch.testing.assert_close(model(x), expected)
    assert layers[ids["head"]].in_features == (4 if merge == "add" else 8)
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_module_keys_labels_and_parametric_layers() -> None:
    graph, ids = merge_graph("add")
    model = compile_graph(graph, FLAT)
    # Input and Output are not modules; every other node is, keyed by its id.
    assert set(model.layers.keys()) == set(graph.nodes) - {
        "n1",
        graph.nodes_of_role("output")[0].id,
    }
    assert model.labels[ids["join"]] == f"Add ({ids['join']})"
    names = [nid for nid, _m in model.parametric_layers()]
    assert names[-1] == ids["head"]
    assert set(names) == {ids["a_lin"], ids["b"], ids["head"]}


def test_dangling_nodes_are_not_built() -> None:
    graph, _ids = merge_graph("add")
    side = chain(graph, "n1", ("linear", {"units": 3}))
    model = compile_graph(graph, FLAT)
    assert side not in model.layers


def test_invalid_graph_is_refused_with_its_first_error() -> None:
    graph, _ids = merge_graph("add")
    graph.set_param("n2", "units", 5)
    with pytest.raises(GraphError, match="same shape") as info:
        compile_graph(graph, FLAT)
    assert info.value.node_id is not None


def _mlp(width: int = 8) -> Graph:
    graph = Graph()
    chain(
        graph,
        None,
        ("input", {}),
        ("linear", {"units": width}),
        ("relu", {}),
        ("linear", {"units": width}),
        ("relu", {}),
        ("linear", {"units": 1}),
        ("output", {}),
    )
    return graph


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("initializer", INITIALIZERS.names())
def test_same_seed_gives_identical_weights(initializer: str) -> None:
    torch.manual_seed(123)  # global state must not matter
    first = _state(compile_graph(_mlp(), FLAT, initializer, seed=7))
    torch.randn(100)
    second = _state(compile_graph(_mlp(), FLAT, initializer, seed=7))
    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key
    if initializer != "zeros":
        other = _state(compile_graph(_mlp(), FLAT, initializer, seed=8))
        assert not all(torch.equal(first[k], other[k]) for k in first)


FAN_IN, FAN_OUT = 400, 300


def _big_linear(initializer: str, scale: float = 1.0, seed: int = 0) -> nn.Linear:
    graph = Graph()
    chain(
        graph,
        None,
        ("input", {}),
        ("linear", {"units": FAN_OUT}),
        ("linear", {"units": 1}),
        ("output", {}),
    )
    model = compile_graph(graph, ShapeContext((FAN_IN,), "classification", 2), initializer,
                          scale, seed)  # fmt: skip
    return model.layers["n2"]


UNIFORM = math.sqrt(3.0)  # a uniform on [-b, b] has std b / sqrt(3)
EXPECTED_STD = {
    "default": 1 / math.sqrt(3 * FAN_IN),  # kaiming_uniform(a=sqrt(5)): bound 1/sqrt(fan_in)
    "xavier_uniform": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "xavier_normal": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_uniform": math.sqrt(2 / FAN_IN),
    "he_normal": math.sqrt(2 / FAN_IN),
}


@pytest.mark.parametrize("initializer", sorted(EXPECTED_STD))
def test_initializer_statistics(initializer: str) -> None:
    layer = _big_linear(initializer)
    weight = layer.weight.detach()
    std = EXPECTED_STD[initializer]
    assert abs(weight.mean().item()) < 0.02 * std
    assert weight.std().item() == pytest.approx(std, rel=0.03)
    peak = weight.abs().max().item() / std
    if initializer.endswith("normal"):
        assert peak > UNIFORM * 1.5  # bell-curve tails reach far past a uniform's edge
    else:
        assert peak <= UNIFORM + 1e-4
    bias = layer.bias.detach()
    if initializer == "default":
        assert bias.abs().max() > 0 and bias.abs().max() <= 1 / math.sqrt(FAN_IN)
    else:
        assert torch.count_nonzero(bias) == 0


def test_zeros_initializer_zeroes_everything() -> None:
    model = compile_graph(_mlp(), FLAT, "zeros", seed=0)
    for tensor in model.parameters():
        assert torch.count_nonzero(tensor) == 0


def test_conv_weights_are_initialized_too() -> None:
    graph = Graph()
    chain(
        graph,
        None,
        ("input", {}),
        ("conv2d", {"channels": 64, "kernel": 3}),
        ("flatten", {}),
        ("linear", {"units": 1}),
        ("output", {}),
    )
    ctx = ShapeContext((16, 4, 4), "classification", 2)
    conv = compile_graph(graph, ctx, "he_normal", seed=0).layers["n2"]
    fan_in = 16 * 9
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.05)


@pytest.mark.parametrize("initializer", ["default", "he_normal"])
def test_init_scale_multiplies_weights(initializer: str) -> None:
    base = _big_linear(initializer, 1.0)
    scaled = _big_linear(initializer, 3.0)
    torch.testing.assert_close(scaled.weight, base.weight * 3.0)
    torch.testing.assert_close(scaled.bias, base.bias)


def test_too_many_parameters_is_refused_before_allocating(monkeypatch) -> None:
    built: list[tuple[int, int]] = []

    class Spy(nn.Linear):
        def __init__(self, n_in: int, n_out: int, **kw) -> None:
            built.append((n_in, n_out))
            super().__init__(n_in, n_out, **kw)

    monkeypatch.setattr(nn, "Linear", Spy)
    graph = Graph()
    chain(
        graph,
        None,
        ("input", {}),
        *[("linear", {"units": 65536})] * 3,
        ("linear", {"units": 1}),
        ("output", {}),
    )
    with pytest.raises(GraphError, match=r"parameters, more than the 200,000,000") as info:
        compile_graph(graph, FLAT)
    assert "make the layers smaller" in str(info.value)
    assert built == []
    compile_graph(_mlp(), FLAT)  # the spy does see layers that are built
    assert built == [(2, 8), (8, 8), (8, 1)]


def _set_limit(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    for module in (compile_mod, validation):
        if hasattr(module, "MAX_PARAMETERS"):
            monkeypatch.setattr(module, "MAX_PARAMETERS", limit)


def test_parameter_limit_counts_only_what_is_built(monkeypatch) -> None:
    graph = _mlp()  # 2-8-8-1: 24 + 72 + 9 = 105 parameters
    assert sum(p.numel() for p in compile_graph(graph, FLAT).parameters()) == 105
    _set_limit(monkeypatch, 105)
    compile_graph(graph, FLAT)  # exactly at the limit is allowed
    _set_limit(monkeypatch, 104)
    with pytest.raises(GraphError, match="105 parameters"):
        compile_graph(graph, FLAT)
    # A huge layer that is not on the path to the Output is never built, so it does not count.
    _set_limit(monkeypatch, 105)
    chain(graph, "n1", ("linear", {"units": 4096}))
    compile_graph(graph, FLAT)


@pytest.mark.parametrize(
    "odd_id",
    [
        "forward",
        "training",
        "keys",
        "layers",
        "a.b",
        "x y",
        "_n2",
        "2",
        "n2.weight",
        "é",
        "__init__",
    ],
)
def test_any_node_id_compiles_and_runs(odd_id: str) -> None:
    """Ids that are module attributes, hold dots or start oddly still compile, train and
    keep weights apart; only the submodule's name differs from the id."""
    graph = Graph()
    chain(graph, None, ("input", {}))
    graph.add_node("linear", {"units": 3}, node_id=odd_id)
    graph.connect("n1", "out", odd_id, "in")
    tail = chain(graph, odd_id, ("relu", {}), ("linear", {"units": 1}))
    chain(graph, tail, ("output", {}))
    model = compile_graph(graph, FLAT, seed=0)
    x = torch.randn(4, 2)
    inner = model.module_for(odd_id)
    assert isinstance(inner, torch.nn.Linear) and inner.out_features == 3
    torch.testing.assert_close(model(x), model.module_for(tail)(torch.relu(inner(x))))
    assert [nid for nid, _m in model.parametric_layers()] == [odd_id, tail]
    assert model.labels[odd_id] == f"Linear ({odd_id})"
    state = model.state_dict()
    assert len(state) == 4 and all(key.count(".") == 2 for key in state)
    again = compile_graph(graph, FLAT, seed=5)
    again.load_state_dict(state)  # the names are stable from one compile to the next
    torch.testing.assert_close(again(x), model(x))


def test_module_names_keep_plain_ids_and_never_collide() -> None:
    from nnstudio.core.compile import module_name

    assert module_name("n3") == "n3"  # saved files hold keys like layers.n3.weight
    odd = ["forward", "keys", "a.b", "_n3", "", "n3 ", "é"]
    names = [module_name(i) for i in ["n3", "x_y", *odd]]
    assert len(set(names)) == len(names)
    assert all("." not in n and n for n in names)


def test_existing_weight_keys_still_load() -> None:
    """A project saved before ids were mapped keeps loading: plain ids keep their keys."""
    graph, ids = merge_graph("add")
    model = compile_graph(graph, FLAT)
    assert f"layers.{ids['head']}.weight" in model.state_dict()
    assert f"layers.{ids['a_lin']}.bias" in model.state_dict()


def test_a_project_with_odd_ids_saves_and_reopens_with_its_weights(tmp_path) -> None:
    """Ids that name nn.Module attributes survive a file; ids with dots never reach one (the
    loader refuses them, tests/core/test_hostile_world*), so they are compile-only above."""
    from nnstudio.core.datasets import DatasetConfig
    from nnstudio.core.project import Project
    from nnstudio.core.project_files import load_project, save_project

    graph = Graph()
    graph.add_node("input", node_id="keys")
    graph.add_node("linear", {"units": 4}, node_id="training")
    graph.add_node("tanh", node_id="a-b")
    graph.add_node("linear", {"units": 1}, node_id="forward")
    graph.add_node("output", node_id="out_put")
    for a, b in (
        ("keys", "training"),
        ("training", "a-b"),
        ("a-b", "forward"),
        ("forward", "out_put"),
    ):
        graph.connect(a, "out", b, "in")
    project = Project(graph, DatasetConfig("xor"))
    model = compile_graph(graph, project.shape_context(), seed=3)
    from nnstudio.core.run_io import single_run_book

    book = single_run_book(project, model.state_dict(), None)
    path = save_project(tmp_path / "odd.nnstudio", project, book)
    loaded = load_project(path)
    assert loaded.weights is not None and set(loaded.weights) == set(model.state_dict())
    again = compile_graph(loaded.project.graph, loaded.project.shape_context(), seed=9)
    again.load_state_dict(loaded.weights)
    x = torch.randn(3, 2)
    torch.testing.assert_close(again(x), model(x))
