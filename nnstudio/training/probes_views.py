"""Probes that look inside the network on snapshot steps: dead units and histograms.

Both read the value every node produces on one validation batch (plus the weights and the
last step's gradients), so they cost one extra forward pass per due snapshot. Everything is
reduced on the device and copied to the host once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from nnstudio.training.probes import due_every
from nnstudio.training.snapshot import Histogram

if TYPE_CHECKING:
    from nnstudio.core.compile import GraphModule

# `options` is the trainer's ProbeOptions and `engine` a StackedTrainer; both are typed Any so
# this module, which they import, imports neither of them back (no import circles).
RELU_FAMILY = ("relu", "leaky_relu", "prelu")
"""Layer types whose units can go silent: their output is positive only for positive inputs."""
KINDS = ("weights", "activations", "gradients")


def due(options: Any, snapshots_made: int, final: bool) -> bool:
    """Whether the snapshot numbered `snapshots_made` (from 1) carries the views."""
    return due_every(options.views_every, snapshots_made, final)


def unit_axis_values(value: torch.Tensor, image: bool) -> torch.Tensor:
    """(units, observations): a unit is a feature, or a channel for image-shaped values."""
    if image and value.dim() == 4:
        return value.transpose(0, 1).reshape(value.shape[1], -1)
    return value.reshape(-1, value.shape[-1]).T


def dead_shares(outputs: dict[str, torch.Tensor], types: dict[str, str]) -> dict[str, torch.Tensor]:
    """Node id -> (on the device) the share of units that are positive for no sample.

    A unit of a ReLU-family layer 'fires' when its output is above zero; one that fires for
    no sample of the batch passes no gradient back through ReLU and has stopped learning."""
    shares = {}
    for node_id, value in outputs.items():
        if types.get(node_id) not in RELU_FAMILY or value.dim() < 2:
            continue
        units = unit_axis_values(value.detach(), value.dim() == 4)
        fired = (units > 0).any(dim=1)
        shares[node_id] = 1.0 - fired.float().mean()
    return shares


HISTOGRAM_SAMPLE = 65_536
"""A histogram counts at most this many values of a tensor, evenly spread over it.

A convolution's activations on 256 images are 3 million numbers; counting them all took 70 ms
here, against about 1 ms for this sample, and the shape of the distribution is the same."""


def histogram_of(values: torch.Tensor, bins: int) -> torch.Tensor:
    """(bins + 2,) on the device: the counts, then the lowest and highest value.

    Counts are of an evenly strided sample (`HISTOGRAM_SAMPLE`) for very large tensors; the
    lowest and highest values are those of the sample."""
    flat = values.detach().reshape(-1)
    if flat.numel() > HISTOGRAM_SAMPLE:
        flat = flat[:: -(-flat.numel() // HISTOGRAM_SAMPLE)]
    flat = flat.float()
    flat = flat[torch.isfinite(flat)]
    if flat.numel() == 0:
        return torch.zeros(bins + 2, device=values.device)
    low, high = flat.min(), flat.max()
    top = torch.where(high > low, high, low + 1e-6)
    counts = torch.histc(flat, bins=bins, min=float(low), max=float(top))
    return torch.cat([counts, low.reshape(1), top.reshape(1)])


def to_histograms(
    tensors: dict[tuple[str, str], torch.Tensor], bins: int
) -> dict[str, dict[str, Histogram]]:
    """Kind -> node id -> Histogram, with one device-to-host copy for all of them."""
    if not tensors:
        return {}
    keys = list(tensors)
    host = torch.stack([histogram_of(tensors[k], bins) for k in keys]).cpu().numpy()
    out: dict[str, dict[str, Histogram]] = {}
    for (kind, node_id), row in zip(keys, host, strict=True):
        edges = np.linspace(row[bins], row[bins + 1], bins + 1, dtype=np.float64)
        out.setdefault(kind, {})[node_id] = Histogram(edges, row[:bins].astype(np.int64))
    return out


@torch.no_grad()
def node_outputs(model: GraphModule, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every node's value for input `x`, in evaluation mode."""
    was_training = model.training
    model.eval()
    try:
        values: dict[str, torch.Tensor] = {model.input_id: x}
        for node_id, module, sources in model.schedule():
            values[node_id] = module(*(values[s] for s in sources))
        return values
    finally:
        model.train(was_training)


def main_tensor(params: dict[str, torch.Tensor]) -> torch.Tensor | None:
    weight = params.get("weight")
    if weight is None:
        weight = next((p for p in params.values() if p.dim() > 1), None)
    return weight


