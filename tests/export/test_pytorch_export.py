"""The PyTorch export: a folder that reproduces the app's run, passes ruff, and is written
whole or not at all."""

from __future__ import annotations

import errno
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from nnstudio.cli import main as cli_main
from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import load_dataset
from nnstudio.core.errors import ExportError
from nnstudio.core.project_files import save_project
from nnstudio.core.run import Run, RunBook, freeze
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES, sequential
from nnstudio.export import export_pytorch, pytorch_script
from nnstudio.training import ProbeOptions, Trainer
from nnstudio.training.trainer import context_for
from tests.export.catalog_projects import EXPORTABLE, project_for
from tests.export.helpers import (
    app_losses,
    available_templates,
    load_generated,
    logged_losses,
    run_generated,
)

STEPS = 200
RELATIVE = 1e-5


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """Every template whose data loads here, exported once for the tests below."""
    root = tmp_path_factory.mktemp("templates")
    folders = {}
    for name in available_templates():
        folders[name] = root / name
        export_pytorch(TEMPLATES.get(name).build(), None, folders[name])
    return folders


def app_step_losses(name: str, steps: int) -> np.ndarray:
    return app_losses(TEMPLATES.get(name).build(), steps)


def test_the_folder_holds_what_the_readme_promises(exported) -> None:
    folder = exported["xor_mlp"]
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["README.md", "data.npz", "model.py", "pyproject.toml", "train.py"]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for words in ("torchrun", "--nnodes", "--rdzv-endpoint", "srun", "load_state_dict"):
        assert words in readme


def test_every_template_reproduces_the_apps_losses(exported) -> None:
    for name, folder in exported.items():
        want = app_step_losses(name, STEPS)
        assert run_generated(folder, "--steps", str(STEPS), "--out", str(folder / "out")) == 0
        got = logged_losses(folder / "out" / "log.csv")
        assert len(got) == len(want) == STEPS, name
        relative = np.abs(got - want) / np.maximum(np.abs(want), 1e-12)
        assert relative.max() <= RELATIVE, (name, relative.max())


def test_settings_that_move_the_numbers_are_reproduced(tmp_path) -> None:
    """Schedule with warm-up, L1 and L2, clipping, an initializer with a scale, Lion,
    dropout and BatchNorm: the parts of the loop the templates do not all use."""
    project = project_for("batchnorm")
    project.graph = sequential(
        [
            ("input", {}),
            ("linear", {"units": 8}),
            ("batchnorm", {}),
            ("dropout", {"p": 0.3}),
            ("leaky_relu", {}),
            ("linear", {"units": 1}),
            ("output", {"task": "binary", "loss": "bce"}),
        ]
    )
    settings = {
        "batch_size": 10,
        "epochs": 30,
        "learning_rate": 0.02,
        "optimizer": "lion",
        "lr_schedule": "one_cycle",
        "warmup_steps": 7,
        "l1": 1e-4,
        "l2": 1e-3,
        "clip_norm": 0.5,
        "initializer": "he_normal",
        "init_scale": 0.7,
        "seed": 11,
    }
    project.training = TrainingSettings(settings)
    export_pytorch(project, None, tmp_path)
    options = ProbeOptions(
        snapshot_every_steps=60, grad_norms=False, weights_every=0, boundary_every=0
    )
    dataset = load_dataset(project.dataset)
    trainer = Trainer(project.graph, dataset, project.training, options)
    first = next(iter(trainer.run()))
    assert run_generated(tmp_path, "--steps", "60", "--out", str(tmp_path / "out")) == 0
    got = logged_losses(tmp_path / "out" / "log.csv")
    np.testing.assert_allclose(got, first.step_losses, rtol=RELATIVE)


def test_trained_weights_give_the_apps_outputs(tmp_path) -> None:
    names = ["residual_mlp", "lstm_parity", "pointer_sort", "transformer_copy", "digits_resnet"]
    for name in [n for n in names if n in available_templates()]:
        project = TEMPLATES.get(name).build()
        dataset = load_dataset(project.dataset)
        app = compile_graph(project.graph, context_for(dataset), seed=123).eval()
        folder = tmp_path / name
        result = export_pytorch(project, app.state_dict(), folder)
        assert "weights.safetensors" in result.files
        model = load_generated(folder, "model").Network()
        model.load_state_dict(load_file(folder / "weights.safetensors"))
        model.eval()
        x = torch.as_tensor(dataset.x_test)
        x = x.long() if not x.is_floating_point() else x.float()
        with torch.no_grad():
            difference = (model(x) - app(x)).abs().max().item()
        assert difference <= 1e-6, name


def test_generated_code_passes_ruff(exported, tmp_path) -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for layer in EXPORTABLE:
        export_pytorch(project_for(layer), None, tmp_path / layer)
    for folder in [tmp_path, *exported.values()]:
        checks = [
            [ruff, "check", "--select", "E,F,W,I,B,UP,SIM,RUF", "."],
            [ruff, "format", "--check", "."],
        ]
        for command in checks:
            done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr


