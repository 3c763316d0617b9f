"""What the trainer measures on snapshot steps: gradient norms, weights, the boundary grid,
validation predictions.

Each probe makes one host copy at most, so its cost is paid at snapshot rate, not per step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from nnstudio.training.snapshot import Boundary, Predictions

if TYPE_CHECKING:
    from nnstudio.core.datasets import Dataset
    from nnstudio.core.task_rules import TaskRules

Layers = list[tuple[str, nn.Module]]
SCATTER_POINTS = 500
"""Regression: at most this many (true, predicted) pairs; enough to see the spread."""
SAMPLE_IMAGES = 16
"""Image data: how many validation images are shown with their predicted labels."""


def due_every(every: int, snapshots_made: int, final: bool) -> bool:
    """Whether the heavy snapshot numbered `snapshots_made` (from 1) carries a probe that comes
    with every `every`th one (0: never). Final snapshots (pause, stop, the end) carry all."""
    return bool(every) and (final or (snapshots_made - 1) % every == 0)


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


def boundary_values(
    out: torch.Tensor, rules: TaskRules, extent: tuple[float, float, float, float]
) -> Boundary:
    """The surface a 2D panel shows, from the network's output on the square grid."""
    res = round(len(out) ** 0.5)
    return Boundary(rules.surface(out).reshape(res, res).float().cpu().numpy(), extent)


def predictions(out: torch.Tensor, y: torch.Tensor, rules: TaskRules, data: Dataset) -> Predictions:
    """The network's predictions on validation samples, in the form that suits the task.

    Classification counts a confusion matrix on the device and copies it to the host once,
    together with the labels of the sample images; regression copies the (true, predicted)
    pairs."""
    if rules.regression:
        pairs = torch.stack([y[:, 0], out[:, 0]]).float().cpu().numpy()
        return Predictions(true=pairs[0], predicted=pairs[1])
    k = rules.num_outputs(out.shape[-1], data.num_classes)
    true = y.reshape(-1).to(torch.int64)
    guess = rules.classes(out).reshape(-1).clamp(0, k - 1)  # one per answer step
    counts = torch.bincount(true * k + guess, minlength=k * k)
    shown = min(SAMPLE_IMAGES, len(out)) if data.kind == "image" else 0
    host = torch.cat([counts, true[:shown], guess[:shown]]).cpu().numpy()
    result = Predictions(confusion=host[: k * k].reshape(k, k), class_names=data.class_names)
    if shown:
        result.images = np.array(data.x_val[:shown], dtype=np.float32)
        result.image_true = host[k * k : k * k + shown]
        result.image_predicted = host[k * k + shown :]
    return result
