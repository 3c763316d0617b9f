"""Early stopping: watch the validation loss at each epoch end, keep the best weights.

Called once per epoch, never per step, so it may synchronize with the device freely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class EarlyStopping:
    """Tracks the best validation loss and says when `patience` epochs passed without it."""

    patience: int
    restore_best: bool = True
    losses: list[float] = field(default_factory=list)
    """The validation loss at the end of each epoch so far."""
    best_loss: float = math.inf
    best_epoch: int = 0
    best_state: dict[str, torch.Tensor] | None = None

    def update(self, epoch: int, loss: float, model: nn.Module) -> bool:
        """Record `epoch`'s loss; True when training should stop now."""
        self.losses.append(loss)
        if math.isfinite(loss) and loss < self.best_loss:
            self.best_loss, self.best_epoch = loss, epoch
            if self.restore_best:
                self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        return epoch - self.best_epoch >= self.patience

    def restore(self, model: nn.Module, epoch: int) -> bool:
        """Load the best weights if they are not the current ones; True if it did."""
        if self.best_state is None or self.best_epoch == epoch:
            return False
        model.load_state_dict(self.best_state)
        return True

    def message(self, epoch: int, stopped: bool, restored: bool) -> str:
        """What the final report says about early stopping."""
        parts = []
        if stopped:
            parts.append(
                f"Stopped early at epoch {epoch}: the validation loss had not improved for "
                f"{self.patience} epoch{'s' if self.patience != 1 else ''}."
            )
        if self.best_epoch and (stopped or restored):
            kept = "Restored" if restored else "Kept the last weights; the best were"
            where = "the weights from" if restored else "from"
            parts.append(
                f"{kept} {where} epoch {self.best_epoch}, where the validation loss was "
                f"lowest ({self.best_loss:.4g})."
            )
        return " ".join(parts)