def test_data_npz_holds_the_exact_splits(exported) -> None:
    project = TEMPLATES.get("spiral_mlp").build()
    dataset = load_dataset(project.dataset)
    with np.load(exported["spiral_mlp"] / "data.npz") as data:
        for key in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
            assert np.array_equal(data[key], getattr(dataset, key))


def test_without_data_the_script_says_how_to_make_it(exported, tmp_path) -> None:
    with pytest.raises(SystemExit) as caught:
        run_generated(exported["xor_mlp"], "--data", str(tmp_path / "missing.npz"))
    message = str(caught.value)
    assert "x_train" in message and "nnstudio export" in message and "--data" in message


# -- bad input ---------------------------------------------------------------------------


def test_a_folder_with_files_is_refused_unless_forced(tmp_path) -> None:
    project = TEMPLATES.get("xor_mlp").build()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_pytorch(project, None, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    export_pytorch(project, None, tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "train.py").is_file()


def test_an_unwritable_place_is_a_clear_error_and_leaves_nothing(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError, match="Cannot write the export"):
        export_pytorch(TEMPLATES.get("xor_mlp").build(), None, blocker / "export")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_failure_while_writing_leaves_no_half_written_folder(tmp_path, monkeypatch) -> None:
    def full_disk(_plan, _path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pytorch_script, "write_data", full_disk)
    with pytest.raises(ExportError, match="No space left"):
        export_pytorch(TEMPLATES.get("xor_mlp").build(), None, tmp_path / "export")
    assert list(tmp_path.iterdir()) == []


def test_a_graph_with_problems_is_refused_with_the_problems_listed(tmp_path) -> None:
    project = TEMPLATES.get("xor_mlp").build()
    graph = project.graph
    last = [n for n in graph.nodes.values() if n.type == "linear"][-1]
    graph.set_param(last.id, "units", 3)  # the Output wants one value per sample
    stray = graph.add_node("conv2d")  # and a layer with nothing connected to it
    with pytest.raises(ExportError) as caught:
        export_pytorch(project, None, tmp_path / "export")
    problems = caught.value.problems
    assert len(problems) == 2
    assert any(p.startswith("Output (") for p in problems)
    assert any(p.startswith(f"Conv2d ({stray.id}) has nothing connected") for p in problems)
    assert not (tmp_path / "export").exists()


def test_weights_of_another_network_are_refused(tmp_path) -> None:
    project = TEMPLATES.get("xor_mlp").build()
    other = TEMPLATES.get("spiral_mlp").build()
    weights = compile_graph(other.graph, other.shape_context()).state_dict()
    with pytest.raises(ExportError, match="Trained weights"):
        export_pytorch(project, weights, tmp_path / "export")


def test_the_command_line_exports_a_run_and_refuses(tmp_path, capsys) -> None:
    path = tmp_path / "xor.nnstudio"
    project = TEMPLATES.get("xor_mlp").build()
    weights = compile_graph(project.graph, project.shape_context()).state_dict()
    runs = RunBook()
    runs.add(Run(project=freeze(project), id="r1", weights=weights))
    save_project(path, project, runs)
    out = tmp_path / "out"
    assert cli_main(["export", str(path), "--to", "pytorch", "--out", str(out)]) == 0
    assert "weights.safetensors" in capsys.readouterr().out
    assert cli_main(["export", str(path), "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert cli_main(["export", str(path), "--out", str(out), "--run", "r9"]) == 2
    assert "no run 'r9'" in capsys.readouterr().err
    fresh = tmp_path / "fresh"
    assert cli_main(["export", str(path), "--out", str(fresh), "--fresh"]) == 0
    assert not (fresh / "weights.safetensors").exists()


def test_an_lstm_with_an_open_forget_gate_trains_the_same_exported(tmp_path) -> None:
    """The forget bias survives an initializer that zeroes biases, in the app and the copy."""
    project = TEMPLATES.get("lstm_parity").build()
    project.graph = sequential(
        [
            ("input", {}),
            ("embedding", {"vocab": 2, "dim": 4}),
            ("lstm", {"hidden": 6, "forget_bias": 3.0}),
            ("linear", {"units": 2}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ]
    )
    project.training = TrainingSettings({"initializer": "xavier_uniform", "batch_size": 16})
    dataset = load_dataset(project.dataset)
    app = compile_graph(project.graph, context_for(dataset), "xavier_uniform", seed=1)
    lstm = next(m for m in app.modules() if isinstance(m, torch.nn.LSTM))
    assert torch.all(lstm.bias_ih_l0[6:12] == 3.0) and torch.all(lstm.bias_ih_l0[:6] == 0)
    assert torch.all(lstm.bias_hh_l0 == 0)
    export_pytorch(project, None, tmp_path)
    want = app_losses(project, 30)
    assert run_generated(tmp_path, "--steps", "30", "--out", str(tmp_path / "out")) == 0
    np.testing.assert_allclose(logged_losses(tmp_path / "out" / "log.csv"), want, rtol=RELATIVE)
