"""The project every GUI benchmark trains: the same model and settings as trainer_overhead."""

from __future__ import annotations

import os

import torch
from trainer_overhead import LEARNING_RATE, SEED

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import mlp


def spiral_project(batch_size: int, epochs: int) -> Project:
    """Spiral, 2-8-8-1 tanh, Adam: the model every benchmark measures."""
    return Project(
        mlp([8, 8], "tanh"),
        DatasetConfig("spiral"),
        TrainingSettings(
            {
                "optimizer": "adam",
                "learning_rate": LEARNING_RATE,
                "batch_size": batch_size,
                "epochs": epochs,
                "seed": SEED,
                "device": "cpu",
            }
        ),
    )


def cpu_note() -> str:
    return f"{os.cpu_count()} CPU(s), torch {torch.__version__}, {torch.get_num_threads()} threads"
