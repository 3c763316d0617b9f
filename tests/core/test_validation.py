"""Shape inference and validation: every problem is found, placed on its node and worded."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Edge, Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.validation import analyze, check_connection

FLAT = ShapeContext(input_shape=(2,), task="classification", num_classes=2)
IMAGE = ShapeContext(input_shape=(1, 8, 8), task="classification", num_classes=10)


def chain(graph: Graph, *layers: tuple[str, dict]) -> list[str]:
    ids = []
    for layer_type, values in layers:
        node = graph.add_node(layer_type, values)
        if ids:
            graph.connect(ids[-1], "out", node.id, node.spec.inputs[0].name)
        ids.append(node.id)
    return ids


def mlp() -> Graph:
    graph = Graph()
    chain(
        graph,
        ("input", {}),
        ("linear", {"units": 8}),
        ("tanh", {}),
        ("linear", {"units": 1}),
        ("output", {}),
    )
    return graph


def test_valid_mlp_gets_shapes_and_counts() -> None:
    graph = mlp()
    result = analyze(graph, FLAT)
    assert result.ok and result.problems == []
    assert result.order == ["n1", "n2", "n3", "n4", "n5"]
    assert result.node_shapes == {"n1": (2,), "n2": (8,), "n3": (8,), "n4": (1,), "n5": (1,)}
    assert result.edge_shapes[Edge.of("n2", "out", "n3", "in")] == (8,)
    assert result.param_counts["n2"] == 2 * 8 + 8
    assert result.param_counts["n4"] == 8 + 1
    assert result.total_params == 24 + 9
    assert result.active == set(graph.nodes)


def test_missing_input_and_output_are_reported() -> None:
    graph = Graph()
    graph.add_node("linear")
    messages = [p.message for p in analyze(graph, FLAT).errors]
    assert any("no Input" in m for m in messages)
    assert any("no Output" in m for m in messages)
    assert not analyze(graph, FLAT).ok


def test_extra_input_is_an_error_on_that_node() -> None:
    graph = mlp()
    extra = graph.add_node("input")
    problems = analyze(graph, FLAT).problems_for(extra.id)
    assert any(p.severity == "error" and "only one Input" in p.message for p in problems)


def test_dangling_node_is_a_warning_naming_it() -> None:
    graph = mlp()
    side = graph.add_node("relu")
    graph.connect("n2", "out", side.id, "in")
    result = analyze(graph, FLAT)
    assert result.ok  # a warning does not block training
    [problem] = result.problems
    assert problem.severity == "warning" and problem.node_id == side.id
    assert f"ReLU ({side.id}) is not on a path from Input to Output" in problem.message
    assert side.id not in result.active


def test_unconnected_input_port_is_an_error_on_the_node() -> None:
    graph = mlp()
    graph.disconnect(Edge.of("n2", "out", "n3", "in"))
    result = analyze(graph, FLAT)
    assert not result.ok
    messages = [p.message for p in result.problems_for("n3") if p.severity == "error"]
    assert messages == [
        "Tanh (n3) has nothing connected to its input: connect a layer to it or delete it."
    ]


def test_linear_on_an_image_says_insert_flatten() -> None:
    graph = Graph()
    multiclass = {"task": "multiclass", "loss": "cross_entropy"}
    chain(graph, ("input", {}), ("linear", {"units": 10}), ("output", multiclass))
    result = analyze(graph, IMAGE)
    [problem] = result.errors
    assert problem.node_id == "n2"
    assert problem.message == (
        "Linear (n2) needs a flat input but gets (1, 8, 8): insert a Flatten before it."
    )


def test_check_connection_refuses_rank_mismatch_and_leaves_graph_unchanged() -> None:
    graph = Graph()
    graph.add_node("input")
    graph.add_node("linear", {"units": 10})
    before = graph.to_dict()
    seen = []
    graph.subscribe(seen.append)
    with pytest.raises(GraphError) as info:
        check_connection(graph, Edge.of("n1", "out", "n2", "in"), IMAGE)
    assert str(info.value) == (
        "Linear (n2) needs a flat input but gets (1, 8, 8): insert a Flatten before it."
    )
    assert info.value.node_id == "n2"
    assert graph.to_dict() == before and seen == []
    # The same edge is fine for flat data, and check_connection still does not add it.
    check_connection(graph, Edge.of("n1", "out", "n2", "in"), FLAT)
    assert graph.edges == []


def test_check_connection_applies_structural_rules() -> None:
    graph = mlp()
    graph.add_node("relu")
    with pytest.raises(GraphError, match=r"Tanh \(n3\) already takes its input"):
        check_connection(graph, Edge.of("n6", "out", "n3", "in"), FLAT)


def test_check_connection_for_image_port() -> None:
    graph = Graph()
    graph.add_node("input")
    graph.add_node("conv2d")
    with pytest.raises(GraphError, match=r"Conv2d \(n2\) needs an image input"):
        check_connection(graph, Edge.of("n1", "out", "n2", "in"), FLAT)
    check_connection(graph, Edge.of("n1", "out", "n2", "in"), IMAGE)


def test_add_with_mismatched_shapes_is_an_error() -> None:
    graph = Graph()
    ids = chain(graph, ("input", {}), ("linear", {"units": 4}))
    other = graph.add_node("linear", {"units": 5})
    graph.connect("n1", "out", other.id, "in")
    add = graph.add_node("add")
    graph.connect(ids[-1], "out", add.id, "a")
    graph.connect(other.id, "out", add.id, "b")
    chain_from = graph.add_node("linear", {"units": 1})
    graph.connect(add.id, "out", chain_from.id, "in")
    out = graph.add_node("output")
    graph.connect(chain_from.id, "out", out.id, "in")
    result = analyze(graph, FLAT)
    [problem] = result.errors
    assert problem.node_id == add.id
    assert problem.message.startswith(f"Add ({add.id}) needs both inputs to have the same shape")
    assert "(4) and (5)" in problem.message
    # Downstream nodes get no shape, and no second error blaming them.
    assert chain_from.id not in result.node_shapes
    graph.set_param(other.id, "units", 4)
    assert analyze(graph, FLAT).ok


def test_output_size_mismatch_says_how_many_units() -> None:
    graph = mlp()
    graph.set_param("n4", "units", 3)
    [problem] = analyze(graph, FLAT).errors
    assert problem.node_id == "n5"
    assert problem.message == (
        "Output (n5) needs 1 value per sample but gets (3): set the last Linear to 1 unit."
    )
    multiclass = ShapeContext((2,), "classification", 5)
    graph.set_param("n5", "task", "multiclass")
    graph.set_param("n5", "loss", "cross_entropy")
    [problem] = analyze(graph, multiclass).errors
    assert "needs 5 values" in problem.message
    assert "set the last Linear to 5 units" in problem.message


def test_image_into_output_says_add_flatten_and_linear() -> None:
    graph = Graph()
    chain(graph, ("input", {}), ("output", {"task": "multiclass", "loss": "cross_entropy"}))
    [problem] = analyze(graph, IMAGE).errors
    assert "add a Flatten and a Linear with 10 units" in problem.message


def test_input_without_data_is_an_error() -> None:
    graph = mlp()
    result = analyze(graph, ShapeContext(input_shape=None))
    assert any(p.node_id == "n1" and "choose a dataset" in p.message for p in result.errors)


def test_conv_net_shapes_and_counts() -> None:
    graph = Graph()
    chain(
        graph,
        ("input", {}),
        ("conv2d", {"channels": 4, "kernel": 3, "padding": 1}),
        ("relu", {}),
        ("maxpool2d", {"kernel": 2}),
        ("flatten", {}),
        ("linear", {"units": 10}),
        ("output", {"task": "multiclass", "loss": "cross_entropy"}),
    )
    result = analyze(graph, IMAGE)
    assert result.ok, result.problems
    assert result.node_shapes["n2"] == (4, 8, 8)
    assert result.node_shapes["n4"] == (4, 4, 4)
    assert result.node_shapes["n5"] == (64,)
    assert result.param_counts["n2"] == 4 * 1 * 9 + 4
    assert result.total_params == 40 + 64 * 10 + 10
