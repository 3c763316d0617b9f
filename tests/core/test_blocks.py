"""Blocks: grouping, ungrouping, repeat, nesting, validation through blocks, compile, files."""

from __future__ import annotations

import copy

import pytest
import torch

from nnstudio.core.block_limits import MAX_DEPTH, check_no_self_containment
from nnstudio.core.blocks import Block, graph_at, group_nodes, ungroup_node
from nnstudio.core.compile import compile_graph
from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.layers import ShapeContext
from nnstudio.core.validation import analyze

CTX = ShapeContext(input_shape=(4,), task="regression", target_dim=1)


def residual_stack(pairs: int = 3) -> Graph:
    """Input (n1) -> Linear 4 -> (Linear 4, Tanh) x pairs -> Linear 1 -> Output."""
    graph = Graph()
    prev = graph.add_node("input").id
    for layer in [("linear", {"units": 4})] + [("linear", {"units": 4}), ("tanh", {})] * pairs:
        node = graph.add_node(*layer)
        graph.connect(prev, "out", node.id, "in")
        prev = node.id
    last = graph.add_node("linear", {"units": 1}).id
    graph.connect(prev, "out", last, "in")
    graph.connect(
        last, "out", graph.add_node("output", {"task": "regression", "loss": "mse"}).id, "in"
    )
    return graph


def test_group_makes_one_block_node_that_analyzes_and_counts_the_same() -> None:
    graph = residual_stack()
    before = analyze(graph, CTX)
    block_id = group_nodes(graph, ["n3", "n4"], "Pair")
    node = graph.nodes[block_id]
    assert node.type == "block" and node.label == f"Pair ({block_id})"
    assert [p.label for p in node.spec.inputs] == ["x"] and len(node.spec.outputs) == 1
    assert {"n3", "n4"}.isdisjoint(graph.nodes)
    after = analyze(graph, CTX)
    assert after.ok, after.problems
    assert after.total_params == before.total_params
    assert after.node_shapes[block_id] == (4,)


def test_group_then_ungroup_gives_back_the_same_nodes_and_edges() -> None:
    graph = residual_stack()
    original = copy.deepcopy(graph)
    block_id = group_nodes(graph, ["n3", "n4", "n5"], "Middle")
    restored = ungroup_node(graph, block_id)
    assert sorted(restored) == ["n3", "n4", "n5"]
    assert graph.nodes.keys() == original.nodes.keys()
    assert all(graph.nodes[n] == original.nodes[n] for n in graph.nodes)
    assert set(graph.edges) == set(original.edges)


def test_snapshot_restore_undoes_grouping_exactly() -> None:
    graph = residual_stack()
    snap = graph.snapshot()
    original = copy.deepcopy(graph)
    group_nodes(graph, ["n3", "n4"])
    graph.restore(snap)
    assert graph == original
    assert list(graph.nodes) == list(original.nodes) and list(graph.edges) == list(original.edges)


def test_a_block_repeated_three_times_equals_three_hand_drawn_copies() -> None:
    drawn = residual_stack(3)  # n3..n8: three (Linear, Tanh) pairs
    grouped = residual_stack(1)
    block_id = group_nodes(grouped, ["n3", "n4"], "Pair")
    grouped.set_param(block_id, "repeat", 3)
    assert grouped.nodes[block_id].label == f"Pair ×3 ({block_id})"
    a, b = analyze(drawn, CTX), analyze(grouped, CTX)
    assert b.ok and a.total_params == b.total_params
    hand = compile_graph(drawn, CTX, seed=0)
    blocked = compile_graph(grouped, CTX, seed=1)
    state = blocked.state_dict()
    for k, (lin, _tanh) in enumerate([("n3", "n4"), ("n5", "n6"), ("n7", "n8")]):
        for part in ("weight", "bias"):
            state[f"layers.{block_id}.copies.{k}.layers.n3.{part}"] = hand.state_dict()[
                f"layers.{lin}.{part}"
            ]
    for key in ("n2", "n9"):
        for part in ("weight", "bias"):
            mapped = "n5" if key == "n9" else key
            state[f"layers.{mapped}.{part}"] = hand.state_dict()[f"layers.{key}.{part}"]
    blocked.load_state_dict(state)
    x = torch.randn(7, 4)
    torch.testing.assert_close(blocked(x), hand(x))
    # Each copy has its own weights, and the panels list each inner layer per copy.
    ids = [nid for nid, _m in blocked.parametric_layers()]
    assert ids == ["n2", f"{block_id}#1/n3", f"{block_id}#2/n3", f"{block_id}#3/n3", "n5"]
    assert blocked.labels[f"{block_id}#2/n3"] == f"Linear (n3) in Pair ×3 ({block_id}) copy 2"


