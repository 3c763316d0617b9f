"""What the trainer reports: plain data, safe to hand to another thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Status = Literal["running", "paused", "finished", "stopped", "diverged", "stalled"]


@dataclass
class Boundary:
    """The model's output over a grid covering the 2D data."""

    values: np.ndarray
    """(resolution, resolution) float32; row i is y, column j is x. Class-1 probability
    for classification, the prediction for regression."""
    extent: tuple[float, float, float, float]
    """xmin, xmax, ymin, ymax of the grid."""


@dataclass
class Snapshot:
    step: int
    epoch: int
    """Completed epochs."""
    epoch_fraction: float
    """Progress through the whole run, 0..1."""
    status: Status = "running"
    message: str = ""
    batch_loss: float = float("nan")
    """Mean of the training batch losses since the previous snapshot."""
    step_losses: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    """Every batch loss since the previous snapshot, one per step."""
    train_loss: float = float("nan")
    train_accuracy: float | None = None
    val_loss: float = float("nan")
    val_accuracy: float | None = None
    learning_rate: float = 0.0
    grad_norms: dict[str, float] = field(default_factory=dict)
    """Node id -> L2 norm of that layer's parameter gradients at the last step."""
    weights: dict[str, np.ndarray] | None = None
    """Node id -> a copy of that layer's main weight, when due."""
    boundary: Boundary | None = None
    steps_per_second: float = 0.0
    total_steps: int = 0
