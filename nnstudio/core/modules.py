"""Small torch modules the catalog needs that torch does not ship.

Imported only by builders, so importing the catalog never imports torch.
"""

from __future__ import annotations

import torch
from torch import nn


class AddModule(nn.Module):
    """Element-wise sum of two branches."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a + b


class ConcatModule(nn.Module):
    """Join two branches along the feature (or channel) axis."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.cat((a, b), dim=1)
