"""Blocks export as classes of their own: a block ×3 holding a nested block ×2 builds the
app's weights under the same seed, loads the app's trained weights strictly, reproduces the
app's losses, and converts to ONNX; a block with two inputs and two outputs works too."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from nnstudio.core.blocks import group_nodes
from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.graph import Graph
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import block, chain, residual
from nnstudio.export import export_pytorch
from nnstudio.export.model_code import model_source
from nnstudio.export.plan import plan_export
from nnstudio.training.trainer import context_for
from tests.export.helpers import app_losses, load_generated, logged_losses, run_generated

STEPS = 40
RELATIVE = 1e-5


def nested_project() -> Project:
    """Linear, then Outer ×3 (Linear, Tanh, Inner ×2 (a residual Linear + ReLU), a skip),
    then the binary head."""
    graph = Graph()
    start = chain(graph, [("input", {}), ("linear", {"units": 6})])

    def inner(g: Graph, entry: str) -> str:
        return residual(g, entry, [("linear", {"units": 6}), ("relu", {})])

    def outer(g: Graph, entry: str) -> str:
        last = chain(g, [("linear", {"units": 6}), ("tanh", {})], entry)
        nested = block(g, "Inner", inner, repeat=2, start=last)
        add = g.add_node("add").id
        g.connect(nested, "out", add, "a")
        g.connect(entry, "out", add, "b")
        return add

    body = block(graph, "Outer", outer, repeat=3, start=start)
    chain(
        graph,
        [("linear", {"units": 1}), ("output", {"task": "binary", "loss": "bce"})],
        body,
    )
    settings = TrainingSettings({"batch_size": 16, "epochs": 10, "learning_rate": 0.05})
    return Project(graph, DatasetConfig("xor", {"n_samples": 120}), settings, "Nested blocks")


def two_port_project() -> Project:
    """Two Linear layers feed a block (Add, then Tanh) that gives both the sum and its Tanh,
    which a Concatenate joins again."""
    graph = Graph()
    source = chain(graph, [("input", {})])
    first = chain(graph, [("linear", {"units": 4})], source)
    second = chain(graph, [("linear", {"units": 4})], source)
    add = graph.add_node("add").id
    graph.connect(first, "out", add, "a")
    graph.connect(second, "out", add, "b")
    tanh = chain(graph, [("tanh", {})], add)
    join = graph.add_node("concatenate").id
    graph.connect(tanh, "out", join, "a")
    graph.connect(add, "out", join, "b")
    chain(graph, [("linear", {"units": 1}), ("output", {"task": "binary", "loss": "bce"})], join)
    group_nodes(graph, [add, tanh], "Sum and squash")
    settings = TrainingSettings({"batch_size": 16, "epochs": 2, "learning_rate": 0.01})
    return Project(graph, DatasetConfig("xor", {"n_samples": 120}), settings, "Two ports")


def _inputs(dataset) -> torch.Tensor:
    return torch.as_tensor(dataset.x_test).float()


@pytest.mark.parametrize("make", [nested_project, two_port_project], ids=["nested", "ports"])
def test_a_block_builds_the_apps_weights_as_classes_of_its_own(make) -> None:
    project = make()
    dataset = load_dataset(project.dataset)
    plan = plan_export(project, dataset=dataset)
    source = model_source(plan)
    torch.manual_seed(7)
    app = compile_graph(project.graph, context_for(dataset), seed=None).eval()
    torch.manual_seed(7)
    namespace: dict = {"__name__": "exported_model"}
    exec(compile(source, "model.py", "exec"), namespace)  # our own generated code
    exported = namespace["Network"]().eval()
    app_state = {plan.exported_key(k): v for k, v in app.state_dict().items()}
    ours = exported.state_dict()
    assert list(ours) == list(app_state), "same weights, in the same order"
    for key, value in app_state.items():
        assert torch.equal(ours[key], value), key
    x = _inputs(dataset)
    with torch.no_grad():
        assert torch.equal(exported(x), app(x))
    if make is nested_project:
        # One class per distinct block, the inner one first; copies live in a ModuleList.
        assert source.index("class InnerBlock(") < source.index("class OuterBlock(")
        assert source.count("class InnerBlock(") == 1
        assert "nn.ModuleList([OuterBlock() for _ in range(3)])" in source
        assert "nn.ModuleList([InnerBlock() for _ in range(2)])" in source
        assert len(app_state) == 2 + 3 * (2 + 2 * 2) + 2
        assert "outer_n3.2.inner_n3.1.linear_n1.weight" in ours
    else:
        assert "class SumAndSquashBlock(" in source
        assert "def forward(self, input_x1: torch.Tensor, input_x2: torch.Tensor)" in source
        assert "return add_n4, x" in source  # both outputs, in port order


def test_a_nested_block_times_three_exports_reproduces_and_loads_the_apps_weights(
    tmp_path,
) -> None:
    project = nested_project()
    dataset = load_dataset(project.dataset)
    app = compile_graph(project.graph, context_for(dataset), seed=123).eval()
    folder = tmp_path / "nested"
    result = export_pytorch(project, app.state_dict(), folder)
    assert "weights.safetensors" in result.files

    model = load_generated(folder, "model").Network()
    model.load_state_dict(load_file(folder / "weights.safetensors"))  # strict
    model.eval()
    x = _inputs(dataset)
    with torch.no_grad():
        assert (model(x) - app(x)).abs().max().item() <= 1e-6

    want = app_losses(project, STEPS)
    assert run_generated(folder, "--steps", str(STEPS), "--out", str(folder / "out")) == 0
    got = logged_losses(folder / "out" / "log.csv")
    assert len(got) == len(want) == STEPS
    relative = np.abs(got - want) / np.maximum(np.abs(want), 1e-12)
    assert relative.max() <= RELATIVE, relative.max()

    _ruff_clean(folder)


def test_a_block_with_two_inputs_and_outputs_gives_clean_code(tmp_path) -> None:
    export_pytorch(two_port_project(), None, tmp_path)
    _ruff_clean(tmp_path)


def test_a_long_odd_block_name_still_gives_clean_code(tmp_path) -> None:
    project = nested_project()
    outer = next(n for n in project.graph.nodes.values() if n.type == "block")
    odd = 'A very long "quoted"\\ name\nfor the outer residual stack of layers"'
    project.graph.set_param(outer.id, "name", odd)
    export_pytorch(project, None, tmp_path)
    source = (tmp_path / "model.py").read_text(encoding="utf-8")
    assert "class AVeryLongQuotedBlock(nn.Module):" in source
    assert "self.a_very_long_quoted_n3 = nn.ModuleList(" in source
    _ruff_clean(tmp_path)


def _ruff_clean(folder) -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        return
    for command in (
        [ruff, "check", "--select", "E,F,W,I,B,UP,SIM,RUF", "."],
        [ruff, "format", "--check", "."],
    ):
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_layer_without_an_export_inside_a_block_is_named_with_its_block(tmp_path) -> None:
    from nnstudio.core.errors import ExportError
    from nnstudio.core.layers import LAYERS

    spec = LAYERS.get("tanh")
    original = spec.export
    object.__setattr__(spec, "export", None)  # as if Tanh had no export declaration
    try:
        with pytest.raises(ExportError) as caught:
            export_pytorch(nested_project(), None, tmp_path / "out")
    finally:
        object.__setattr__(spec, "export", original)
    assert caught.value.problems == [
        "Tanh (n2) inside Outer ×3 (n3): Tanh layers cannot be exported yet."
    ]
    assert not (tmp_path / "out").exists()


def test_a_nested_block_converts_to_onnx(tmp_path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from nnstudio.export.onnx_export import export_onnx

    result = export_onnx(two_port_project(), None, tmp_path / "ports")
    assert "onnxruntime" in result.checks[1]
    result = export_onnx(nested_project(), None, tmp_path / "nested")
    assert result.files == ["model.onnx", "README.md"]


def test_a_layer_onnx_cannot_express_inside_a_block_is_named_with_its_blocks(tmp_path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from nnstudio.core.errors import ExportError
    from nnstudio.core.layers import LAYERS
    from nnstudio.core.layers.spec import LayerCode
    from nnstudio.export.onnx_export import export_onnx

    spec = LAYERS.get("relu")
    original = spec.export
    assert original is not None

    def declared(p, ins):
        return LayerCode(module=original(p, ins).module, onnx_problem="No such operator.")

    object.__setattr__(spec, "export", declared)
    try:
        with pytest.raises(ExportError) as caught:
            export_onnx(nested_project(), None, tmp_path / "out")
    finally:
        object.__setattr__(spec, "export", original)
    assert caught.value.problems == [
        "ReLU (n2) inside Inner ×2 (n3) inside Outer ×3 (n3): No such operator."
    ]
    assert not (tmp_path / "out").exists()
