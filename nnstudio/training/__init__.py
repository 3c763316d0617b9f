"""The trainer and what it reports. Knows nothing of Qt: the GUI runs it on a worker thread."""

from nnstudio.training.control import TrainingControl
from nnstudio.training.snapshot import Boundary, Snapshot
from nnstudio.training.trainer import ProbeOptions, Trainer, context_for

__all__ = ["Boundary", "ProbeOptions", "Snapshot", "Trainer", "TrainingControl", "context_for"]
