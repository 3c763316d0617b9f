"""The ONNX export: every template converts, passes onnx.checker and matches PyTorch under
onnxruntime; the project travels in the metadata; what ONNX cannot express is named first."""

from __future__ import annotations

import builtins
import json

import numpy as np
import pytest

from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import load_dataset
from nnstudio.core.errors import ExportError
from nnstudio.core.layers import LAYERS
from nnstudio.core.layers.spec import LayerCode
from nnstudio.core.templates import TEMPLATES
from nnstudio.training.trainer import context_for
from tests.export.catalog_projects import project_for
from tests.export.helpers import available_templates

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

from nnstudio.export.onnx_export import TOLERANCE, export_onnx  # noqa: E402


def run_onnx(path, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def test_every_template_exports_and_matches_pytorch(tmp_path) -> None:
    import torch

    for name in available_templates():
        project = TEMPLATES.get(name).build()
        dataset = load_dataset(project.dataset)
        weights = compile_graph(project.graph, context_for(dataset), seed=5).state_dict()
        result = export_onnx(project, weights, tmp_path / name)
        assert result.files == ["model.onnx", "README.md"]
        assert "onnx.checker" in result.checks[0] and "onnxruntime" in result.checks[1]
        path = tmp_path / name / "model.onnx"
        onnx.checker.check_model(onnx.load(str(path)))
        # Checked here too, independently of the exporter's own check.
        model = compile_graph(project.graph, context_for(dataset), seed=None)
        model.load_state_dict(weights)
        model.eval()
        x = dataset.x_test.astype(np.int64 if dataset.x_test.dtype.kind in "iu" else np.float32)
        with torch.no_grad():
            want = model(torch.as_tensor(x)).numpy()
        got = run_onnx(path, x)
        assert np.all(np.abs(got - want) <= TOLERANCE * (1 + np.abs(want))), name


def test_the_project_travels_in_the_metadata(tmp_path) -> None:
    project = TEMPLATES.get("residual_mlp").build()
    export_onnx(project, None, tmp_path)
    props = {p.key: p.value for p in onnx.load(str(tmp_path / "model.onnx")).metadata_props}
    graph = json.loads(props["nnstudio.graph"])
    assert graph == project.graph.to_dict()
    assert json.loads(props["nnstudio.project"])["dataset"]["name"] == "spiral"


def test_a_layer_the_torchscript_exporter_lacks_still_exports(tmp_path) -> None:
    result = export_onnx(project_for("rmsnorm"), None, tmp_path)
    assert "dynamo" in result.checks[0]


def test_a_layer_onnx_cannot_express_is_named_before_export(tmp_path) -> None:
    spec = LAYERS.get("tanh")
    original = spec.export
    reason = "ONNX has no such operator."

    def declared(p, ins):
        assert original is not None
        return LayerCode(module=original(p, ins).module, onnx_problem=reason)

    object.__setattr__(spec, "export", declared)
    try:
        with pytest.raises(ExportError) as caught:
            export_onnx(project_for("tanh"), None, tmp_path / "out")
    finally:
        object.__setattr__(spec, "export", original)
    assert caught.value.problems == [f"Tanh (n3): {reason}"]
    assert not (tmp_path / "out").exists()


def test_missing_packages_are_named_with_the_install_command(tmp_path, monkeypatch) -> None:
    real_import = builtins.__import__

    def without_onnxruntime(name, *args, **kwargs):
        if name == "onnxruntime":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_onnxruntime)
    with pytest.raises(ExportError, match="pip install") as caught:
        export_onnx(TEMPLATES.get("xor_mlp").build(), None, tmp_path / "out")
    assert "onnxruntime" in str(caught.value)
