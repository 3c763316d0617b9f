"""The exported train.py under torchrun: two CPU processes train like one process with the
same global batch (BatchNorm synchronized, each process on its share of every batch)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import torch
from safetensors.torch import load_file

from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import sequential
from nnstudio.export import export_pytorch
from tests.export.helpers import logged_losses, run_generated

STEPS = 40


def batchnorm_project() -> Project:
    graph = sequential(
        [
            ("input", {}),
            # No bias before BatchNorm: its gradient is rounding noise, which Adam would
            # amplify differently on one and on two processes.
            ("linear", {"units": 8, "bias": False}),
            ("batchnorm", {}),
            ("relu", {}),
            ("linear", {"units": 1}),
            ("output", {"task": "binary", "loss": "bce"}),
        ]
    )
    settings = TrainingSettings(
        {"batch_size": 15, "epochs": 10, "learning_rate": 0.01, "warmup_steps": 5, "l2": 1e-3}
    )
    return Project(graph, DatasetConfig("xor", {"n_samples": 200}), settings, "BN on XOR")


def run_group(command: list[str], cwd, env, timeout: float) -> tuple[str, str, int | None]:
    """Run `command` in its own process group; on a timeout end the whole group (torchrun
    and its workers) and return what it printed so far."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return stdout, stderr + f"\n(timed out after {timeout} s)", None
    return stdout, stderr, process.returncode


def test_two_processes_train_like_one(tmp_path) -> None:
    export_pytorch(batchnorm_project(), None, tmp_path)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node=2", "train.py", "--device", "cpu", "--steps", str(STEPS)]
    command += ["--out", "two"]
    stdout, stderr, code = run_group(command, tmp_path, env, timeout=240)
    assert code == 0, stdout[-3000:] + stderr[-3000:]
    assert stdout.count("Training on 2 processes") == 1  # only the first process prints
    assert run_generated(tmp_path, "--steps", str(STEPS), "--out", str(tmp_path / "one")) == 0
    one, two = logged_losses(tmp_path / "one/log.csv"), logged_losses(tmp_path / "two/log.csv")
    assert len(one) == len(two) == STEPS
    np.testing.assert_allclose(two, one, rtol=1e-5)
    weights_one = load_file(tmp_path / "one/trained.safetensors")
    weights_two = load_file(tmp_path / "two/trained.safetensors")
    for key, value in weights_one.items():
        assert torch.allclose(weights_two[key].double(), value.double(), atol=1e-5), key
