"""What the trainer reports: plain data, safe to hand to another thread."""

from __future__ import annotations

import math
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
class Histogram:
    """How the values of one tensor spread: counts in equal-width bins between two edges."""

    edges: np.ndarray
    """(bins + 1,) float64 bin edges, lowest to highest value."""
    counts: np.ndarray
    """(bins,) int64 counts."""


@dataclass
class Predictions:
    """What the network predicts on the validation split, in the form that suits the task."""

    confusion: np.ndarray | None = None
    """(k, k) int64 counts for classification: row = true class, column = predicted class."""
    true: np.ndarray | None = None
    """Regression: up to 500 true targets (float32), paired with `predicted`."""
    predicted: np.ndarray | None = None
    """Regression: the network's outputs for the same samples as `true`."""
    images: np.ndarray | None = None
    """Image data: the first (up to 16) validation samples, (n, C, H, W) float32."""
    image_true: np.ndarray | None = None
    """The true class of each of `images` (int64)."""
    image_predicted: np.ndarray | None = None
    """The predicted class of each of `images` (int64)."""
    class_names: tuple[str, ...] = ()
    """A readable name per class index, where the data has them."""

    @property
    def accuracy(self) -> float | None:
        """Share of correct predictions, from the confusion counts; None without any."""
        if self.confusion is None or self.confusion.sum() == 0:
            return None
        return float(np.trace(self.confusion) / self.confusion.sum())


def divergence(losses: np.ndarray, since_step: int, steps_per_epoch: int, advice: str) -> str:
    """Why training stopped, if a loss since `since_step` is not a number; else ""."""
    bad = np.flatnonzero(~np.isfinite(losses))
    if not len(bad):
        return ""
    first = since_step + int(bad[0]) + 1
    epoch = (first - 1) // max(steps_per_epoch, 1) + 1
    return f"The loss became {losses[bad[0]]} at step {first} (epoch {epoch}), so {advice}"


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
    predictions: Predictions | None = None
    """Validation predictions (confusion counts, predicted vs true, sample images), when due."""
    unit_maps: dict[str, np.ndarray] | None = None
    """2D data: node id -> (units, r, r) each unit's output over the input plane, with the
    boundary."""
    dead_units: dict[str, float] | None = None
    """ReLU-family node id -> share of its units that fire for no validation sample, when due."""
    histograms: dict[str, dict[str, Histogram]] | None = None
    """"weights" / "activations" / "gradients" -> node id -> Histogram, when due."""
    steps_per_second: float = 0.0
    total_steps: int = 0
    steps_per_epoch: int = 0
    seconds: float = 0.0
    """Wall time this report covers (since the previous report of the same run)."""
    stopped_early: bool = False
    """The final report of a run that early stopping ended."""
    best_epoch: int = 0
    """With early stopping: the epoch whose validation loss was lowest (0 when unknown)."""
    eta_seconds: float = float("nan")
    """Time left until the session ends, from its pace so far (reports included)."""

    @property
    def scored(self) -> bool:
        """Whether this is a heavy report, one that evaluated the network; a light one carries
        only the step losses and progress."""
        return not math.isnan(self.train_loss)

    def metrics(self) -> dict[str, float]:
        """The per-snapshot numbers a History records, by series name; unmeasured ones left
        out (no validation split, no accuracy for regression)."""
        values = {
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            "train_accuracy": self.train_accuracy,
            "val_accuracy": self.val_accuracy,
            "learning_rate": self.learning_rate,
        }
        return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(v)}

    @property
    def total_epochs(self) -> int:
        """Epochs the whole run will have when it ends (counting continued sessions)."""
        return self.total_steps // self.steps_per_epoch if self.steps_per_epoch else 0