def test_repeat_needs_the_output_to_fit_the_input() -> None:
    graph = residual_stack(1)
    graph.set_param("n3", "units", 6)
    graph.set_param("n2", "units", 4)
    block_id = group_nodes(graph, ["n3", "n4"], "Widen")
    graph.set_param(block_id, "repeat", 2)
    messages = [p.message for p in analyze(graph, CTX).errors]
    assert any(
        "can repeat only when its output fits its own input" in m and "(4)" in m and "(6)" in m
        for m in messages
    ), messages


def test_errors_inside_a_block_name_the_inner_layer_and_the_block() -> None:
    graph = residual_stack(1)
    block_id = group_nodes(graph, ["n3", "n4"], "Encoder")
    graph.set_param(block_id, "repeat", 2)
    inner = graph_at(graph, [block_id])
    inner.add_node("conv2d", node_id="c")
    inner.disconnect(inner.edges_into("n4")[0])
    inner.connect("n3", "out", "c", "in")
    inner.connect("c", "out", "n4", "in")
    errors = analyze(graph, CTX).errors
    assert errors and errors[0].node_id == block_id
    assert errors[0].message.startswith(f"Conv2d (c) inside Encoder ×2 ({block_id}) needs")
    assert errors[0].inner == ("c",) and errors[0].location == [block_id, "c"]


def test_a_problem_inside_nested_blocks_says_the_way_to_its_node() -> None:
    graph = residual_stack(1)
    inner_id = group_nodes(graph, ["n3", "n4"], "Dense")
    outer_id = group_nodes(graph, [inner_id], "Encoder")
    dense = graph_at(graph, [outer_id, inner_id])
    dense.disconnect(dense.edges_into("n4")[0])
    errors = analyze(graph, CTX).errors
    assert [e.location for e in errors] == [[outer_id, inner_id, "n4"]]
    assert f"Tanh (n4) inside Dense ({inner_id})" in errors[0].message
    # A problem of the block itself points at the block.
    dense.connect("n3", "out", "n4", "in")
    graph.set_param(outer_id, "repeat", 2)
    graph_at(graph, [outer_id, inner_id]).set_param("n3", "units", 6)
    errors = analyze(graph, CTX).errors
    assert errors and all(e.location == [outer_id] for e in errors), errors


def test_grouping_refuses_selections_without_inputs_or_that_loop() -> None:
    graph = residual_stack(1)
    with pytest.raises(GraphError, match="no inputs"):
        lonely = graph.add_node("relu").id
        group_nodes(graph, [lonely])
    with pytest.raises(GraphError, match="stays outside blocks"):
        group_nodes(graph, ["n1", "n2"])
    # n2 -> n3 -> n4 with a skip n2 -> add <- n4: grouping n2 and the Add but not n3, n4
    # would loop through them.
    add = graph.add_node("add").id
    graph.disconnect(graph.edges_into("n5")[0])
    graph.connect("n4", "out", add, "a")
    graph.connect("n2", "out", add, "b")
    graph.connect(add, "out", "n5", "in")
    before = copy.deepcopy(graph)
    with pytest.raises(GraphError, match="would make a loop") as info:
        group_nodes(graph, ["n2", add])
    assert info.value.node_id in {"n3", "n4"}
    assert graph == before  # a refusal changes nothing


