"""Cross-attention and the pointer layer: two inputs with their own lengths, and an Output
that scores one answer per step."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.errors import ShapeError
from nnstudio.core.graph import Graph
from nnstudio.core.layers import LAYERS, ShapeContext
from nnstudio.core.project import Project
from nnstudio.core.templates import TEMPLATES
from nnstudio.core.validation import analyze

CTX = ShapeContext(input_shape=(5,), task="classification", num_classes=5, target_steps=5)


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_cross_attention_keeps_the_query_shape_and_reads_another_memory() -> None:
    spec = LAYERS.get("cross_attention")
    p = spec.params.resolve({"heads": 4}, "Cross-attention")
    query, memory = (3, 16), (7, 10)  # different lengths and feature sizes
    assert spec.shape(p, [query, memory], CTX) == query
    module = spec.build(p, [query, memory])
    assert _count(module) == spec.param_count(p, [query, memory])
    out = module(torch.randn(2, *query), torch.randn(2, *memory))
    assert out.shape == (2, *query)
    weights = module.last_weights
    assert weights.shape == (2, 3, 7)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))


def test_cross_attention_mixes_only_the_memory() -> None:
    """Changing the memory changes the result; the query alone decides nothing but weights."""
    spec = LAYERS.get("cross_attention")
    p = spec.params.resolve({"heads": 1}, "Cross-attention")
    module = spec.build(p, [(2, 4), (3, 4)]).eval()
    q, m = torch.randn(1, 2, 4), torch.randn(1, 3, 4)
    same_rows = m[:, :1].expand(1, 3, 4)  # every memory step alike: any weights give that row
    expected = module(q, same_rows)
    torch.testing.assert_close(module(torch.randn(1, 2, 4), same_rows), expected)
    assert not torch.allclose(module(q, m), expected)


def test_heads_must_divide_the_query_features() -> None:
    spec = LAYERS.get("cross_attention")
    p = spec.params.resolve({"heads": 3}, "Cross-attention")
    with pytest.raises(ShapeError, match="choose 1, 2, 4, 8, 16 heads"):
        spec.shape(p, [(3, 16), (3, 16)], CTX)


def test_pointer_scores_every_memory_position_for_every_query_step() -> None:
    spec = LAYERS.get("pointer")
    p = spec.params.resolve({"units": 8}, "Pointer")
    query, memory = (4, 6), (9, 5)
    assert spec.shape(p, [query, memory], CTX) == (4, 9)
    module = spec.build(p, [query, memory])
    assert _count(module) == spec.param_count(p, [query, memory])
    scores = module(torch.randn(3, *query), torch.randn(3, *memory))
    assert scores.shape == (3, 4, 9)
    probs = module.last_weights
    assert probs.shape == (3, 4, 9)
    torch.testing.assert_close(probs.sum(-1), torch.ones(3, 4))


def test_pointer_needs_sequences() -> None:
    spec = LAYERS.get("pointer")
    p = spec.params.resolve({}, "Pointer")
    with pytest.raises(ShapeError, match="Pointer needs a sequence"):
        spec.shape(p, [(4,), (5, 3)], CTX)


def _pointer_graph(loss: str = "cross_entropy", task: str = "multiclass") -> Graph:
    graph = Graph()
    graph.add_node("input")
    graph.add_node("embedding", {"vocab": 20, "dim": 8})
    graph.add_node("pointer", {"units": 8})
    graph.add_node("output", {"task": task, "loss": loss})
    graph.connect("n1", "out", "n2", "in")
    graph.connect("n2", "out", "n3", "query")
    graph.connect("n2", "out", "n3", "memory")
    graph.connect("n3", "out", "n4", "in")
    return graph


def test_output_takes_one_column_of_scores_per_answer_step() -> None:
    project = Project(_pointer_graph(), DatasetConfig("sort_positions", {"length": 5}))
    ctx = project.shape_context()
    assert ctx.target_steps == 5 and ctx.num_classes == 5
    analysis = analyze(project.graph, ctx)
    assert analysis.ok, analysis.problems
    model = compile_graph(project.graph, ctx)
    x = torch.randint(0, 20, (2, 5))
    out = model(x)
    assert out.shape == (2, 5, 5)
    from nnstudio.core.losses import LOSSES

    loss_fn = LOSSES.get("cross_entropy").build({}, "mean")
    target = torch.randint(0, 5, (2, 5))
    loss = loss_fn(out, target)
    expected = torch.nn.functional.cross_entropy(out.reshape(-1, 5), target.reshape(-1))
    torch.testing.assert_close(loss, expected)  # one answer per step, classes last
    loss.backward()


def test_output_explains_what_a_stepwise_target_needs() -> None:
    project = Project(_pointer_graph(), DatasetConfig("sort_positions", {"length": 5}))
    graph = project.graph
    graph.remove_node("n3")
    graph.add_node("flatten", node_id="f")
    graph.connect("n2", "out", "f", "in")
    graph.connect("f", "out", "n4", "in")
    messages = [p.message for p in analyze(graph, project.shape_context()).errors]
    assert any("needs (5, 5) per sample" in m and "Pointer" in m for m in messages)
    graph.add_node("linear", {"units": 3}, node_id="l3")
    two = DatasetConfig("sort_positions", {"length": 2})  # two classes: Binary would fit
    bce = Project(_pointer_graph("bce", "binary"), two)
    messages = [p.message for p in analyze(bce.graph, bce.shape_context()).errors]
    assert any("Multi-class with Cross-entropy" in m for m in messages), messages


def test_pointer_template_is_an_encoder_decoder() -> None:
    project = TEMPLATES.get("pointer_sort").build()
    kinds = [n.type for n in project.graph.nodes.values()]
    assert kinds.count("transformer_block") == 2
    assert {"cross_attention", "pointer", "positional_encoding"} <= set(kinds)
    analysis = analyze(project.graph, project.shape_context())
    assert analysis.ok and not analysis.problems
