"""Export a project as a folder of plain PyTorch: model.py, train.py, data and weights.

The folder needs only torch, numpy and safetensors. Everything that can fail is checked by
`plan_export` before the first byte is written, and the folder appears all at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.core.project import Project
from nnstudio.export.folder import check_target, staged_folder
from nnstudio.export.model_code import model_source
from nnstudio.export.plan import ExportPlan, plan_export
from nnstudio.export.readme import readme_text
from nnstudio.export.result import ExportResult, Progress, no_progress
from nnstudio.export.train_code import train_source

if TYPE_CHECKING:
    import torch

PYPROJECT = """\
# Formatting settings for the exported code (it needs only torch, numpy and safetensors).
[tool.ruff]
line-length = 100
"""


def export_pytorch(
    project: Project,
    weights: dict[str, torch.Tensor] | None,
    out_dir: str | os.PathLike[str],
    force: bool = False,
    progress: Progress = no_progress,
) -> ExportResult:
    """Write the PyTorch folder for `project` (and its trained `weights`, if any)."""
    check_target(Path(out_dir).expanduser().absolute(), force)
    progress("Checking the network and loading its data…")
    plan = plan_export(project, weights)
    return write_pytorch(plan, Path(out_dir), force, progress)


def write_pytorch(
    plan: ExportPlan, out_dir: Path, force: bool = False, progress: Progress = no_progress
) -> ExportResult:
    progress("Writing the code…")
    sources = {"model.py": model_source(plan), "train.py": train_source(plan)}
    result = ExportResult(Path(out_dir).expanduser().absolute())
    with staged_folder(out_dir, force) as stage:
        for name, text in sources.items():
            (stage / name).write_text(text, encoding="utf-8")
        progress("Writing the data…")
        write_data(plan, stage / "data.npz")
        names = ["model.py", "train.py", "data.npz"]
        weights = plan.exported_weights()
        if weights is not None:
            from safetensors.torch import save_file

            progress("Writing the weights…")
            save_file(weights, str(stage / "weights.safetensors"))
            names.append("weights.safetensors")
        (stage / "README.md").write_text(readme_text(plan, weights is not None), "utf-8")
        (stage / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        names += ["README.md", "pyproject.toml"]
    result.files = names
    return result


def write_data(plan: ExportPlan, path: Path) -> None:
    """The exact train / validation / test splits the app trains on."""
    data = plan.dataset
    np.savez_compressed(
        path,
        x_train=data.x_train,
        y_train=data.y_train,
        x_val=data.x_val,
        y_val=data.y_val,
        x_test=data.x_test,
        y_test=data.y_test,
    )