def measure_views(
    outputs: dict[str, torch.Tensor],
    types: dict[str, str],
    layer_params: dict[str, dict[str, torch.Tensor]],
    histogram_nodes: Callable[[str], bool],
    bins: int,
) -> tuple[dict[str, float], dict[str, dict[str, Histogram]]]:
    """Dead-unit shares and histograms (weights, activations, gradients per layer).

    `layer_params` maps each layer with weights to its parameters; `histogram_nodes` says
    which nodes' activations get a histogram."""
    shares = dead_shares(outputs, types)
    tensors: dict[tuple[str, str], torch.Tensor] = {}
    for node_id, params in layer_params.items():
        weight = main_tensor(params)
        if weight is None:
            continue
        tensors[("weights", node_id)] = weight
        if weight.grad is not None:
            tensors[("gradients", node_id)] = weight.grad
    for node_id, value in outputs.items():
        if histogram_nodes(node_id) and value.is_floating_point():
            tensors[("activations", node_id)] = value
    dead = {}
    if shares:
        names = list(shares)
        values = torch.stack([shares[n] for n in names]).double().cpu().tolist()
        dead = dict(zip(names, values, strict=True))
    return dead, to_histograms(tensors, bins)


def trainer_views(
    model: GraphModule, x: torch.Tensor, options: Any
) -> tuple[dict[str, float], dict[str, dict[str, Histogram]]]:
    """Dead units and histograms of one plain (unstacked) model on the batch `x`."""
    outputs = node_outputs(model, x)
    outputs.pop(model.input_id, None)
    layer_params = {
        node_id: dict(module.named_parameters()) for node_id, module in model.parametric_layers()
    }
    types = model.node_types
    return measure_views(
        outputs,
        types,
        layer_params,
        lambda n: types.get(n) not in ("input", "output"),
        options.histogram_bins,
    )


Views = tuple[dict[str, float], dict[str, dict[str, Histogram]]]


def stacked_views(engine: Any, options: Any) -> list[Views]:
    """Dead units and histograms of each of a stacked engine's networks."""
    x = engine.x_val if len(engine.x_val) else engine.x_train
    x = x[: options.views_max_samples]
    captured: dict[str, torch.Tensor] = {}
    template = engine.template
    template.eval()
    try:
        with torch.no_grad():
            engine.forward(x.unsqueeze(0).expand(engine.V, *x.shape), captured)
    finally:
        template.train()
    captured.pop(template.input_id, None)
    types = template.node_types
    wanted = lambda n: types.get(n) not in ("input", "output")  # noqa: E731
    result = []
    for v in range(engine.V):
        outputs = {n: t[v] for n, t in captured.items()}
        params = {}
        for node_id, stacked in engine.node_params.items():
            params[node_id] = {name: _slice(p, v) for name, p in stacked.items()}
        result.append(measure_views(outputs, types, params, wanted, options.histogram_bins))
    return result


def _slice(stacked: torch.Tensor, v: int) -> torch.Tensor:
    """Network v's share of a stacked parameter, with its gradient attached for reading."""
    part = stacked.detach()[v]
    if stacked.grad is not None:
        part.grad = stacked.grad[v]
    return part


UNIT_MAP_RESOLUTION = 24
MAX_UNITS_SHOWN = 16


@torch.no_grad()
def unit_maps(model: GraphModule, features: torch.Tensor, resolution: int) -> dict[str, np.ndarray]:
    """Node id -> (units, r, r): what each unit of every hidden vector layer outputs over the
    2D input plane (Playground's per-neuron pictures), at a coarse resolution `r`.

    `features` is the boundary grid (resolution² rows, row-major); it is subsampled to r×r."""
    full = round(len(features) ** 0.5)
    pick = np.linspace(0, full - 1, resolution).round().astype(int)
    rows = torch.as_tensor((pick[:, None] * full + pick[None, :]).reshape(-1))
    outputs = node_outputs(model, features[rows.to(features.device)])
    types = model.node_types
    shown = {}
    for node_id, value in outputs.items():
        if node_id == model.input_id or types.get(node_id) in ("input", "output"):
            continue
        if value.dim() != 2:
            continue
        units = value[:, :MAX_UNITS_SHOWN].T.reshape(-1, resolution, resolution)
        shown[node_id] = units
    if not shown:
        return {}
    names = list(shown)
    host = torch.cat([shown[n] for n in names]).float().cpu().numpy()
    out, start = {}, 0
    for name in names:
        count = shown[name].shape[0]
        out[name] = host[start : start + count]
        start += count
    return out
