"""The layer catalog and loss registry: every declaration agrees with the module it builds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from nnstudio.core.errors import ShapeError
from nnstudio.core.layers import CATEGORY_ORDER, LAYERS, LayerSpec, ShapeContext, by_category
from nnstudio.core.losses import LOSSES, TASKS, losses_for

CTX = ShapeContext(input_shape=(2,), task="classification", num_classes=2)
# Embedding reads integer token ids, not random floats: tests/core/test_catalog_full.py covers it.
BUILT = [spec for spec in LAYERS if spec.build is not None and spec.name != "embedding"]
FLAT_SHAPES = [(5,), (12,)]
IMAGE_SHAPES = [(3, 8, 8), (1, 7, 9)]
SEQUENCE_SHAPES = [(5, 8), (3, 6)]
TOKEN_INPUTS = {"embedding"}
"""Layers fed whole-number token ids rather than real numbers."""


def test_catalog_holds_this_issues_layers() -> None:
    wanted = {
        "input", "linear", "flatten", "dropout", "batchnorm", "relu", "leaky_relu", "sigmoid",
        "tanh", "gelu", "silu", "softmax", "identity", "conv2d", "maxpool2d", "add",
        "concatenate", "output",
    }  # fmt: skip
    assert wanted <= set(LAYERS.names())


@pytest.mark.parametrize("spec", list(LAYERS), ids=lambda s: s.name)
def test_declaration_is_complete(spec: LayerSpec) -> None:
    assert spec.display_name and spec.help.strip()
    assert spec.category in CATEGORY_ORDER
    # Defaults satisfy their own declaration, so a fresh node is always valid.
    assert spec.params.resolve({}, spec.display_name) == spec.params.defaults()
    for param in spec.params:
        assert param.coerce(param.default) == param.default
        assert param.help.strip()
    names = [p.name for p in spec.inputs] + [p.name for p in spec.outputs]
    assert len(set(p.name for p in spec.inputs)) == len(spec.inputs)
    assert len(set(p.name for p in spec.outputs)) == len(spec.outputs)
    assert all(names)
    assert spec.summary(spec.params.defaults()).startswith(spec.display_name)


def test_roles_and_ends() -> None:
    assert LAYERS.get("input").role == "input" and LAYERS.get("input").inputs == ()
    assert LAYERS.get("output").role == "output" and LAYERS.get("output").outputs == ()
    # A block node builds from its content (its own spec); the shared declaration does not.
    assert all(
        spec.build is not None for spec in LAYERS if spec.role == "layer" and spec.name != "block"
    )


def test_by_category_lists_every_layer_once_in_teaching_order() -> None:
    groups = by_category()
    flat = [spec.name for specs in groups.values() for spec in specs]
    assert sorted(flat) == sorted(spec.name for spec in LAYERS if spec.in_palette)
    assert {"block", "block_input", "block_output"}.isdisjoint(flat)
    order = [CATEGORY_ORDER.index(c) for c in groups]
    assert order == sorted(order)


def test_summary_shows_summary_params() -> None:
    spec = LAYERS.get("linear")
    assert spec.summary({"units": 16, "bias": True}) == "Linear · 16"
    assert LAYERS.get("leaky_relu").summary({"slope": 0.2}) == "Leaky ReLU · 0.2"


def _variants(spec: LayerSpec) -> Iterator[dict[str, Any]]:
    """Defaults, then each param moved to another legal value, one at a time."""
    yield {}
    for param in spec.params:
        if param.kind == "bool":
            yield {param.name: not param.default}
        elif param.kind == "choice":
            for choice in param.choices:
                if choice != param.default:
                    yield {param.name: choice}
        elif param.kind == "int":
            value = param.default + 1
            if param.maximum is not None and value > param.maximum:
                value = param.default - 1
            yield {param.name: value}
        elif param.kind == "float":
            low = param.minimum if param.minimum is not None else 0.0
            high = param.maximum if param.maximum is not None else 1.0
            yield {param.name: (low + high) / 3}


def _input_shapes(spec: LayerSpec) -> Iterator[list[tuple[int, ...]]]:
    ranks = spec.inputs[0].ranks
    shapes: list[tuple[int, ...]] = []
    for rank, examples in ((1, FLAT_SHAPES), (2, SEQUENCE_SHAPES), (3, IMAGE_SHAPES)):
        if ranks is None or rank in ranks:
            shapes += examples
    for shape in shapes:
        yield [shape] * len(spec.inputs)
    if spec.name == "concatenate":
        yield [(3,), (5,)]
        yield [(2, 4, 4), (3, 4, 4)]


def _accepted(spec: LayerSpec, values: dict[str, Any], shapes: list[tuple[int, ...]]) -> bool:
    """Whether the shape rule takes this combination (e.g. heads must divide the width)."""
    try:
        spec.shape(spec.params.resolve(values, spec.display_name), shapes, CTX)
    except ShapeError:
        return False
    return True


def _cases() -> Iterator[Any]:
    for spec in BUILT:
        for values, shapes in itertools.product(list(_variants(spec)), list(_input_shapes(spec))):
            if _accepted(spec, values, shapes):
                yield pytest.param(spec, values, shapes, id=f"{spec.name}-{values}-{shapes}")


CASES = list(_cases())


@pytest.mark.parametrize("spec", BUILT, ids=lambda s: s.name)
def test_every_built_layer_is_exercised(spec: LayerSpec) -> None:
    """The generic cases below must reach every layer, with defaults and with variants."""
    mine = [case.values for case in CASES if case.values[0] is spec]
    assert any(values == {} for _s, values, _sh in mine), "defaults never accepted"
    assert len(mine) >= 2


EXTRA = [
    ("linear", {"units": 3, "bias": False}, [(7,)]),
    ("conv2d", {"channels": 4, "kernel": 3, "stride": 2, "padding": 0, "bias": False}, [(2, 9, 9)]),
    ("conv2d", {"channels": 5, "kernel": 5, "stride": 1, "padding": 2}, [(3, 6, 6)]),
    ("maxpool2d", {"kernel": 3, "stride": 1}, [(2, 5, 6)]),
    ("batchnorm", {}, [(4, 3, 3)]),
]


@pytest.mark.parametrize(
    ("spec", "values", "shapes"),
    [
        *CASES,
        *(pytest.param(LAYERS.get(n), v, s, id=f"extra-{n}-{v}-{s}") for n, v, s in EXTRA),
    ],
)
def test_builder_matches_shape_and_count_rules(
    spec: LayerSpec, values: dict[str, Any], shapes: list[tuple[int, ...]]
) -> None:
    p = spec.params.resolve(values, spec.display_name)
    out_shape = spec.shape(p, shapes, CTX)
    count = spec.param_count(p, shapes)
    torch.manual_seed(0)
    module = spec.build(p, shapes)
    assert count == sum(t.numel() for t in module.parameters())
    batch = 4
    if spec.name in TOKEN_INPUTS:
        inputs = [torch.randint(0, p["vocab"], (batch, *s)) for s in shapes]
    else:
        inputs = [torch.randn(batch, *s, requires_grad=True) for s in shapes]
    module.train()
    out = module(*inputs)
    assert tuple(out.shape) == (batch, *out_shape)
    out.pow(2).sum().backward()
    for tensor in module.parameters():
        assert tensor.grad is not None and tensor.grad.shape == tensor.shape
    assert all(x.grad is not None for x in inputs if x.is_floating_point())


@pytest.mark.parametrize(
    ("name", "values", "shapes", "pattern"),
    [
        ("linear", {}, [(1, 8, 8)], r"Linear needs a flat input but gets \(1, 8, 8\)"),
        ("conv2d", {}, [(64,)], r"Conv2d needs an image input.*use a Reshape"),
        ("conv2d", {"kernel": 9, "padding": 0}, [(1, 4, 4)], "does not fit"),
        ("maxpool2d", {"kernel": 5}, [(1, 4, 4)], "does not fit"),
        ("batchnorm", {}, [(2, 3)], "flat features or images"),
        ("add", {}, [(4,), (5,)], r"same shape but gets \(4\) and \(5\)"),
        ("concatenate", {}, [(2, 4, 4), (2, 5, 5)], "the rest must match"),
        ("concatenate", {}, [(4,), (2, 4, 4)], "the rest must match"),
    ],
)
def test_shape_rules_refuse_with_a_fix(
    name: str, values: dict[str, Any], shapes: list[tuple[int, ...]], pattern: str
) -> None:
    spec = LAYERS.get(name)
    with pytest.raises(ShapeError, match=pattern):
        spec.shape(spec.params.resolve(values, spec.display_name), shapes, CTX)


def test_flatten_and_concat_shapes() -> None:
    flatten, cat = LAYERS.get("flatten"), LAYERS.get("concatenate")
    assert flatten.shape({}, [(3, 4, 5)], CTX) == (60,)
    assert cat.shape({}, [(3,), (5,)], CTX) == (8,)
    assert cat.shape({}, [(2, 4, 4), (3, 4, 4)], CTX) == (5, 4, 4)


# -- losses and the Output node ------------------------------------------------------------

OUTPUT = LAYERS.get("output")
TASK_CTX = {
    "binary": ShapeContext((2,), "classification", 2),
    "multiclass": ShapeContext((2,), "classification", 3),
    "regression": ShapeContext((2,), "regression", 0, 1),
}


def test_every_task_has_a_loss_and_losses_for_matches_declarations() -> None:
    for task in TASKS:
        fitting = losses_for(task)
        assert fitting, task
        assert [s.name for s in fitting] == [s.name for s in LOSSES if task in s.tasks]
    assert {s.name for s in losses_for("regression")} == {"mse", "mae", "huber"}
    assert {s.name for s in losses_for("multiclass")} == {"cross_entropy", "nll"}
    assert {s.name for s in losses_for("binary")} == {"bce", "cross_entropy", "nll"}


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("loss", LOSSES.names())
def test_output_allows_only_losses_that_fit_the_task(task: str, loss: str) -> None:
    ctx = TASK_CTX[task]
    values = OUTPUT.params.resolve({"task": task, "loss": loss}, "Output")
    fits = task in LOSSES.get(loss).tasks
    per_class = LOSSES.get(loss).per_class
    want = {"binary": 2 if per_class else 1, "multiclass": 3, "regression": 1}[task]
    if fits:
        assert OUTPUT.shape(values, [(want,)], ctx) == (want,)
    else:
        with pytest.raises(ShapeError, match="does not fit the task: choose one of") as info:
            OUTPUT.shape(values, [(want,)], ctx)
        for spec in losses_for(task):
            assert spec.display_name in str(info.value)


@pytest.mark.parametrize(
    ("task", "ctx", "pattern"),
    [
        ("binary", TASK_CTX["regression"], "set this Output's task to Regression"),
        ("regression", TASK_CTX["binary"], "set this Output's task to Binary or Multi-class"),
        ("binary", TASK_CTX["multiclass"], "3 classes, so Binary does not fit"),
    ],
)
def test_output_task_must_fit_the_data(task: str, ctx: ShapeContext, pattern: str) -> None:
    loss = "mse" if task == "regression" else "bce"
    values = OUTPUT.params.resolve({"task": task, "loss": loss}, "Output")
    with pytest.raises(ShapeError, match=pattern):
        OUTPUT.shape(values, [(1,)], ctx)


@pytest.mark.parametrize("loss", LOSSES.names())
def test_each_loss_builds_and_scores(loss: str) -> None:
    spec = LOSSES.get(loss)
    module = spec.build(spec.params.defaults())
    torch.manual_seed(0)
    if "regression" in spec.tasks:
        out, target = torch.randn(6, 1), torch.randn(6, 1)
    elif loss == "bce":
        out, target = torch.randn(6, 1), torch.randint(0, 2, (6, 1)).float()
    else:
        out, target = torch.randn(6, 3), torch.randint(0, 3, (6,))
        if loss == "nll":
            out = torch.log_softmax(out, dim=1)
    value = module(out, target)
    assert value.shape == () and torch.isfinite(value) and value > 0
