"""What the trainer measures on snapshot steps: gradient norms, weights, the boundary grid.

Each probe makes one host copy at most, so its cost is paid at snapshot rate, not per step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from nnstudio.training.snapshot import Boundary

if TYPE_CHECKING:
    from nnstudio.core.datasets import Dataset
    from nnstudio.training.trainer import Trainer

Layers = list[tuple[str, nn.Module]]


def grad_norms(layers: Layers) -> dict[str, float]:
    """L2 norm over all parameter gradients of each layer, with one device-to-host copy."""
    names, norms = [], []
    for node_id, module in layers:
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        if not grads:
            continue
        names.append(node_id)
        norms.append(
            torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        )
    if not norms:
        return {}
    values = torch.stack(norms).detach().double().cpu().tolist()
    return dict(zip(names, values, strict=True))


def main_weight(module: nn.Module) -> torch.Tensor | None:
    """The tensor a heatmap should show: `weight` if the layer has one, else its first matrix."""
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor):
        return weight
    return next((p for p in module.parameters() if p.dim() > 1), None)


def weight_copies(layers: Layers) -> dict[str, np.ndarray]:
    result = {}
    for node_id, module in layers:
        weight = main_weight(module)
        if weight is not None:
            result[node_id] = weight.detach().to("cpu", copy=True).float().numpy()
    return result


def boundary_grid(
    dataset: Dataset, resolution: int, device: torch.device
) -> tuple[torch.Tensor, tuple[float, float, float, float]] | None:
    """Featurized grid points over the 2D data, made once; None when the data is not 2D."""
    if dataset.points_train is None or resolution < 2:
        return None
    xmin, xmax, ymin, ymax = dataset.bounds()
    xs = np.linspace(xmin, xmax, resolution, dtype=np.float32)
    ys = np.linspace(ymin, ymax, resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    features = torch.as_tensor(dataset.featurize(points), dtype=torch.float32).to(device)
    return features, (float(xmin), float(xmax), float(ymin), float(ymax))


def boundary_values(trainer: Trainer) -> Boundary | None:
    if trainer.grid is None:
        return None
    features, extent = trainer.grid
    out = trainer.predict(features)
    if trainer.task == "regression":
        values = out[:, 0]
    elif trainer.loss_name == "bce":
        values = torch.sigmoid(out[:, 0])
    elif out.shape[1] == 2:
        values = torch.softmax(out, dim=1)[:, 1]
    else:
        values = out.argmax(dim=1).float()
    res = trainer.options.boundary_resolution
    return Boundary(values.reshape(res, res).float().cpu().numpy(), extent)
