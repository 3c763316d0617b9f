"""Variants of one network trained together: V copies' weights stacked along a new first axis.

Each copy is compiled exactly as it would be alone (its own seed, initializer and scale), then
its tensors are stacked. A step gathers each copy's own batch (its own seeded order), runs
the graph once on (V, B, ...) inputs, sums the V losses (each copy's gradient is then its own)
and applies one stacked update with per-copy hyperparameters. Layers without weights run on
the copies folded into the batch; Linear has a batched-matmul fast path declared with it;
other layers with weights run through `torch.func.vmap`.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np
import torch
from torch.func import functional_call, vmap

from nnstudio.core.compile import GraphModule, compile_graph, module_name
from nnstudio.core.datasets import Dataset
from nnstudio.core.devices import resolve_device
from nnstudio.core.layers import LAYERS
from nnstudio.core.losses import LOSSES
from nnstudio.core.run import Run
from nnstudio.core.schedules import is_constant, learning_rate
from nnstudio.core.stacked_optim import RULES, StackedOptimizer
from nnstudio.core.task_rules import TaskRules
from nnstudio.core.variants import network_dict
from nnstudio.training import probes, probes_views
from nnstudio.training.memory_check import check_training_memory
from nnstudio.training.snapshot import Boundary, Snapshot, Status, divergence
from nnstudio.training.trainer import EVAL_CHUNK, ProbeOptions, context_for

VARIANT_ADVICE = "this variant stopped: lower its learning rate or add gradient clipping."
SHARED_SETTINGS = ("optimizer", "batch_size", "epochs", "device", "patience")
"""Settings that must be equal for runs to train stacked: they shape the loop itself."""


def stack_key(run: Run) -> str | None:
    """Runs with the same key can train stacked; None for a run that must train alone."""
    training = run.project.training
    if run.weights is not None or training["patience"] > 0:
        return None  # continuing runs and early stopping keep their own loop
    if training["optimizer"] not in RULES:
        return None
    flags = {
        k: v
        for k, v in training.optimizer_values().items()
        if isinstance(v, bool) or not isinstance(v, (int, float))
    }
    key = {
        "network": network_dict(run.project.graph),
        "dataset": run.project.dataset.to_dict(),
        "shared": {name: training[name] for name in SHARED_SETTINGS},
        "flags": flags,
    }
    return json.dumps(key, sort_keys=True, default=str)


def stack_groups(runs: list[Run]) -> list[list[Run]]:
    """Runs grouped for training: each group of two or more may train stacked."""
    groups: dict[str, list[Run]] = {}
    alone: list[list[Run]] = []
    for run in runs:
        key = stack_key(run)
        if key is None:
            alone.append([run])
        else:
            groups.setdefault(key, []).append(run)
    return [*groups.values(), *alone]


class StackedTrainer:
    """Trains V same-architecture networks in one step; one snapshot per network per report."""

    def __init__(self, runs: list[Run], dataset: Dataset, options: ProbeOptions) -> None:
        self.runs = runs
        self.V = len(runs)
        self.options = options
        self.dataset = dataset
        first = runs[0].project
        self.settings = [r.project.training for r in runs]
        settings = first.training
        self.device = resolve_device(settings["device"])
        ctx = context_for(dataset)
        check_training_memory(first.graph, ctx, settings, dataset, self.device, len(runs))
        self.models: list[GraphModule] = [
            compile_graph(r.project.graph, ctx, s["initializer"], s["init_scale"], s["seed"]).to(
                self.device
            )
            for r, s in zip(runs, self.settings, strict=True)
        ]
        self.template = self.models[0]
        output = first.graph.nodes_of_role("output")[0]
        spec = LOSSES.get(output.params["loss"])
        self.rules = TaskRules(spec.decision)
        self.loss_none = spec.build(output.params, "none")
        self.loss_mean = spec.build(output.params, "mean")

        # -- stacked weights, per node ---------------------------------------------------
        self.node_params: dict[str, dict[str, torch.Tensor]] = {}
        self.keys: list[tuple[str, str, str]] = []
        """(state-dict key, node id, param name) for every weight."""
        for node_id, module, _sources in self.template.schedule():
            names = [name for name, _p in module.named_parameters()]
            if not names:
                continue
            stacked = {}
            for name in names:
                tensors = [m.module_for(node_id).get_parameter(name).detach() for m in self.models]
                stacked[name] = torch.stack(tensors).clone().requires_grad_(True)
                key = f"layers.{module_name(node_id)}.{name}"
                self.keys.append((key, node_id, name))
            self.node_params[node_id] = stacked
        self.params = [p for d in self.node_params.values() for p in d.values()]
        self.penalized = [p for p in self.params if p.dim() > 2]
        self.layers = [(nid, self.template.labels.get(nid, nid)) for nid in self.node_params]

        # -- data and loop shape --------------------------------------------------------
        integer = np.issubdtype(np.asarray(dataset.x_train).dtype, np.integer)
        dtype = torch.int64 if integer else torch.float32

        def put(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
            xt = torch.as_tensor(x, dtype=dtype).to(self.device)
            return xt, self.rules.targets(y).to(self.device)

        self.x_train, self.y_train = put(dataset.x_train, dataset.y_train)
        self.x_val, self.y_val = put(dataset.x_val, dataset.y_val)
        self.n_train = int(self.x_train.shape[0])
        batch = settings["batch_size"]
        self.batch_size = self.n_train if batch <= 0 or batch >= self.n_train else batch
        self.steps_per_epoch = math.ceil(self.n_train / self.batch_size)
        self.total_steps = self.steps_per_epoch * settings["epochs"]
        self.step_count = 0
        self._shuffles = [torch.Generator().manual_seed(s["seed"]) for s in self.settings]
        self._perm: torch.Tensor | None = None

        # -- per-network hyperparameters ------------------------------------------------
        def column(values: list[float]) -> torch.Tensor:
            return torch.tensor(values, dtype=torch.float64, device=self.device)

        opt_values = [s.optimizer_values() for s in self.settings]
        numeric = [
            k
            for k, v in opt_values[0].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        hyper = {k: column([float(v[k]) for v in opt_values]) for k in numeric}
        hyper["lr"] = column([s["learning_rate"] for s in self.settings])
        flags = {k: v for k, v in opt_values[0].items() if k not in numeric}
        self.optimizer = StackedOptimizer(settings["optimizer"], self.params, hyper, flags)
        self.l1 = column([s["l1"] for s in self.settings]).float()
        self.l2 = column([s["l2"] for s in self.settings]).float()
        self.clip = column([s["clip_norm"] for s in self.settings]).float()
        self._use_l1 = any(s["l1"] > 0 for s in self.settings)
        self._use_l2 = any(s["l2"] > 0 for s in self.settings)
        self._use_clip = any(s["clip_norm"] > 0 for s in self.settings)
        self._scheduled = any(not is_constant(s.values) for s in self.settings)
        if self._scheduled:
            self._set_learning_rates(0)
        self.alive = [True] * self.V
        self._snapshots_made = 0
        self.grid = probes.boundary_grid(dataset, options.boundary_resolution, self.device)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def try_build(
        cls, runs: list[Run], dataset: Dataset, options: ProbeOptions
    ) -> StackedTrainer | None:
        """A stacked trainer if the network can run stacked (checked by one trial forward)."""
        first = runs[0].project.graph
        if any(not node.spec.stackable for node in first.nodes.values()):
            return None
        try:
            engine = cls(runs, dataset, options)
            if any(True for _ in engine.template.buffers()):
                return None
            with torch.no_grad():
                engine.forward(
                    engine.x_train[:2].unsqueeze(0).expand(engine.V, -1, *engine.x_train.shape[1:])
                )
        except (RuntimeError, NotImplementedError, ValueError):
            return None
        return engine

    def layer_labels(self) -> list[tuple[str, str]]:
        return list(self.layers)

    # -- running the graph ------------------------------------------------------------------
    def forward(
        self, x: torch.Tensor, capture: dict[str, torch.Tensor] | None = None
    ) -> torch.Tensor:
        """Run every copy on its own inputs: x is (V, B, ...), the result (V, B, ...).
        `capture`, if given, receives every node's value."""
        V = self.V
        values: dict[str, torch.Tensor] = {self.template.input_id: x}
        for node_id, module, sources in self.template.schedule():
            inputs = [values[s] for s in sources]
            params = self.node_params.get(node_id)
            if params is None:
                folded = [t.reshape(-1, *t.shape[2:]) for t in inputs]
                out = module(*folded)
                values[node_id] = out.reshape(V, -1, *out.shape[1:])
                continue
            spec = LAYERS.get(self.template.node_types[node_id])
            if spec.stacked_forward is not None:
                values[node_id] = spec.stacked_forward(params, *inputs)
            else:

                def one(p: dict[str, torch.Tensor], *xs: torch.Tensor, _m=module) -> torch.Tensor:
                    return functional_call(_m, p, xs)

                values[node_id] = vmap(one, randomness="different")(params, *inputs)
        if capture is not None:
            capture.update(values)
        return values[self.template.output_source]

    def per_network_loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(V,) mean losses, each exactly what the network's own mean loss would be."""
        flat = self.loss_none(out.reshape(-1, *out.shape[2:]), y.reshape(-1, *y.shape[2:]))
        return flat.reshape(self.V, -1).mean(dim=1)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.batch_size == self.n_train:
            shape = (self.V, *self.x_train.shape)
            return self.x_train.expand(shape), self.y_train.expand(self.V, *self.y_train.shape)
        pos = self.step_count % self.steps_per_epoch
        if pos == 0 or self._perm is None:
            self._perm = torch.stack(
                [torch.randperm(self.n_train, generator=g) for g in self._shuffles]
            ).to(self.device)
        idx = self._perm[:, pos * self.batch_size : (pos + 1) * self.batch_size]
        return self.x_train[idx], self.y_train[idx]

    def _set_learning_rates(self, step: int) -> None:
        rates = [
            learning_rate(
                step, self.total_steps, s["learning_rate"], s.values, self.steps_per_epoch
            )
            for s in self.settings
        ]
        self.optimizer.hyper["lr"] = torch.tensor(rates, dtype=torch.float64, device=self.device)

    # -- the engine interface ---------------------------------------------------------------
    def train_mode(self) -> None:
        self.template.train()

    def advance(self, want_grads: bool) -> tuple[torch.Tensor, Any, bool]:
        xb, yb = self._batch()
        self.optimizer.zero_grad()
        losses = self.per_network_loss(self.forward(xb), yb)
        total = losses.sum()
        if self._use_l1:
            total = total + (self.l1 * sum(p.abs().flatten(1).sum(1) for p in self.penalized)).sum()
        if self._use_l2:
            total = (
                total + (self.l2 * sum(p.pow(2).flatten(1).sum(1) for p in self.penalized)).sum()
            )
        total.backward()
        grads = self._grad_norms() if want_grads else None
        if self._use_clip:
            self._clip()
        if self._scheduled:
            self._set_learning_rates(self.step_count)
        self.optimizer.step()
        self.step_count += 1
        return losses.detach(), grads, False

    def _grad_norms(self) -> torch.Tensor:
        """(L, V) gradient norms per layer and network, left on the device until a report."""
        rows = []
        for params in self.node_params.values():
            squares = [
                p.grad.pow(2).flatten(1).sum(1) for p in params.values() if p.grad is not None
            ]
            rows.append(torch.stack(squares).sum(0).sqrt())
        return torch.stack(rows).detach() if rows else torch.zeros(0, self.V)

    def _clip(self) -> None:
        grads = [p.grad for p in self.params if p.grad is not None]
        norms = torch.stack([g.pow(2).flatten(1).sum(1) for g in grads]).sum(0).sqrt()
        coef = torch.clamp(self.clip / (norms + 1e-6), max=1.0)
        coef = torch.where(self.clip > 0, coef, torch.ones_like(coef))
        for g in grads:
            g.mul_(coef.reshape(-1, *([1] * (g.dim() - 1))))

    @torch.no_grad()
    def _outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Every network's output for `x` (V, N, ...), in chunks of samples as `Trainer.predict`
        does, so that V networks together see about EVAL_CHUNK samples per pass."""
        chunk = max(1, EVAL_CHUNK // self.V)
        self.template.eval()
        try:
            parts = [
                self.forward(part.unsqueeze(0).expand(self.V, *part.shape))
                for part in torch.split(x, chunk)
            ]
            return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
        finally:
            self.template.train()

    def _scores(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self._outputs(x)
        yy = y.unsqueeze(0).expand(self.V, *y.shape)
        loss = self.per_network_loss(out, yy)
        if self.rules.regression:
            return loss, torch.full_like(loss, float("nan"))
        return loss, self.rules.correct(out, yy).reshape(self.V, -1).mean(1)

    def reports(
        self,
        pending: list[torch.Tensor],
        status: Status,
        since: float,
        since_step: int,
        grads: Any,
        stopped_early: bool = False,
        heavy: bool = True,
    ) -> list[Snapshot | None]:
        """One snapshot per network still alive; None for one that diverged earlier. A light
        report (`heavy` False) carries the step losses and progress only."""
        now = time.perf_counter()
        losses = (
            torch.stack(pending).T.float().cpu().numpy()
            if pending
            else np.zeros((self.V, 0), dtype=np.float32)
        )
        if not heavy:
            return self._light_reports(losses, status, since, since_step, now)
        limit = self.options.eval_max_samples
        metrics = [*self._scores(self.x_train[:limit], self.y_train[:limit])]
        has_val = len(self.x_val) > 0
        if has_val:
            metrics += [*self._scores(self.x_val[:limit], self.y_val[:limit])]
        host = torch.stack(metrics).cpu().numpy()
        grad_host = grads.cpu().numpy() if isinstance(grads, torch.Tensor) else None
        self._snapshots_made += 1
        final = status in ("finished", "stopped", "paused")
        made = self._snapshots_made
        due_views = probes_views.due(self.options, made, final)
        want_weights = probes.due_every(self.options.weights_every, made, final)
        want_boundary = self.grid is not None and probes.due_every(
            self.options.boundary_every, made, final
        )
        surfaces = None
        if want_boundary:
            features = self.grid[0]
            res = self.options.boundary_resolution
            surfaces = self.rules.surface(self._outputs(features)).reshape(self.V, res, res)
            surfaces = surfaces.float().cpu().numpy()
        lr = self.optimizer.hyper["lr"].cpu().numpy()
        views = probes_views.stacked_views(self, self.options) if due_views else None
        out: list[Snapshot | None] = []
        for v in range(self.V):
            if not self.alive[v]:
                out.append(None)
                continue
            snap = self._progress(v, losses[v], status, since, since_step, now, float(lr[v]))
            if snap.status == "diverged":
                out.append(snap)
                continue
            snap.train_loss = float(host[0, v])
            acc = float(host[1, v])
            snap.train_accuracy = None if math.isnan(acc) else acc
            if has_val:
                snap.val_loss = float(host[2, v])
                acc = float(host[3, v])
                snap.val_accuracy = None if math.isnan(acc) else acc
            if grad_host is not None:
                snap.grad_norms = {
                    nid: float(grad_host[i, v]) for i, nid in enumerate(self.node_params)
                }
            if want_weights:
                snap.weights = self._weights_of(v)
            if surfaces is not None:
                snap.boundary = Boundary(surfaces[v], self.grid[1])
            if views is not None:
                snap.dead_units, snap.histograms = views[v]
            out.append(snap)
        return out

    def _progress(
        self,
        v: int,
        losses: np.ndarray,
        status: Status,
        since: float,
        since_step: int,
        now: float,
        lr: float,
    ) -> Snapshot:
        """Network v's snapshot without evaluation: its step losses, rate and progress (and
        its divergence, which marks it dead)."""
        snap = Snapshot(
            step=self.step_count,
            epoch=self.step_count // self.steps_per_epoch,
            epoch_fraction=self.step_count / self.total_steps if self.total_steps else 1.0,
            status=status,
            step_losses=losses,
            batch_loss=float(losses.mean()) if len(losses) else float("nan"),
            learning_rate=lr,
            steps_per_second=(self.step_count - since_step) / max(now - since, 1e-9),
            total_steps=self.total_steps,
            steps_per_epoch=self.steps_per_epoch,
        )
        why = divergence(losses, since_step, self.steps_per_epoch, VARIANT_ADVICE)
        if why:
            snap.status, snap.message = "diverged", why
            self.alive[v] = False
        return snap

    def _light_reports(
        self, losses: np.ndarray, status: Status, since: float, since_step: int, now: float
    ) -> list[Snapshot | None]:
        lr = self.optimizer.hyper["lr"].cpu().numpy()
        return [
            self._progress(v, losses[v], status, since, since_step, now, float(lr[v]))
            if self.alive[v]
            else None
            for v in range(self.V)
        ]

    def _weights_of(self, v: int) -> dict[str, np.ndarray]:
        result = {}
        for node_id, params in self.node_params.items():
            weight = params.get("weight")
            if weight is None:
                weight = next((p for p in params.values() if p.dim() > 2), None)
            if weight is not None:
                result[node_id] = weight[v].detach().to("cpu", copy=True).float().numpy()
        return result

    def final_states(self) -> list[dict[str, torch.Tensor]]:
        """Each network's state dict, on the CPU, with the keys its own module would have."""
        states = []
        for v in range(self.V):
            state = {}
            for key, node_id, name in self.keys:
                state[key] = self.node_params[node_id][name][v].detach().to("cpu", copy=True)
            states.append(state)
        return states
