"""The trainer and what it reports. Knows nothing of Qt: the GUI runs it on a worker thread.

Names are loaded on first use, so importing `nnstudio.training.control` (which the GUI does
before its first paint) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "TrainingControl": "nnstudio.training.control",
    "Boundary": "nnstudio.training.snapshot",
    "Predictions": "nnstudio.training.snapshot",
    "Snapshot": "nnstudio.training.snapshot",
    "ProbeOptions": "nnstudio.training.trainer",
    "Trainer": "nnstudio.training.trainer",
    "context_for": "nnstudio.training.trainer",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'nnstudio.training' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
