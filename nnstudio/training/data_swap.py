"""Handing a running trainer new training data (2D points edited by hand while it trains).

The GUI puts the newly loaded Dataset into a `DataInbox` from its own thread; the thread that
drives the training session calls `take_new_data` between two of its reports (the training
loop is a generator, so nothing of it runs then), which swaps the data in. The weights, the
optimizer's state and the step count stay; only what the steps are fed changes.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnstudio.core.datasets import Dataset
    from nnstudio.training.session import TrainingSession
    from nnstudio.training.trainer import Trainer


class DataInbox:
    """One slot, latest wins: only the newest edit matters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Dataset | None = None

    def put(self, dataset: Dataset) -> None:
        with self._lock:
            self._pending = dataset

    def take(self) -> Dataset | None:
        with self._lock:
            dataset, self._pending = self._pending, None
            return dataset


def take_new_data(session: TrainingSession, inbox: DataInbox) -> bool:
    """Swap the data waiting in `inbox`, if any, into the session's plain trainers; call
    only on the session's own thread, between two of its reports. (Variants trained
    stacked keep their data: each is a fixed experiment.)"""
    dataset = inbox.take()
    if dataset is None:
        return False
    from nnstudio.training.trainer import Trainer

    for engine, _members in session.engines:
        if isinstance(engine, Trainer):
            replace_data(engine, dataset)
    return True


def replace_data(trainer: Trainer, dataset: Dataset) -> None:
    """Feed `trainer` from `dataset` from its next step on. The run keeps its planned number
    of steps (and so its learning-rate plan); epochs are counted in the new data's size."""
    from nnstudio.training import probes  # torch: only once a trainer exists

    if len(dataset.x_train) == 0 or dataset.feature_shape != trainer.dataset.feature_shape:
        return  # the editor never makes such data; never break a running run over it
    trainer.dataset = dataset
    trainer.x_train, trainer.y_train = trainer._to_device(dataset.x_train, dataset.y_train)
    trainer.x_val, trainer.y_val = trainer._to_device(dataset.x_val, dataset.y_val)
    trainer.x_test, trainer.y_test = trainer._to_device(dataset.x_test, dataset.y_test)
    trainer.n_train = int(trainer.x_train.shape[0])
    batch = trainer.settings["batch_size"]
    trainer.batch_size = trainer.n_train if batch <= 0 or batch >= trainer.n_train else batch
    trainer.steps_per_epoch = math.ceil(trainer.n_train / trainer.batch_size)
    trainer._perm = None  # the next batch reshuffles the new training set
    trainer.grid = probes.boundary_grid(
        dataset, trainer.options.boundary_resolution, trainer.device
    )
