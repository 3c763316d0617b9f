"""Export a project's network as a verified ONNX model.

The network is exported with `torch.onnx.export`, checked with `onnx.checker`, then run by
onnxruntime on the test split; the export is written only if onnxruntime's outputs match
PyTorch's to 1e-4. The NN Studio project (graph, data, settings) travels in the model's
`metadata_props`. Needs the optional `export` extra: onnx, onnxscript, onnxruntime.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio import __version__
from nnstudio.core.errors import ExportError
from nnstudio.core.project import Project, project_to_dict
from nnstudio.export.folder import check_target, staged_folder
from nnstudio.export.plan import ExportPlan, plan_export
from nnstudio.export.result import ExportResult, Progress, no_progress

if TYPE_CHECKING:
    import torch

TOLERANCE = 1e-4
"""onnxruntime's outputs must be within TOLERANCE·(1 + |PyTorch's|) of PyTorch's."""
NEEDS = "ONNX export needs the optional packages onnx, onnxscript and onnxruntime: "
INSTALL = "pip install onnx onnxscript onnxruntime (or pip install 'nnstudio[export]')."


def onnx_problems(plan: ExportPlan) -> list[str]:
    """Layers whose declaration says ONNX cannot express them with their settings."""
    return [f"{n.label}: {n.code.onnx_problem}" for n in plan.nodes if n.code.onnx_problem]


def export_onnx(
    project: Project,
    weights: dict[str, torch.Tensor] | None,
    out_dir: str | os.PathLike[str],
    force: bool = False,
    progress: Progress = no_progress,
) -> ExportResult:
    """Write `model.onnx` for `project` with its `weights` (fresh ones under its seed if None)."""
    _require_packages()
    check_target(Path(out_dir).expanduser().absolute(), force)
    progress("Checking the network and loading its data…")
    plan = plan_export(project, weights)
    problems = onnx_problems(plan)
    if problems:
        raise ExportError("ONNX cannot express some layers of this network:", problems)
    progress("Converting to ONNX…")
    model, x_check = _torch_model(plan)
    payload, exporter = _convert(model, x_check[: max(min(len(x_check), 8), 2)])
    import onnx

    proto = onnx.load_from_string(payload)
    onnx.helper.set_model_props(proto, _metadata(plan))
    progress("Checking the ONNX model…")
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as exc:  # onnx raises its own ValidationError, among others
        raise ExportError("The converted model is not valid ONNX:", [str(exc)]) from None
    payload = proto.SerializeToString()
    progress("Running it with onnxruntime…")
    worst, split, count = _compare(payload, model, plan)
    result = ExportResult(Path(out_dir).expanduser().absolute())
    with staged_folder(Path(out_dir), force) as stage:
        (stage / "model.onnx").write_bytes(payload)
        (stage / "README.md").write_text(_readme(plan), encoding="utf-8")
    result.files = ["model.onnx", "README.md"]
    opset = max((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), default=0)
    result.checks = [
        f"onnx.checker: valid ONNX (opset {opset}, {exporter} exporter).",
        f"onnxruntime on the {split} split ({count} samples): largest difference from "
        f"PyTorch {worst:.2g} (allowed {TOLERANCE:g}).",
    ]
    if plan.weights is None:
        result.notes.append(
            "The project had no trained weights, so the model holds its starting weights."
        )
    return result