def test_a_block_with_two_outputs_has_a_shape_per_port() -> None:
    graph = Graph()
    graph.add_node("input", node_id="i")
    graph.add_node("linear", {"units": 3}, node_id="a")
    graph.add_node("linear", {"units": 5}, node_id="b")
    graph.add_node("concatenate", node_id="cat")
    graph.add_node("linear", {"units": 1}, node_id="head")
    graph.add_node("output", {"task": "regression", "loss": "mse"}, node_id="o")
    links = [("i", "a", "in"), ("i", "b", "in"), ("a", "cat", "a"), ("b", "cat", "b")]
    for src, dst, port in [*links, ("cat", "head", "in"), ("head", "o", "in")]:
        graph.connect(src, "out", dst, port)
    ungrouped = compile_graph(graph, CTX, seed=0)
    block_id = group_nodes(graph, ["a", "b"], "Split")
    spec = graph.nodes[block_id].spec
    assert len(spec.inputs) == 1 and len(spec.outputs) == 2
    analysis = analyze(graph, CTX)
    assert analysis.ok, analysis.problems
    shapes = sorted(analysis.port_shapes[e.src] for e in graph.edges_from(block_id))
    assert shapes == [(3,), (5,)]
    model = compile_graph(graph, CTX, seed=0)
    state = {
        k.replace("layers.a.", f"layers.{block_id}.copies.0.layers.a.").replace(
            "layers.b.", f"layers.{block_id}.copies.0.layers.b."
        ): v
        for k, v in ungrouped.state_dict().items()
    }
    model.load_state_dict(state)
    x = torch.randn(2, 4)
    torch.testing.assert_close(model(x), ungrouped(x))


def test_blocks_nest_and_the_whole_thing_still_compiles() -> None:
    graph = residual_stack(2)
    inner_id = group_nodes(graph, ["n3", "n4"], "Pair")
    outer_id = group_nodes(graph, [inner_id, "n5", "n6"], "Two pairs")
    assert analyze(graph, CTX).ok
    model = compile_graph(graph, CTX)
    assert model(torch.randn(3, 4)).shape == (3, 1)
    ids = [nid for nid, _m in model.parametric_layers()]
    assert f"{outer_id}/{inner_id}/n3" in ids and f"{outer_id}/n5" in ids


def test_blocks_round_trip_through_plain_data_with_a_graph_version() -> None:
    graph = residual_stack(2)
    inner_id = group_nodes(graph, ["n3", "n4"], "Pair")
    group_nodes(graph, [inner_id, "n5", "n6"], "Two pairs")
    data = graph.to_dict()
    assert data["version"] == 2
    again = graph_from_dict(copy.deepcopy(data))
    assert again == graph and again.to_dict() == data
    assert "version" not in residual_stack().to_dict()  # files without blocks: unchanged


def _nested(depth: int) -> dict:
    data: dict = {
        "nodes": [
            {"id": "i", "type": "block_input", "params": {}},
            {"id": "o", "type": "block_output", "params": {}},
        ],
        "edges": [{"src": ["i", "out"], "dst": ["o", "in"]}],
    }
    for _ in range(depth):
        data = {
            "version": 2,
            "nodes": [
                {"id": "i", "type": "block_input", "params": {}},
                {"id": "b", "type": "block", "params": {}, "graph": data},
                {"id": "o", "type": "block_output", "params": {}},
            ],
            "edges": [
                {"src": ["i", "out"], "dst": ["b", "i"]},
                {"src": ["b", "o"], "dst": ["o", "in"]},
            ],
        }
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["nodes"][1]["params"].update(repeat=10**9), "Repeat must be at most 64"),
        (lambda d: d["nodes"][1]["params"].update(repeat=-1), "Repeat must be at least 1"),
        (lambda d: d["nodes"][1].pop("graph"), "content .'graph'. is missing"),
        (lambda d: d["nodes"][1].update(graph=[1, 2]), "must be an object"),
        (lambda d: d.update(version=3), "version 3 of the graph format"),
        (lambda d: d.update(version="2"), "whole number"),
        (lambda d: d["nodes"][1]["graph"]["nodes"].append({"id": "x", "type": "nope"}), "unknown"),
    ],
)
def test_hostile_block_files_are_refused_with_a_message(change, message: str) -> None:
    data = _nested(2)
    change(data)
    with pytest.raises(GraphError, match=message):
        graph_from_dict(data)


def test_deep_nesting_is_refused_and_shallow_nesting_is_fine() -> None:
    assert graph_from_dict(_nested(MAX_DEPTH - 1)).has_blocks()
    with pytest.raises(GraphError, match=f"nested more than {MAX_DEPTH} deep"):
        graph_from_dict(_nested(MAX_DEPTH + 1))
    with pytest.raises(GraphError, match="nested more than"):
        graph_from_dict(_nested(500))


