"""Shared set-up for the benchmarks: the same model, data and batches for every contender."""

from __future__ import annotations

import os
import statistics
import time

import torch

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import mlp


def spiral_project(batch_size: int, epochs: int, hidden=(8, 8)) -> Project:
    """Spiral, 2-8-8-1 tanh, Adam: the model every benchmark measures."""
    return Project(
        mlp(list(hidden), "tanh"),
        DatasetConfig("spiral"),
        TrainingSettings({"batch_size": batch_size, "epochs": epochs, "learning_rate": 0.01}),
    )


def bare_loop_steps_per_second(project: Project, steps: int) -> float:
    """A plain PyTorch loop on the same compiled model, data and shuffling as the trainer."""
    from nnstudio.training.trainer import Trainer

    dataset = load_dataset(project.dataset)
    trainer = Trainer(project.graph, dataset, project.training)
    model, opt, loss_fn = trainer.model, trainer.optimizer, trainer.loss_fn
    x, y, n, b = trainer.x_train, trainer.y_train, trainer.n_train, trainer.batch_size
    gen = torch.Generator().manual_seed(0)
    per_epoch = trainer.steps_per_epoch
    start = time.perf_counter()
    perm = None
    for step in range(steps):
        if b == n:
            xb, yb = x, y
        else:
            pos = step % per_epoch
            if pos == 0:
                perm = torch.randperm(n, generator=gen)
            idx = perm[pos * b : (pos + 1) * b]
            xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - start)


def median(values: list[float]) -> float:
    return statistics.median(values)


def cpu_note() -> str:
    return f"{os.cpu_count()} CPU(s), torch {torch.__version__}, {torch.get_num_threads()} threads"