def _require_packages() -> None:
    missing = []
    for name in ("onnx", "onnxruntime", "onnxscript"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ExportError(NEEDS + INSTALL, [f"missing: {', '.join(missing)}"])


def _inputs(x: np.ndarray) -> torch.Tensor:
    import torch

    integer = np.issubdtype(np.asarray(x).dtype, np.integer)
    return torch.as_tensor(x, dtype=torch.int64 if integer else torch.float32)


def _torch_model(plan: ExportPlan) -> tuple[torch.nn.Module, torch.Tensor]:
    from nnstudio.core.compile import compile_analyzed

    settings = plan.project.training
    model = compile_analyzed(
        plan.project.graph,
        plan.analysis,
        settings["initializer"],
        settings["init_scale"],
        settings["seed"],
    )
    if plan.weights is not None:
        model.load_state_dict(plan.weights)
    model.eval()
    data = plan.dataset
    x = next(s for s in (data.x_test, data.x_val, data.x_train) if len(s))
    return model, _inputs(x)


def _convert(model: torch.nn.Module, example: torch.Tensor) -> tuple[bytes, str]:
    """ONNX bytes and the exporter used: TorchScript (fast), else dynamo (RMSNorm, say)."""
    import torch

    first_error: Exception | None = None
    chatter = io.StringIO()  # both exporters print diagnostics a user cannot act on
    quiet_logs = logging.getLogger("torch.onnx")
    level = quiet_logs.level
    quiet_logs.setLevel(logging.ERROR)
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(chatter),
        contextlib.redirect_stderr(chatter),
    ):
        warnings.simplefilter("ignore")
        try:
            buffer = io.BytesIO()
            torch.onnx.export(
                model,
                (example,),
                buffer,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                dynamo=False,
            )
            return buffer.getvalue(), "TorchScript"
        except Exception as exc:  # the TorchScript exporter lacks some operators
            first_error = exc
        try:
            program = torch.onnx.export(
                model,
                (example,),
                input_names=["input"],
                output_names=["output"],
                dynamic_shapes=({0: torch.export.Dim("batch")},),
                dynamo=True,
                verbose=False,
            )
            assert program is not None
            return program.model_proto.SerializeToString(), "dynamo"
        except Exception as exc:
            raise ExportError(
                "PyTorch could not convert this network to ONNX:",
                [_first_line(first_error), _first_line(exc)],
            ) from None
        finally:
            quiet_logs.setLevel(level)


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _compare(payload: bytes, model: torch.nn.Module, plan: ExportPlan) -> tuple[float, str, int]:
    """Largest difference between onnxruntime and PyTorch on the test split (or the first
    non-empty split); ExportError if beyond TOLERANCE."""
    import onnxruntime
    import torch

    data = plan.dataset
    split, x = next(
        (name, s)
        for name, s in (("test", data.x_test), ("validation", data.x_val), ("train", data.x_train))
        if len(s)
    )
    inputs = _inputs(x)
    session = onnxruntime.InferenceSession(payload, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: inputs.numpy()})[0]
    with torch.no_grad():
        want = model(inputs).numpy()
    if got.shape != want.shape:
        raise ExportError(
            "onnxruntime gives outputs of the wrong shape:",
            [f"{got.shape} instead of {want.shape}."],
        )
    excess = np.abs(got - want) - TOLERANCE * (1 + np.abs(want))
    worst = float(np.abs(got - want).max()) if got.size else 0.0
    if not np.isfinite(got).all() or (excess > 0).any():
        raise ExportError(
            "The ONNX model does not compute what the network computes, so it was not written:",
            [f"onnxruntime differs from PyTorch by up to {worst:.3g} on the {split} split."],
        )
    return worst, split, len(x)


def _metadata(plan: ExportPlan) -> dict[str, str]:
    document: dict[str, Any] = project_to_dict(plan.project)
    return {
        "nnstudio.graph": json.dumps(document["graph"]),
        "nnstudio.project": json.dumps(document),
        "nnstudio.version": __version__,
        "nnstudio.task": plan.task,
        "nnstudio.loss": plan.loss_name,
    }


def _readme(plan: ExportPlan) -> str:
    title = plan.project.title or "Network"
    shape = ", ".join(["batch", *(str(d) for d in plan.input_shape)])
    dtype = (
        "int64 token ids" if np.issubdtype(plan.dataset.x_train.dtype, np.integer) else "float32"
    )
    return f"""# {title} (ONNX)

Exported from NN Studio {__version__} and checked: `onnx.checker` accepts it, and
onnxruntime's outputs on the test split match PyTorch's to 1e-4.

- input `input`: {dtype}, shape ({shape})
- output `output`: the network's raw scores (task: {plan.task}, loss: {plan.loss_name})

```python
import numpy as np
import onnxruntime

session = onnxruntime.InferenceSession("model.onnx")
(scores,) = session.run(None, {{"input": x}})  # x: a numpy array shaped as above
```

The NN Studio project (graph, data and training settings) is stored in the model's
metadata under `nnstudio.project` and `nnstudio.graph`.
"""
