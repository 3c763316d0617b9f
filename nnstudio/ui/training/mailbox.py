"""A one-slot, latest-wins hand-over of snapshots from the worker thread to the GUI.

The worker never queues more than one undelivered snapshot: if the GUI has not taken the last
one yet, the new one is merged into it (step losses are joined, everything else is the newest).
So a slow redraw makes the GUI skip frames instead of falling behind or flooding the event
queue, and the worker never waits for the GUI.
"""

from __future__ import annotations

import threading

import numpy as np

from nnstudio.training.snapshot import Snapshot


def merge(older: Snapshot, newer: Snapshot) -> Snapshot:
    """`newer`, carrying what `older` had that `newer` lacks (its step losses, heavy probes)."""
    newer.step_losses = np.concatenate([older.step_losses, newer.step_losses])
    if newer.weights is None:
        newer.weights = older.weights
    if newer.boundary is None:
        newer.boundary = older.boundary
    if newer.predictions is None:
        newer.predictions = older.predictions
    if not newer.grad_norms:
        newer.grad_norms = older.grad_norms
    return newer


class SnapshotMailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Snapshot | None = None

    def put(self, snap: Snapshot) -> bool:
        """Store `snap`; True if the slot was empty, so the GUI needs a wake-up signal."""
        with self._lock:
            was_empty = self._pending is None
            self._pending = snap if was_empty else merge(self._pending, snap)
            return was_empty

    def take(self) -> Snapshot | None:
        with self._lock:
            snap, self._pending = self._pending, None
            return snap
