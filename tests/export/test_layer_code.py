"""Every catalog layer declares how exported code writes it, and that code builds what the
app builds: the same parameters under the same seed, the same outputs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnstudio.core.code import Call, literal
from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import load_dataset
from nnstudio.core.errors import ExportError
from nnstudio.core.layers import LAYERS
from nnstudio.core.losses import LOSSES
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.export.model_code import model_source
from nnstudio.export.plan import plan_export
from nnstudio.export.source import Definitions, import_block
from nnstudio.training.trainer import context_for
from tests.export.catalog_projects import EXPORTABLE, project_for

VARIANTS = {
    "prelu": [{"per_feature": True}],
    "rnn": [{"bidirectional": True, "layers": 2}],
    "gru": [{"returns": "sequence", "bidirectional": True}],
    "self_attention": [{"causal": True}],
    "positional_encoding": [{"kind": "learned"}],
    "transformer_block": [{"norm_first": True, "activation": "gelu"}],
    "linear": [{"bias": False}],
}
CASES = [(name, {}) for name in EXPORTABLE] + [
    (name, params) for name, variants in VARIANTS.items() for params in variants
]


def test_every_catalog_layer_declares_its_export() -> None:
    # Blocks do not export as a class of their own yet; the exporter names them instead
    # before writing anything.
    layers = [spec for spec in LAYERS if spec.role == "layer" and spec.name != "block"]
    assert len(layers) == len(EXPORTABLE) > 30
    missing = [spec.name for spec in layers if spec.export is None]
    assert missing == []
    # The data ends are not layers of the model.
    assert LAYERS.get("input").export is None and LAYERS.get("output").export is None


def _exec_model(source: str) -> dict:
    namespace: dict = {"__name__": "exported_model"}
    exec(compile(source, "model.py", "exec"), namespace)  # our own generated code
    return namespace


@pytest.mark.parametrize(("layer", "params"), CASES, ids=lambda v: str(v) if v else "")
def test_exported_model_equals_the_app_model(layer: str, params: dict) -> None:
    project = project_for(layer, params)
    dataset = load_dataset(project.dataset)
    plan = plan_export(project, dataset=dataset)
    torch.manual_seed(7)
    app = compile_graph(project.graph, context_for(dataset), seed=None).eval()
    torch.manual_seed(7)
    exported = _exec_model(model_source(plan))["Network"]().eval()
    app_state = {plan.exported_key(k): v for k, v in app.state_dict().items()}
    ours = exported.state_dict()
    assert sorted(ours) == sorted(app_state)
    for key, value in app_state.items():
        assert torch.equal(ours[key], value), key
    x = torch.as_tensor(dataset.x_test)
    x = x.long() if not x.is_floating_point() else x.float()
    with torch.no_grad():
        assert torch.equal(exported(x), app(x))


def test_a_layer_without_an_export_is_named_before_anything_is_written(tmp_path) -> None:
    from nnstudio.export import export_pytorch

    spec = LAYERS.get("gelu")
    project = project_for("gelu")
    original = spec.export
    object.__setattr__(spec, "export", None)  # as if GELU had no export declaration
    try:
        with pytest.raises(ExportError) as caught:
            export_pytorch(project, None, tmp_path / "out")
    finally:
        object.__setattr__(spec, "export", original)
    assert "GELU (n3)" in str(caught.value)
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


def test_calls_print_as_formatted_source() -> None:
    call = Call.of("nn.Conv2d", 1, 8, kernel_size=3, bias=True)
    assert call.code() == "nn.Conv2d(1, 8, kernel_size=3, bias=True)"
    assert literal("relu") == '"relu"' and literal((1,)) == "(1,)" and literal(0.1) == "0.1"
    assert isinstance(call.build(), nn.Conv2d)
    lion = Call.of("nnstudio.core.lion:Lion", lr=0.1)
    assert lion.own == ("nnstudio.core.lion", "Lion") and lion.code("ps") == "Lion(ps, lr=0.1)"


def test_losses_and_optimizers_build_from_their_calls() -> None:
    for loss in LOSSES:
        built = loss.build({"label_smoothing": 0.1, "delta": 2.0})
        assert isinstance(built, nn.Module)
        name = loss.module({"label_smoothing": 0.1, "delta": 2.0}).name
        assert type(built).__name__ == name.removeprefix("nn.")
    weights = [nn.Parameter(torch.zeros(2))]
    for spec in OPTIMIZERS:
        values = spec.params.resolve({}, spec.display_name)
        optimizer = spec.build(weights, 0.1, values)
        assert type(optimizer).__name__ == spec.call(0.1, values).name.split(".")[-1]


def test_copied_definitions_bring_what_they_use() -> None:
    definitions = Definitions()
    definitions.add("nnstudio.core.modules", ["TokenEmbedding", "PositionalEncoding"])
    source = definitions.source()
    assert "class ShapeError(ValueError)" in source  # stands in for the app's error type
    assert "def sinusoidal_table" in source  # used by PositionalEncoding
    assert "GatedFeedForward" not in source


def test_import_block_follows_isort_order() -> None:
    block = import_block(["nn", "np", "torch", "annotations", "math", "Callable", "load_file"])
    assert block == (
        "from __future__ import annotations\n\n"
        "import math\n"
        "from collections.abc import Callable\n\n"
        "import numpy as np\n"
        "import torch\n"
        "from safetensors.torch import load_file\n"
        "from torch import nn\n"
    )


def test_a_block_is_named_before_anything_is_written(tmp_path) -> None:
    from nnstudio.core.errors import ExportError
    from nnstudio.core.templates import TEMPLATES
    from nnstudio.export import export_pytorch

    project = TEMPLATES.get("transformer_copy").build()
    assert any(n.type == "block" for n in project.graph.nodes.values())
    out = tmp_path / "out"
    with pytest.raises(ExportError) as caught:
        export_pytorch(project, None, out)
    assert "cannot be exported yet" in str(caught.value) + " ".join(caught.value.problems)
    assert not out.exists(), "nothing was written"
