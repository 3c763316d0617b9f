"""Running exported code inside the test process, and reading what it wrote."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from nnstudio.core.templates import TEMPLATES

NEEDS_SKLEARN = {"digits_cnn", "digits_resnet", "swiglu_mlp"}


def available_templates() -> list[str]:
    """Every template whose data this machine can load (two need scikit-learn)."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return [t.name for t in TEMPLATES if t.name not in NEEDS_SKLEARN]
    return [t.name for t in TEMPLATES]


def load_generated(folder: Path, name: str) -> ModuleType:
    """Import `folder/name.py` fresh; model.py is found beside train.py, as when run."""
    for stale in ("model", "train"):
        sys.modules.pop(stale, None)
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        if name == "train":
            # build_model imports model.py when it runs: keep the folder importable until then
            module.build_model = _with_path(module.build_model, folder)
        return module
    finally:
        sys.path.remove(str(folder))


def _with_path(function, folder: Path):
    def wrapped(*args, **kwargs):
        sys.modules.pop("model", None)
        sys.path.insert(0, str(folder))
        try:
            return function(*args, **kwargs)
        finally:
            sys.path.remove(str(folder))

    return wrapped


def run_generated(folder: Path, *argv: str) -> int:
    """Run the exported train.py's main() here, on the CPU."""
    train = load_generated(folder, "train")
    try:
        return train.main(["--device", "cpu", *argv])
    finally:
        for stale in ("model", "train"):
            sys.modules.pop(stale, None)


def logged_losses(path: Path) -> np.ndarray:
    with open(path, encoding="utf-8") as handle:
        return np.array([float(row["loss"]) for row in csv.DictReader(handle)])


def app_losses(project, steps: int) -> np.ndarray:
    """The app trainer's first `steps` batch losses for `project`, with no probes."""
    from nnstudio.core.datasets import load_dataset
    from nnstudio.training.trainer import ProbeOptions, Trainer

    options = ProbeOptions(
        snapshot_every_steps=steps,
        grad_norms=False,
        weights_every=0,
        boundary_every=0,
        predictions_every=0,
    )
    trainer = Trainer(project.graph, load_dataset(project.dataset), project.training, options)
    losses: list[float] = []
    for snap in trainer.run():
        losses.extend(snap.step_losses.tolist())
        if trainer.step_count >= steps:
            break
    return np.array(losses[:steps])
