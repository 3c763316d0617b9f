"""A one-slot, latest-wins hand-over of reports from the worker thread to the GUI.

A report maps run ids to snapshots. The worker never queues more than one undelivered
report: if the GUI has not taken the last one yet, the new one is merged into it, run by run
(step losses are joined, wall seconds added, the newest of everything else, and what a
light report lacks kept from a heavy one).
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
    newer.seconds += older.seconds
    for name in ("weights", "boundary", "predictions", "unit_maps", "dead_units", "histograms"):
        if getattr(newer, name) is None:
            setattr(newer, name, getattr(older, name))
    if not newer.grad_norms:
        newer.grad_norms = older.grad_norms
    if older.scored and not newer.scored:
        # a light report after a heavy one: keep the heavy one's scores
        newer.train_loss, newer.train_accuracy = older.train_loss, older.train_accuracy
        newer.val_loss, newer.val_accuracy = older.val_loss, older.val_accuracy
    return newer


Reports = dict[str, Snapshot]


class SnapshotMailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Reports | None = None

    def put(self, reports: Reports) -> bool:
        """Store `reports`; True if the slot was empty, so the GUI needs a wake-up signal."""
        with self._lock:
            was_empty = self._pending is None
            if was_empty:
                self._pending = dict(reports)
            else:
                pending = self._pending
                for run_id, snap in reports.items():
                    older = pending.get(run_id)
                    pending[run_id] = snap if older is None else merge(older, snap)
            return was_empty

    def take(self) -> Reports | None:
        with self._lock:
            snap, self._pending = self._pending, None
            return snap
