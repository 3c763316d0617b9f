"""The trainer against an independent plain-PyTorch loop: same losses, same gradient norms.

The reference below uses nothing from nnstudio but the dataset arrays and the trainer's
starting weights. It builds the MLP as an `nn.Sequential`, draws batches by the documented
rule (one `torch.Generator` seeded with the seed; at each epoch start a fresh `randperm`,
mini-batches in order, the last partial batch kept; full batch: the data as it is), and
trains with the stock optimizer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import mlp
from nnstudio.training import ProbeOptions, Trainer

STEPS = 50
DATA = DatasetConfig("spiral", {"n_samples": 60})  # 36 training samples: 10, 10, 10, 6


def reference_net(trainer: Trainer) -> nn.Sequential:
    """2-8-8-1 tanh, with the trainer's initial weights copied in by node order."""
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    ours = [m for m in net if isinstance(m, nn.Linear)]
    theirs = trainer.model.parametric_layers()
    assert len(ours) == len(theirs)
    with torch.no_grad():
        for mine, (_nid, other) in zip(ours, theirs, strict=True):
            assert isinstance(other, nn.Linear)
            mine.weight.copy_(other.weight)
            mine.bias.copy_(other.bias)
    return net


def reference_batches(x: torch.Tensor, y: torch.Tensor, batch: int, seed: int, steps: int):
    n = len(x)
    if batch <= 0 or batch >= n:
        for _ in range(steps):
            yield x, y
        return
    generator = torch.Generator().manual_seed(seed)
    made = 0
    while True:
        perm = torch.randperm(n, generator=generator)
        for start in range(0, n, batch):
            idx = perm[start : start + batch]
            yield x[idx], y[idx]
            made += 1
            if made == steps:
                return


def reference_run(
    trainer: Trainer, settings: dict[str, Any], make_optimizer
) -> tuple[np.ndarray, list[list[float]]]:
    net = reference_net(trainer)
    dataset = trainer.dataset
    x = torch.as_tensor(dataset.x_train, dtype=torch.float32)
    y = torch.as_tensor(dataset.y_train).to(torch.float32).reshape(-1, 1)
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = make_optimizer(net.parameters())
    linears = [m for m in net if isinstance(m, nn.Linear)]
    losses, norms = [], []
    for xb, yb in reference_batches(x, y, settings["batch_size"], settings["seed"], STEPS):
        optimizer.zero_grad()
        loss = loss_fn(net(xb), yb)
        total = loss
        if settings.get("l2", 0.0):
            total = total + settings["l2"] * sum(m.weight.pow(2).sum() for m in linears)
        total.backward()
        norms.append(
            [
                float(
                    torch.sqrt(
                        m.weight.grad.double().pow(2).sum() + m.bias.grad.double().pow(2).sum()
                    )
                )
                for m in linears
            ]
        )
        if settings.get("clip_norm", 0.0):
            nn.utils.clip_grad_norm_(net.parameters(), settings["clip_norm"])
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses), norms


CASES = {
    "sgd-momentum": (
        {"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 10},
        {"sgd": {"momentum": 0.9}},
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
    ),
    "sgd-nesterov-full-batch": (
        {"optimizer": "sgd", "learning_rate": 0.2, "batch_size": 0},
        {"sgd": {"momentum": 0.5, "nesterov": True}},
        lambda ps: torch.optim.SGD(ps, lr=0.2, momentum=0.5, nesterov=True),
    ),
    "adam": (
        {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 10},
        {"adam": {"beta1": 0.8, "beta2": 0.99}},
        lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-8),
    ),
    "adam-batch-1": (
        {"optimizer": "adam", "learning_rate": 0.005, "batch_size": 1},
        {},
        lambda ps: torch.optim.Adam(ps, lr=0.005),
    ),
    "sgd-l2-clip": (
        {"optimizer": "sgd", "learning_rate": 0.5, "batch_size": 7, "l2": 0.01, "clip_norm": 0.3},
        {},
        lambda ps: torch.optim.SGD(ps, lr=0.5),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_trainer_matches_plain_pytorch(case: str) -> None:
    values, optimizer_params, make_optimizer = CASES[case]
    settings = {"epochs": 1000, "seed": 11, **values}
    trainer = Trainer(
        mlp([8, 8], "tanh"),
        load_dataset(DATA),
        TrainingSettings(settings, optimizer_params),
        ProbeOptions(snapshot_every_steps=1, weights_every=0, boundary_every=0),
    )
    want_losses, want_norms = reference_run(trainer, settings, make_optimizer)

    got_losses, got_norms = [], []
    for snap in trainer.run():
        assert snap.status == "running"
        got_losses.extend(snap.step_losses.tolist())
        got_norms.append([snap.grad_norms[nid] for nid, _m in trainer.model.parametric_layers()])
        if snap.step == STEPS:
            break
    assert len(got_losses) == STEPS
    # A wrong batch order or a missed update would show up within a few steps.
    assert not np.allclose(want_losses[0], want_losses[1:])
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_norms, want_norms, rtol=1e-5, atol=1e-8)
