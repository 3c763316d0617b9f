"""How a network's raw output is read for its loss: targets, decisions, accuracy, surfaces.

Every place that turns outputs into answers (the trainer's metrics, the probes, batched
variants, inference, export) asks these rules, built once from the loss declaration, instead
of branching on the loss name. Importing this module imports torch, so only code that
already runs a model imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nnstudio.core.losses import LOSSES, Decision


@dataclass(frozen=True)
class TaskRules:
    decision: Decision

    @classmethod
    def for_loss(cls, loss_name: str) -> TaskRules:
        return cls(LOSSES.get(loss_name).decision)

    @property
    def regression(self) -> bool:
        return self.decision == "value"

    # -- targets -----------------------------------------------------------------------------
    def targets(self, y: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Dataset targets in the dtype and shape the loss wants."""
        yt = torch.as_tensor(y)
        if self.decision == "value":
            return yt.to(torch.float32).reshape(len(yt), -1)
        if self.decision == "logit":
            return yt.to(torch.float32).reshape(-1, 1)
        yt = yt.to(torch.int64)
        if yt.dim() > 1 and yt.shape[1] > 1:  # several answers per sample (sorted positions)
            return yt.reshape(len(yt), -1)
        return yt.reshape(-1)

    # -- decisions ---------------------------------------------------------------------------
    def classes(self, out: torch.Tensor) -> torch.Tensor:
        """The predicted class per row (int64); only for classification."""
        if self.decision == "logit":
            return (out[..., 0] > 0).to(torch.int64)
        return out.argmax(dim=-1)

    def correct(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-row 1.0/0.0 for a right/wrong answer, over the last axis of `out`."""
        if self.decision == "logit":
            return ((out > 0).to(y.dtype) == y).float().squeeze(-1)
        return (out.argmax(dim=-1) == y).float()

    def accuracy(self, out: torch.Tensor, y: torch.Tensor) -> float | None:
        """Share of right answers; None for regression, which has no right answer."""
        if self.regression:
            return None
        return float(self.correct(out, y).mean())

    def probabilities(self, out: torch.Tensor) -> torch.Tensor:
        """Class probabilities per row: (n, k), with k = 2 for a single logit."""
        if self.decision == "logit":
            p = torch.sigmoid(out[..., :1])
            return torch.cat([1 - p, p], dim=-1)
        if self.decision == "classes":
            return torch.softmax(out, dim=-1)
        raise ValueError("a regression output has no class probabilities")

    def surface(self, out: torch.Tensor) -> torch.Tensor:
        """The one number per row a 2D surface shows: the value, P(class 1), or the class."""
        if self.decision == "value":
            return out[..., 0]
        if self.decision == "logit":
            return torch.sigmoid(out[..., 0])
        if out.shape[-1] == 2:
            return torch.softmax(out, dim=-1)[..., 1]
        return out.argmax(dim=-1).float()

    def num_outputs(self, out_width: int, num_classes: int) -> int:
        """How many classes a confusion matrix needs for this output."""
        if self.decision == "logit":
            return max(num_classes, 2)
        return max(num_classes, out_width, 2)
