"""Taking a network out of NN Studio: a PyTorch folder that reproduces the run, or ONNX.

Qt-free. Both entry points take a Project and an optional state dict (the app's own key
names), so a Run plugs in as `export_pytorch(run.project, run.weights, folder)`.
"""

from __future__ import annotations

from nnstudio.export.plan import ExportPlan, plan_export
from nnstudio.export.pytorch_script import export_pytorch
from nnstudio.export.result import ExportResult

__all__ = ["ExportPlan", "ExportResult", "export_pytorch", "plan_export"]