def test_node_limit_counts_the_nodes_inside_blocks() -> None:
    data = _nested(1)
    inner = data["nodes"][1]["graph"]
    inner["nodes"] += [{"id": f"r{k}", "type": "relu"} for k in range(2000)]
    with pytest.raises(GraphError, match="over 2000 nodes"):
        graph_from_dict(data)


def test_a_block_that_contains_itself_is_refused() -> None:
    graph = residual_stack(1)
    block_id = group_nodes(graph, ["n3", "n4"])
    inner = graph_at(graph, [block_id])
    inner.add_node("block", node_id="me", block=Block(inner))  # what a bad paste could do
    with pytest.raises(GraphError, match="contains itself"):
        check_no_self_containment(graph)
    check_no_self_containment(residual_stack(1))


def test_ungroup_refuses_a_repeated_block_and_non_blocks() -> None:
    graph = residual_stack(1)
    block_id = group_nodes(graph, ["n3", "n4"])
    graph.set_param(block_id, "repeat", 2)
    with pytest.raises(GraphError, match="set Repeat to 1"):
        ungroup_node(graph, block_id)
    with pytest.raises(GraphError, match="not a block"):
        ungroup_node(graph, "n2")


def test_ungroup_renames_ids_taken_outside() -> None:
    graph = residual_stack(1)
    block_id = group_nodes(graph, ["n3", "n4"])
    graph.add_node("relu", node_id="n3")  # someone took the id meanwhile
    restored = ungroup_node(graph, block_id)
    assert "n4" in restored and "n3" not in restored and len(restored) == 2
    assert analyze(graph, CTX).order  # still a valid graph


def test_port_nodes_outside_a_block_are_problems() -> None:
    graph = residual_stack(1)
    stray = graph.add_node("block_input").id
    assert any(p.node_id == stray and "only works inside a block" in p.message
               for p in analyze(graph, CTX).problems)  # fmt: skip


def test_repeats_inside_repeats_are_refused_before_anything_is_built() -> None:
    """Eight nested blocks of ReLUs, each ×64: no weights at all, but 64⁸ layers to build."""
    graph = Graph()
    prev = graph.add_node("input", node_id="i").id
    data = _nested(MAX_DEPTH - 1)
    relu = {"id": "r", "type": "relu"}
    level = data
    while True:  # put a ReLU in the innermost block, and repeat every level 64 times
        blocks = [n for n in level["nodes"] if n["type"] == "block"]
        if not blocks:
            level["nodes"].append(relu)
            level["edges"] = [{"src": ["i", "out"], "dst": ["r", "in"]},
                              {"src": ["r", "out"], "dst": ["o", "in"]}]  # fmt: skip
            break
        blocks[0]["params"]["repeat"] = 64
        level = blocks[0]["graph"]
    outer = graph_from_dict({"version": 2, **data})
    node = graph.add_node("block", {"repeat": 64}, node_id="b", block=Block(outer))
    graph.connect(prev, "out", node.id, "i")
    graph.add_node("output", {"task": "regression", "loss": "mse"}, node_id="o")
    graph.connect("b", "o", "o", "in")
    ctx = ShapeContext(input_shape=(1,), task="regression", target_dim=1)
    errors = analyze(graph, ctx).errors
    assert errors and "lower the Repeat" in errors[0].message
    with pytest.raises(GraphError, match="lower the Repeat"):
        compile_graph(graph, ctx)


def test_a_project_with_blocks_saves_and_reopens_with_its_weights(tmp_path) -> None:
    from nnstudio.core.project_files import load_project, save_project
    from nnstudio.core.templates import TEMPLATES

    project = TEMPLATES.get("transformer_copy").build()
    assert project.graph.has_blocks()
    ctx = project.shape_context()
    model = compile_graph(project.graph, ctx, seed=2)
    assert any(".copies.1." in key for key in model.state_dict())
    from nnstudio.core.run_io import single_run_book

    book = single_run_book(project, model.state_dict(), None)
    path = save_project(tmp_path / "blocks.nnstudio", project, book)
    loaded = load_project(path)
    assert loaded.project.graph == project.graph
    again = compile_graph(loaded.project.graph, ctx, seed=7)
    again.load_state_dict(loaded.weights)
    x = torch.randint(0, 8, (3, 10))
    torch.testing.assert_close(again.eval()(x), model.eval()(x))
