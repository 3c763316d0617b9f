"""Every layer in the catalog, over a range of params and shapes: the shape rule, the parameter
count and the built module agree, it runs forward and backward, and refusals are worded."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import ShapeError
from nnstudio.core.graph import Graph
from nnstudio.core.layers import LAYERS, LayerSpec, ShapeContext, fmt_shape
from nnstudio.core.layers.shaping import parse_target
from nnstudio.core.params import ParamSpec
from nnstudio.core.validation import analyze

CTX = ShapeContext(input_shape=(2,), task="classification", num_classes=2)
BUILT = [spec for spec in LAYERS if spec.build is not None]
BATCH = 3
GRID_SHAPES = {
    1: [(5,), (12,)],
    2: [(4, 6), (5, 12)],  # feature sizes divide by 1, 2 and 3 heads
    3: [(3, 8, 8), (1, 7, 9)],
}
TOKENS = {"embedding"}


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny modules: thread hand-offs cost more than the math (a GRU is 100x slower on two)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def ranks_of(spec: LayerSpec) -> tuple[int, ...]:
    return spec.inputs[0].ranks or (1, 2, 3)


def check_layer(spec: LayerSpec, values: dict[str, Any], shapes: list[tuple[int, ...]]) -> None:
    """Shape rule, count rule and module agree; forward and backward run."""
    p = spec.params.resolve(values, spec.display_name)
    out_shape = spec.shape(p, shapes, CTX)
    count = spec.param_count(p, shapes)
    torch.manual_seed(0)
    module = spec.build(p, shapes)
    assert count == sum(t.numel() for t in module.parameters()), (spec.name, p, shapes)
    if spec.name in TOKENS:
        inputs = [torch.randint(0, p["vocab"], (BATCH, *shapes[0]))]
    else:
        inputs = [torch.randn(BATCH, *s, requires_grad=True) for s in shapes]
    module.train()
    out = module(*inputs)
    assert tuple(out.shape) == (BATCH, *out_shape)
    assert torch.isfinite(out).all()
    (out.pow(2).sum() + out.sum()).backward()
    for name, tensor in module.named_parameters():
        assert tensor.grad is not None and tensor.grad.shape == tensor.shape, name
    if spec.name not in TOKENS:
        assert all(x.grad is not None for x in inputs)


# -- a deterministic grid: defaults, then each param moved, on every accepted rank ---------


def _moved(param: ParamSpec) -> Iterator[Any]:
    if param.kind == "bool":
        yield not param.default
    elif param.kind == "choice":
        yield from (c for c in param.choices if c != param.default)
    elif param.kind == "int":
        up = param.default + 1
        yield up if param.maximum is None or up <= param.maximum else param.default - 1
    elif param.kind == "float":
        low = param.minimum if param.minimum is not None else 0.0
        high = param.maximum if param.maximum is not None else 1.0
        yield low + (high - low) / 3


def _grid() -> Iterator[Any]:
    for spec in BUILT:
        variants: list[dict[str, Any]] = [{}]
        for param in spec.params:
            if param.kind != "str":
                variants += [{param.name: v} for v in _moved(param)]
        for rank in ranks_of(spec):
            for shape in GRID_SHAPES[rank]:
                shapes = [shape] * len(spec.inputs)
                for values in variants:
                    yield pytest.param(spec, values, shapes, id=f"{spec.name}-{values}-{shape}")


@pytest.mark.parametrize(("spec", "values", "shapes"), list(_grid()))
def test_grid_of_params_and_shapes(
    spec: LayerSpec, values: dict[str, Any], shapes: list[tuple[int, ...]]
) -> None:
    check_layer(spec, values, shapes)


def test_grid_covers_every_built_layer() -> None:
    covered = {case.values[0].name for case in _grid()}
    assert covered == {spec.name for spec in BUILT}


# -- hypothesis: random params and shapes; a refusal must be a worded ShapeError ------------


def _param_strategy(param: ParamSpec, shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    if param.kind == "bool":
        return st.booleans()
    if param.kind == "choice":
        return st.sampled_from(param.choices)
    if param.kind == "int":
        low = int(param.minimum if param.minimum is not None else 0)
        high = int(param.maximum if param.maximum is not None else low + 8)
        return st.integers(low, min(high, max(low, 1) + 7))
    if param.kind == "float":
        low = param.minimum if param.minimum is not None else 0.0
        high = param.maximum if param.maximum is not None else 1.0
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.one_of(_target_text(shape), st.text(alphabet="0123456789,-x ()", max_size=8))


def _target_text(shape: tuple[int, ...]) -> st.SearchStrategy[str]:
    """A target shape with the same size as `shape`, maybe with one -1."""
    total = math.prod(shape)
    divisors = [d for d in range(1, total + 1) if total % d == 0]

    @st.composite
    def build(draw: st.DrawFn) -> str:
        first = draw(st.sampled_from(divisors))
        rest = total // first
        second = draw(st.sampled_from([d for d in divisors if rest % d == 0]))
        sizes = [first, second, rest // second][: draw(st.integers(1, 3))]
        sizes[-1] *= total // math.prod(sizes)
        if draw(st.booleans()):
            sizes[draw(st.integers(0, len(sizes) - 1))] = -1
        return draw(st.sampled_from([",", ", ", "x"])).join(str(s) for s in sizes)

    return build()


@st.composite
def _shapes(draw: st.DrawFn, spec: LayerSpec) -> list[tuple[int, ...]]:
    rank = draw(st.sampled_from(ranks_of(spec)))
    dims = {1: [st.integers(1, 10)], 2: [st.integers(1, 6), st.integers(1, 10)]}.get(
        rank, [st.integers(1, 4), st.integers(1, 9), st.integers(1, 9)]
    )
    shape = tuple(draw(d) for d in dims)
    if spec.name == "concatenate":
        return [shape, (draw(st.integers(1, 5)), *shape[1:])]
    return [shape] * len(spec.inputs)


@pytest.mark.parametrize("spec", BUILT, ids=lambda s: s.name)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_params_and_shapes(spec: LayerSpec, data: st.DataObject) -> None:
    shapes = data.draw(_shapes(spec), label="shapes")
    values = {p.name: data.draw(_param_strategy(p, shapes[0]), label=p.name) for p in spec.params}
    try:
        spec.shape(spec.params.resolve(values, spec.display_name), shapes, CTX)
    except ShapeError as exc:
        assert str(exc).startswith(spec.display_name + " "), str(exc)
        return
    check_layer(spec, values, shapes)


# -- refusals, in the house style ----------------------------------------------------------


def _wrong_rank(spec: LayerSpec) -> tuple[int, ...] | None:
    for shape in ((8,), (4, 6), (2, 4, 4)):
        if len(shape) not in ranks_of(spec):
            return shape
    return None


@pytest.mark.parametrize(
    "spec", [s for s in BUILT if _wrong_rank(s) is not None], ids=lambda s: s.name
)
def test_wrong_rank_is_refused_naming_the_layer_and_the_shape(spec: LayerSpec) -> None:
    shape = _wrong_rank(spec)
    assert shape is not None
    p = spec.params.defaults()
    with pytest.raises(ShapeError) as info:
        spec.shape(p, [shape] * len(spec.inputs), CTX)
    message = str(info.value)
    assert message.startswith(spec.display_name + " ") and fmt_shape(shape) in message
    assert ": " in message  # every refusal says what to do


@pytest.mark.parametrize(
    ("name", "values", "shape", "pattern"),
    [
        ("lstm", {}, (8,), r"^LSTM needs a sequence \(steps, features\) but gets \(8\): .*Reshape"),
        ("gru", {}, (1, 8, 8), r"^GRU needs a sequence .* but gets \(1, 8, 8\)"),
        ("self_attention", {"heads": 4}, (5, 10), r"10 does not divide by 4: choose 1, 2, 5, 10"),
        ("transformer_block", {"heads": 3}, (5, 8), r"does not divide by 3"),
        ("embedding", {}, (4, 6), r"^Embedding needs a sequence of token ids"),
        ("swiglu", {}, (1, 8, 8), r"^SwiGLU needs flat features or a sequence.*Flatten"),
        ("rmsnorm", {}, (1, 8, 8), r"use LayerNorm or BatchNorm for images"),
        ("global_avgpool", {}, (64,), r"^Global average pool needs an image input"),
        ("avgpool2d", {"kernel": 5}, (1, 4, 4), r"^AvgPool2d with kernel 5 does not fit"),
        ("reshape", {"shape": "1,8"}, (64,), r"cannot turn \(64\) into \(1, 8\).*64 values"),
        ("reshape", {"shape": "5,-1"}, (64,), r"cannot fill in the -1"),
        ("reshape", {"shape": "1,a"}, (64,), r"'a' is not a whole number"),
        ("reshape", {"shape": "-1,-1"}, (64,), r"only one size"),
        ("reshape", {"shape": "0,64"}, (64,), r"cannot use the size 0"),
        ("reshape", {"shape": ""}, (64,), r"needs a target shape"),
        ("reshape", {"shape": "1,1,1,64"}, (64,), r"at most 3 axes"),
    ],
)
def test_specific_refusals(
    name: str, values: dict[str, Any], shape: tuple[int, ...], pattern: str
) -> None:
    spec = LAYERS.get(name)
    with pytest.raises(ShapeError, match=pattern):
        spec.shape(spec.params.resolve(values, spec.display_name), [shape], CTX)


# -- what the new layers compute -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape", "want"),
    [
        ("1,8,8", (64,), (1, 8, 8)),
        ("(1, 8, 8)", (64,), (1, 8, 8)),
        ("1x8x8", (2, 32), (1, 8, 8)),
        ("-1,1", (7,), (7, 1)),
        ("4, -1", (2, 3, 4), (4, 6)),
        ("-1", (3, 8, 8), (192,)),
    ],
)
def test_reshape_reads_the_target_text(
    text: str, shape: tuple[int, ...], want: tuple[int, ...]
) -> None:
    spec = LAYERS.get("reshape")
    assert spec.shape({"shape": text}, [shape], CTX) == want
    x = torch.arange(BATCH * math.prod(shape), dtype=torch.float32).reshape(BATCH, *shape)
    out = spec.build({"shape": text}, [shape])(x)
    assert tuple(out.shape) == (BATCH, *want)
    assert torch.equal(out.flatten(1), x.flatten(1))  # values keep their order
    assert parse_target(text).count(-1) <= 1


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
def test_recurrent_last_state_is_the_end_of_each_direction(kind: str, layers: int) -> None:
    spec, shape = LAYERS.get(kind), (6, 3)
    base = {"hidden": 4, "layers": layers, "bidirectional": True}
    seq_p = spec.params.resolve({**base, "returns": "sequence"}, kind)
    last_p = spec.params.resolve({**base, "returns": "last"}, kind)
    seq_module = spec.build(seq_p, [shape])
    last_module = spec.build(last_p, [shape])
    last_module.load_state_dict(seq_module.state_dict())
    x = torch.randn(BATCH, *shape)
    seq, last = seq_module(x), last_module(x)
    assert seq.shape == (BATCH, 6, 8) and last.shape == (BATCH, 8)
    # Forward direction ends at the last step, backward direction at the first.
    torch.testing.assert_close(last[:, :4], seq[:, -1, :4])
    torch.testing.assert_close(last[:, 4:], seq[:, 0, 4:])


def test_global_average_pool_is_the_channel_mean() -> None:
    spec = LAYERS.get("global_avgpool")
    x = torch.randn(BATCH, 3, 5, 4)
    torch.testing.assert_close(spec.build({}, [(3, 5, 4)])(x), x.mean(dim=(2, 3)))


@pytest.mark.parametrize(
    ("kind", "act"),
    [
        ("glu", torch.sigmoid),
        ("swiglu", torch.nn.functional.silu),
        ("geglu", torch.nn.functional.gelu),
        ("reglu", torch.relu),
    ],
)
def test_gated_layers_gate_the_value(kind: str, act: Any) -> None:
    spec = LAYERS.get(kind)
    module = spec.build({"units": 3, "hidden": 5, "bias": True}, [(4,)])
    x = torch.randn(BATCH, 4)
    want = module.out(act(module.gate(x)) * module.value(x))
    torch.testing.assert_close(module(x), want)


def test_causal_attention_never_looks_ahead() -> None:
    spec = LAYERS.get("self_attention")
    values = spec.params.resolve({"heads": 2, "causal": True}, "sa")
    module = spec.build(values, [(5, 4)]).eval()
    x = torch.randn(1, 5, 4)
    changed = x.clone()
    changed[:, 3:] += 1.0
    a, b = module(x), module(changed)
    torch.testing.assert_close(a[:, :3], b[:, :3])
    assert not torch.allclose(a[:, 3:], b[:, 3:])


def test_sinusoidal_positions_differ_and_are_fixed() -> None:
    spec = LAYERS.get("positional_encoding")
    module = spec.build({"kind": "sinusoidal"}, [(6, 5)])
    out = module(torch.zeros(1, 6, 5))[0]
    assert list(module.parameters()) == []
    assert len({tuple(row.tolist()) for row in out}) == 6
    assert out.abs().max() <= 1.0


def test_embedding_refuses_real_numbers_with_a_fix() -> None:
    spec = LAYERS.get("embedding")
    module = spec.build(spec.params.defaults(), [(4,)])
    assert module(torch.tensor([[1, 2, 3, 0]])).shape == (1, 4, 16)
    with pytest.raises(ShapeError, match="whole-number token ids"):
        module(torch.rand(1, 4))


def test_catalog_holds_the_full_list() -> None:
    wanted = {
        "prelu", "softplus", "log_softmax", "glu", "swiglu", "geglu", "reglu", "layernorm",
        "rmsnorm", "avgpool2d", "global_avgpool", "reshape", "embedding", "rnn", "lstm", "gru",
        "self_attention", "positional_encoding", "transformer_block",
    }  # fmt: skip
    assert wanted <= set(LAYERS.names())


# -- the layer before the Output and its loss ----------------------------------------------


def _graph(before: str | None, task: str, loss: str) -> Graph:
    graph = Graph()
    ids = [graph.add_node("input").id, graph.add_node("linear", {"units": 2}).id]
    if before:
        ids.append(graph.add_node(before).id)
    units = 1 if loss == "bce" else 2
    graph.set_param(ids[1], "units", units)
    ids.append(graph.add_node("output", {"task": task, "loss": loss}).id)
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    return graph


@pytest.mark.parametrize(
    ("before", "task", "loss", "pattern"),
    [
        ("softmax", "binary", "cross_entropy", "applies the softmax twice"),
        ("sigmoid", "binary", "bce", "applies the sigmoid twice"),
        ("softmax", "binary", "nll", "use a LogSoftmax instead"),
        (None, "binary", "nll", "put a LogSoftmax right before the Output"),
        ("log_softmax", "binary", "nll", None),
        (None, "binary", "cross_entropy", None),
        ("relu", "binary", "bce", None),
    ],
)
def test_loss_input_warnings(before: str | None, task: str, loss: str, pattern: str | None) -> None:
    result = analyze(_graph(before, task, loss), CTX)
    assert result.ok, result.problems
    warnings = [p for p in result.problems if p.severity == "warning"]
    if pattern is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and pattern in warnings[0].message
        assert warnings[0].node_id == [n for n in result.order if n][-1]


def test_softmax_normalizes_along_the_feature_axis_of_sequences_and_flat_data():
    import torch

    from nnstudio.core.layers import LAYERS

    for shape, batch in (((6,), (4, 6)), ((5, 3), (4, 5, 3))):
        module = LAYERS.get("softmax").build({}, [shape])
        probs = module(torch.randn(*batch))
        assert torch.allclose(probs.sum(dim=-1), torch.ones(batch[:-1])), shape
