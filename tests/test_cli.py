"""The headless command line: trains, prints scores, and fails with a message, not a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nnstudio.cli import main
from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.project import Project, project_to_dict
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES, mlp

ROOT = Path(__file__).resolve().parents[1]
XOR = ROOT / "resources" / "examples" / "xor.json"
SCORE_LINE = r"^\s*{split}: loss \d+\.\d{{4}}  accuracy (\d\.\d{{3}})$"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nnstudio", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_line_between_evaluations_says_how_old_its_scores_are() -> None:
    """A big model is evaluated every few seconds; the lines printed in between give the
    batch losses since the last line and mark the validation scores with their step."""
    import numpy as np

    from nnstudio.cli_runs import _scores
    from nnstudio.training.snapshot import Snapshot

    scored = Snapshot(step=7, epoch=0, epoch_fraction=0.0, status="running")
    scored.train_loss, scored.val_loss, scored.val_accuracy = 1.9, 2.0, 0.44
    line = _scores(scored, [2.1], (7, "val loss 2.0000  val acc 0.440"))
    assert line == "train loss 1.9000  val loss 2.0000  val acc 0.440"
    light = Snapshot(step=416, epoch=0, epoch_fraction=0.2, status="running")
    light.step_losses = np.array([0.5, 0.7], np.float32)
    line = _scores(light, [0.6, 0.8, float("nan")], (7, "val loss 2.0000  val acc 0.440"))
    assert line == "batch loss 0.7000  val loss 2.0000  val acc 0.440 (at step 7)"
    assert _scores(light, [], None) == "batch loss —"


def test_train_example_prints_progress_and_scores() -> None:
    result = run_cli("train", str(XOR), "--epochs", "5")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Training" in out and "5 epochs" in out
    assert re.search(r"^epoch\s+5/5\s+step\s+\d+\s+train loss", out, re.MULTILINE)
    for split in ("train", "val", "test"):
        match = re.search(SCORE_LINE.format(split=split), out, re.MULTILINE)
        assert match, f"no {split} line in:\n{out}"
        assert 0.0 <= float(match.group(1)) <= 1.0
    assert "Traceback" not in result.stderr


def test_missing_file_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "no/such/project.json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnstudio: project.json cannot be")
    assert "No such file" in err
    assert "Traceback" not in err


def test_bad_file_exits_2_without_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    result = run_cli("train", str(broken))
    assert result.returncode == 2
    assert "nnstudio: broken.json is not valid JSON (line 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_network_exits_2_naming_the_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = TEMPLATES.get("xor_mlp").build()
    last_linear = [n for n in project.graph.nodes.values() if n.type == "linear"][-1]
    project.graph.set_param(last_linear.id, "units", 3)
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(project_to_dict(project)), encoding="utf-8")
    assert main(["train", str(path), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "Output (" in err and "set the last Linear to 1 unit" in err


def test_missing_device_exits_2_with_the_device_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = run_cli("train", str(XOR), "--epochs", "1", "--device", "cuda")
    assert result.returncode == 2
    assert "nnstudio: CUDA was asked for, but this torch sees no CUDA GPU" in result.stderr
    assert "Traceback" not in result.stderr


def test_divergence_exits_3_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = Project(
        mlp([8, 8], "tanh", task="regression", loss="mse"),
        DatasetConfig("plane"),
        TrainingSettings(
            {"optimizer": "sgd", "learning_rate": 10.0, "init_scale": 10.0, "epochs": 50}
        ),
    )
    path = tmp_path / "wild.json"
    path.write_text(json.dumps(project_to_dict(project)), encoding="utf-8")
    assert main(["train", str(path)]) == 3
    err = capsys.readouterr().err
    assert "The loss became" in err and "at step" in err
    assert "Traceback" not in err
