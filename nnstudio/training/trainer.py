"""The training loop: a generator that yields snapshots, obeying a TrainingControl.

The loop itself does the least it can per step: forward, loss, backward, update, and keeping
the (still on-device) loss tensor. Everything a person looks at, evaluation, gradient norms,
weight copies and the decision-boundary grid, is computed only on snapshot steps, whose rate
the caller sets. That keeps instrumented training close to a bare PyTorch loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nnstudio.core.compile import GraphModule, compile_graph
from nnstudio.core.datasets import Dataset
from nnstudio.core.devices import resolve_device
from nnstudio.core.errors import GraphError
from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.losses import LOSSES
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.schedules import is_constant, learning_rate
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.task_rules import TaskRules
from nnstudio.training import probes, probes_views
from nnstudio.training.control import TrainingControl
from nnstudio.training.early_stopping import EarlyStopping
from nnstudio.training.loop import PROBE_SHARE, drive
from nnstudio.training.memory_check import check_training_memory
from nnstudio.training.snapshot import Boundary, Predictions, Snapshot, Status, divergence

DIVERGED_ADVICE = (
    "training stopped: lower the learning rate (or add gradient clipping) and train a new "
    "run (New Run, Ctrl+R)."
)
EVAL_CHUNK = 512
"""Evaluation feeds the network at most this many samples per forward pass."""


@dataclass
class ProbeOptions:
    """How often the trainer reports, and what each report carries."""

    snapshot_every_steps: int = 0
    """Report every N steps; 0 reports by time instead (see `min_interval_s`)."""
    min_interval_s: float = 1 / 30
    """With time-based reporting, at most one snapshot per this many seconds."""
    probe_share: float = PROBE_SHARE
    """With time-based reporting, snapshots are spaced so that making them takes at most
    this share of the time (1 turns the budget off)."""
    grad_norms: bool = True
    weights_every: int = 10
    """Attach weight copies to every Nth snapshot (0: never)."""
    boundary_every: int = 3
    """Attach the decision-boundary grid to every Nth snapshot (0: never)."""
    boundary_resolution: int = 64
    predictions_every: int = 3
    """Attach validation predictions (confusion matrix, predicted vs true) to every Nth
    snapshot (0: never)."""
    eval_max_samples: int = 2048
    """Train/validation metrics are measured on at most this many samples per split."""
    views_every: int = 3
    """Attach dead-unit shares and histograms to every Nth snapshot (0: never)."""
    views_max_samples: int = 256
    """Dead units and activation histograms look at this many validation samples at most."""
    histogram_bins: int = 30


def context_for(dataset: Dataset) -> ShapeContext:
    return ShapeContext(
        input_shape=tuple(dataset.feature_shape),
        task=dataset.task,
        num_classes=dataset.num_classes,
        target_dim=dataset.target_dim,
        target_steps=dataset.target_steps,
    )


class Trainer:
    """Owns the compiled model, its optimizer and the data on the chosen device."""

    def __init__(
        self,
        graph: Graph,
        dataset: Dataset,
        settings: TrainingSettings,
        options: ProbeOptions | None = None,
        initial_state: dict[str, torch.Tensor] | None = None,
        start_step: int = 0,
        plan: tuple[int, int] | None = None,
    ) -> None:
        """`start_step` continues a run: steps, epochs and curves count on from it. `plan`
        is (first step, total steps) of the learning-rate plan this session follows: by
        default a new plan of the settings' epochs starts at `start_step`; a stopped run
        resumes its old plan instead."""
        self.settings = settings
        self.options = options or ProbeOptions()
        self.dataset = dataset
        self.device = resolve_device(settings["device"])
        check_training_memory(graph, context_for(dataset), settings, dataset, self.device)
        self.model: GraphModule = compile_graph(
            graph,
            context_for(dataset),
            settings["initializer"],
            settings["init_scale"],
            settings["seed"],
        )
        if initial_state is not None:
            self.model.load_state_dict(initial_state)
        self.model.to(self.device)
        output = graph.nodes_of_role("output")[0]
        loss_spec = LOSSES.get(output.params["loss"])
        self.rules = TaskRules(loss_spec.decision)
        self.loss_fn: nn.Module = loss_spec.build(output.params, "mean")

        self.x_train, self.y_train = self._to_device(dataset.x_train, dataset.y_train)
        self.x_val, self.y_val = self._to_device(dataset.x_val, dataset.y_val)
        self.x_test, self.y_test = self._to_device(dataset.x_test, dataset.y_test)
        self.n_train = int(self.x_train.shape[0])
        if self.n_train == 0:
            raise GraphError("The training split is empty: give the training split a share.")
        batch = settings["batch_size"]
        self.batch_size = self.n_train if batch <= 0 or batch >= self.n_train else batch
        self.steps_per_epoch = math.ceil(self.n_train / self.batch_size)
        self.start_step = max(0, int(start_step))
        if plan is None:
            plan = (self.start_step, self.start_step + self.steps_per_epoch * settings["epochs"])
        self.plan_start, self.total_steps = plan

        self.layers = self.model.parametric_layers()
        self.penalized = [p for _nid, m in self.layers for p in m.parameters() if p.dim() > 1]
        self.optimizer = OPTIMIZERS.get(settings["optimizer"]).build(
            self.model.parameters(), settings["learning_rate"], settings.optimizer_values()
        )
        self._shuffle = torch.Generator().manual_seed(settings["seed"])
        self._perm: torch.Tensor | None = None
        self.step_count = self.start_step
        self._snapshots_made = 0
        self.grid = probes.boundary_grid(dataset, self.options.boundary_resolution, self.device)
        self._scheduled = not is_constant(settings.values)
        if self._scheduled:
            self._set_learning_rate(self.start_step)
        patience = settings["patience"]
        watch = patience > 0 and len(self.x_val) > 0
        self.early_stopping = EarlyStopping(patience, settings["restore_best"]) if watch else None
        self._early_note = (
            "Early stopping was on, but there is no validation split to watch, so training "
            "ran every epoch: give the validation split a share."
            if patience > 0 and not watch
            else ""
        )

    # -- data -----------------------------------------------------------------------------
    def _to_device(self, x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        # Token ids stay whole numbers for Embedding; everything else trains in float32.
        integer = np.issubdtype(np.asarray(x).dtype, np.integer)
        xt = torch.as_tensor(x, dtype=torch.int64 if integer else torch.float32)
        return xt.to(self.device), self.rules.targets(y).to(self.device)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch for the current step: reshuffled at each epoch start, unless full batch."""
        if self.batch_size == self.n_train:
            return self.x_train, self.y_train
        pos = self.step_count % self.steps_per_epoch
        if pos == 0 or self._perm is None:
            self._perm = torch.randperm(self.n_train, generator=self._shuffle).to(self.device)
        idx = self._perm[pos * self.batch_size : (pos + 1) * self.batch_size]
        return self.x_train[idx], self.y_train[idx]

    # -- one step -------------------------------------------------------------------------
    def _train_step(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(xb), yb)
        total = loss
        l1, l2 = self.settings["l1"], self.settings["l2"]
        if l1 > 0:
            total = total + l1 * sum(p.abs().sum() for p in self.penalized)
        if l2 > 0:
            total = total + l2 * sum(p.pow(2).sum() for p in self.penalized)
        total.backward()
        return loss.detach()

    def planned_learning_rate(self, step: int) -> float:
        """The rate the plan gives update `step` (counted over the whole run)."""
        return learning_rate(
            step - self.plan_start,
            self.total_steps - self.plan_start,
            self.settings["learning_rate"],
            self.settings.values,
            self.steps_per_epoch,
        )

    def _set_learning_rate(self, step: int) -> None:
        """Set the scheduled rate for update `step`: plain Python floats, no device sync."""
        lr = self.planned_learning_rate(step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def _epoch_end(self) -> bool:
        """Early stopping's once-per-epoch look at the validation loss; True to stop now."""
        assert self.early_stopping is not None
        val_loss, _accuracy = self.evaluate_tensors(self.x_val, self.y_val)
        epoch = self.step_count // self.steps_per_epoch
        return self.early_stopping.update(epoch, val_loss, self.model)

    def advance(self, want_grads: bool) -> tuple[torch.Tensor, dict[str, float], bool]:
        """One optimizer update: (batch loss on the device, gradient norms if wanted, whether
        early stopping ended the run at this step's epoch end)."""
        xb, yb = self._batch()
        loss = self._train_step(xb, yb)
        grads = probes.grad_norms(self.layers) if want_grads else {}
        clip = self.settings["clip_norm"]
        if clip > 0:
            nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        if self._scheduled:
            self._set_learning_rate(self.step_count)
        self.optimizer.step()
        self.step_count += 1
        stop = (
            self.early_stopping is not None
            and self.step_count % self.steps_per_epoch == 0
            and self._epoch_end()
        )
        return loss, grads, stop

    def layer_labels(self) -> list[tuple[str, str]]:
        """(node id, label) of every layer with weights, input to output."""
        return [(nid, self.model.labels.get(nid, nid)) for nid, _m in self.layers]

    @property
    def done(self) -> bool:
        return self.step_count >= self.total_steps

    # -- the loop -------------------------------------------------------------------------
    def train_mode(self) -> None:
        self.model.train()

    def run(self, control: TrainingControl | None = None) -> Iterator[Snapshot]:
        """Train until done or stopped, yielding snapshots; ends with a final one."""
        opts = self.options
        for snaps in drive(
            self,
            control,
            opts.snapshot_every_steps,
            opts.min_interval_s,
            opts.grad_norms,
            share=opts.probe_share,
        ):
            if snaps and snaps[0] is not None:
                yield snaps[0]

    def reports(
        self,
        pending: list[torch.Tensor],
        status: Status,
        since: float,
        since_step: int,
        grads: dict[str, float],
        stopped_early: bool = False,
        heavy: bool = True,
    ) -> list[Snapshot]:
        """The loop's report: one snapshot; the final one after early stopping's restore."""
        message = ""
        best_epoch = 0
        if status == "finished":
            message = self._early_note
            early = self.early_stopping
            healthy = not pending or bool(torch.isfinite(torch.stack(pending)).all())
            if early is not None and healthy:
                epoch = self.step_count // self.steps_per_epoch
                restored = early.restore_best and early.restore(self.model, epoch)
                message = early.message(epoch, stopped_early, restored)
                best_epoch = early.best_epoch
        snap = self._snapshot(pending, status, since, since_step, heavy)
        if snap.status != "diverged":
            snap.grad_norms = grads
            if status == "finished":
                snap.message = message
                snap.stopped_early = stopped_early
                snap.best_epoch = best_epoch
        return [snap]

    def _snapshot(
        self,
        pending: list[torch.Tensor],
        status: Status,
        since: float,
        since_step: int,
        heavy: bool = True,
    ) -> Snapshot:
        """A report of the steps since `since_step`; a light one (`heavy` False) stops after
        the step losses and progress, before evaluation and the probes."""
        opts = self.options
        now = time.perf_counter()
        losses = (
            torch.stack(pending).float().cpu().numpy() if pending else np.zeros(0, dtype=np.float32)
        )
        snap = Snapshot(
            step=self.step_count,
            epoch=self.step_count // self.steps_per_epoch,
            epoch_fraction=self.step_count / self.total_steps if self.total_steps else 1.0,
            steps_per_epoch=self.steps_per_epoch,
            status=status,
            step_losses=losses,
            batch_loss=float(losses.mean()) if len(losses) else float("nan"),
            learning_rate=float(self.optimizer.param_groups[0]["lr"]),
            steps_per_second=(self.step_count - since_step) / max(now - since, 1e-9),
            total_steps=self.total_steps,
        )
        why = divergence(losses, since_step, self.steps_per_epoch, DIVERGED_ADVICE)
        if why:
            snap.status, snap.message = "diverged", why
            return snap
        if not heavy:
            return snap
        limit = opts.eval_max_samples
        snap.train_loss, snap.train_accuracy = self.evaluate_tensors(
            self.x_train[:limit], self.y_train[:limit]
        )
        self._snapshots_made += 1
        final = status in ("finished", "stopped", "paused")
        made = self._snapshots_made
        want_predictions = probes.due_every(opts.predictions_every, made, final)
        val_out = None
        if len(self.x_val):
            x_val, y_val = self.x_val[:limit], self.y_val[:limit]
            val_out = self.predict(x_val)
            snap.val_loss, snap.val_accuracy = self.scores_of(val_out, y_val)
        if want_predictions:
            snap.predictions = self.predictions(val_out)
        if probes.due_every(opts.weights_every, made, final):
            snap.weights = probes.weight_copies(self.layers)
        if self.grid is not None and probes.due_every(opts.boundary_every, made, final):
            snap.boundary = self.boundary()
            snap.unit_maps = probes_views.unit_maps(
                self.model, self.grid[0], probes_views.UNIT_MAP_RESOLUTION
            )
        if probes_views.due(opts, made, final):
            x = self.x_val if len(self.x_val) else self.x_train
            views = probes_views.trainer_views(self.model, x[: opts.views_max_samples], opts)
            snap.dead_units, snap.histograms = views
        return snap

    def boundary(self) -> Boundary | None:
        """The output surface over the 2D grid, for the current weights."""
        if self.grid is None:
            return None
        features, extent = self.grid
        return probes.boundary_values(self.predict(features), self.rules, extent)

    def predictions(self, val_out: torch.Tensor | None = None) -> Predictions | None:
        """Validation predictions (on at most `eval_max_samples`) for the current weights.

        `val_out`, the network's output on those samples when a report already computed it,
        saves a second forward pass."""
        limit = self.options.eval_max_samples
        x, y = self.x_val[:limit], self.y_val[:limit]
        if len(x) == 0:
            return None
        out = self.predict(x) if val_out is None else val_out
        if self.rules.regression:
            out, y = out[: probes.SCATTER_POINTS], y[: probes.SCATTER_POINTS]
        return probes.predictions(out, y, self.rules, self.dataset)

    # -- evaluation -----------------------------------------------------------------------
    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The network's output for `x` in evaluation mode, computed EVAL_CHUNK rows at a
        time: a convolution over thousands of images at once spills out of the caches and ran
        1.7 times slower here than in chunks of 512."""
        was_training = self.model.training
        self.model.eval()
        try:
            if len(x) <= EVAL_CHUNK:
                return self.model(x)
            return torch.cat(
                [self.model(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)]
            )
        finally:
            self.model.train(was_training)

    def scores_of(self, out: torch.Tensor, y: torch.Tensor) -> tuple[float, float | None]:
        """(loss, accuracy) of the outputs `out` against `y`; accuracy is None for regression."""
        return float(self.loss_fn(out, y)), self.rules.accuracy(out, y)

    def evaluate_tensors(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float | None]:
        """(loss, accuracy) of the current weights; accuracy is None for regression."""
        if len(x) == 0:
            return float("nan"), None
        return self.scores_of(self.predict(x), y)

    def evaluate(self, split: str) -> tuple[float, float | None]:
        """Score one split ("train", "val" or "test"). The test split is scored only on request."""
        x, y = {
            "train": (self.x_train, self.y_train),
            "val": (self.x_val, self.y_val),
            "test": (self.x_test, self.y_test),
        }[split]
        return self.evaluate_tensors(x, y)
