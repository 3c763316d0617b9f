"""Whether trained weights hold only finite numbers, checked before they are kept or saved.

A run that diverges leaves NaN or infinite weights behind. They must not replace the last
good weights, and a save must not write them without the user asking for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnstudio.core.errors import ProjectFileError


class NonFiniteWeightsError(ProjectFileError):
    """The weights to save hold NaN or infinite values; save with allow_non_finite to insist."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"The trained weights hold {count:,} values that are not finite numbers (NaN or "
            "infinity), left by a run that diverged; they were not saved."
        )
        self.count = count


def non_finite_count(state: Mapping[str, Any]) -> int:
    """How many values in a state dict (torch tensors or numpy arrays) are NaN or infinite."""
    total = 0
    for tensor in state.values():
        if hasattr(tensor, "is_floating_point"):  # a torch tensor
            if tensor.is_floating_point() or tensor.is_complex():
                import torch

                total += int((~torch.isfinite(tensor)).sum().item())
        else:
            import numpy as np

            array = np.asarray(tensor)
            if array.dtype.kind in "fc":
                total += int((~np.isfinite(array)).sum())
    return total


def all_finite(state: Mapping[str, Any] | None) -> bool:
    """True when every weight is a finite number (an empty or missing state counts as finite)."""
    return state is None or non_finite_count(state) == 0


def check_finite(state: Mapping[str, Any] | None, allow_non_finite: bool = False) -> None:
    """NonFiniteWeightsError unless the weights are finite or the caller allows otherwise."""
    if state is None or allow_non_finite:
        return
    count = non_finite_count(state)
    if count:
        raise NonFiniteWeightsError(count)
