"""Saving and opening .nnstudio projects: exact round trips, weights, atomic saves, the CLI."""

from __future__ import annotations

import errno
import itertools
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from nnstudio.cli import main
from nnstudio.core.datasets import load_dataset
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.history import BATCH_LOSS, TRAIN_LOSS, History
from nnstudio.core.project import Project, project_to_dict, save_project_json
from nnstudio.core.project_files import (
    LoadedProject,
    backup_path,
    check_weights,
    expected_weights,
    load_project,
    nnstudio_path_for,
    project_json_bytes,
    save_project,
)
from nnstudio.core.project_zip import build_archive
from nnstudio.core.run_io import single_run_book
from nnstudio.core.templates import TEMPLATES
from nnstudio.training import ProbeOptions, Trainer
from nnstudio.training.session import TrainingSession

REPO = Path(__file__).resolve().parents[2]


def one_point() -> History:
    history = History()
    history.record(1, [0.5])
    return history


def small_project(name: str = "xor_mlp", epochs: int = 3) -> Project:
    project = TEMPLATES.get(name).build()
    project.training = project.training.replace(epochs=epochs, device="cpu")
    return project


def trained(project: Project) -> tuple[Trainer, History]:
    trainer = Trainer(
        project.graph,
        load_dataset(project.dataset),
        project.training,
        ProbeOptions(snapshot_every_steps=4, weights_every=0, boundary_every=0),
    )
    history = History()
    for snap in trainer.run():
        history.record(snap.step, snap.step_losses, snap.metrics())
    return trainer, history


@pytest.fixture(scope="module")
def trained_xor() -> tuple[Project, dict[str, torch.Tensor], History]:
    project = small_project()
    trainer, history = trained(project)
    return project, {k: v.clone() for k, v in trainer.model.state_dict().items()}, history


# -- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", TEMPLATES.names())
def test_project_round_trip_is_exact(tmp_path: Path, name: str) -> None:
    project = TEMPLATES.get(name).build()
    project.graph.move_node(next(iter(project.graph.nodes)), (12.25, -3.5))
    first = save_project(tmp_path / "a.nnstudio", project)
    loaded = load_project(first)
    assert isinstance(loaded, LoadedProject)
    assert loaded.weights is None and loaded.history is None and not loaded.imported
    assert project_to_dict(loaded.project) == project_to_dict(project)
    assert loaded.project.graph.nodes == project.graph.nodes  # positions included
    second = save_project(tmp_path / "b.nnstudio", loaded.project)
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        assert a.read("project.json") == b.read("project.json") == project_json_bytes(project)
    assert first.read_bytes() == second.read_bytes(), "saving is deterministic"


def test_weights_and_history_round_trip(tmp_path: Path, trained_xor) -> None:
    project, weights, history = trained_xor
    path = save_project(
        tmp_path / "t.nnstudio", project, single_run_book(project, weights, history)
    )
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "project.json",
            "runs.json",
            "weights.safetensors",
        ]
    loaded = load_project(path)
    assert loaded.weights is not None and loaded.weights.keys() == weights.keys()
    for key, tensor in weights.items():
        assert torch.equal(loaded.weights[key], tensor), key
        assert loaded.weights[key].dtype == tensor.dtype
    assert loaded.history == history
    assert loaded.history.get(BATCH_LOSS).points() == history.get(BATCH_LOSS).points()
    again = save_project(tmp_path / "u.nnstudio", loaded.project, loaded.runs)
    assert again.read_bytes() == path.read_bytes()


def test_opened_weights_continue_training(tmp_path: Path, trained_xor) -> None:
    project, weights, history = trained_xor
    loaded = load_project(
        save_project(tmp_path / "t.nnstudio", project, single_run_book(project, weights, history))
    )
    dataset = load_dataset(loaded.project.dataset)
    resumed = Trainer(
        loaded.project.graph,
        dataset,
        loaded.project.training,
        ProbeOptions(snapshot_every_steps=4, weights_every=0, boundary_every=0),
        initial_state=loaded.weights,
    )
    fresh = Trainer(loaded.project.graph, dataset, loaded.project.training)
    x = resumed.x_val
    original = fresh.model
    original.load_state_dict(weights)
    assert torch.equal(resumed.predict(x), fresh.predict(x)), "same weights, same outputs"
    before = len(loaded.history.get(TRAIN_LOSS))
    run = loaded.current_run
    steps = run.steps_done
    for _reports in TrainingSession([run], ProbeOptions(snapshot_every_steps=4)).run():
        pass
    xs, _ = loaded.history.get(TRAIN_LOSS).points()
    assert len(xs) > before and xs == sorted(xs), "the continued run extends the curves"
    assert run.steps_done == 2 * steps and xs[-1] == run.steps_done


def test_weights_that_do_not_fit_are_refused_on_save(tmp_path: Path, trained_xor) -> None:
    _, weights, _ = trained_xor
    changed = TEMPLATES.get("xor_mlp").build()
    changed.graph.set_param("n2", "units", 5)
    with pytest.raises(ProjectFileError, match="shape"):
        check_weights(changed, weights)
    with pytest.raises(ProjectFileError, match="shape"):
        save_project(tmp_path / "x.nnstudio", changed, single_run_book(changed, weights, None))
    assert not (tmp_path / "x.nnstudio").exists()


def test_expected_weights_allocates_nothing() -> None:
    project = small_project()
    project.graph.set_param("n2", "units", 65536)  # would be 262,144 floats if allocated
    layout = expected_weights(project)
    assert layout["layers.n2.weight"] == ((65536, 2), "F32")
    assert layout["layers.n4.weight"] == ((1, 65536), "F32")


def test_loading_without_weights_does_not_import_torch(tmp_path: Path) -> None:
    path = save_project(
        tmp_path / "p.nnstudio",
        small_project(),
        single_run_book(small_project(), None, one_point()),
    )
    code = (
        "import sys\n"
        "from nnstudio.core.project_files import load_project\n"
        "assert 'torch' not in sys.modules, 'import'\n"
        f"loaded = load_project({str(path)!r})\n"
        "assert loaded.history is not None\n"
        "assert 'torch' not in sys.modules, 'load'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


# -- import and extras ----------------------------------------------------------------------
def test_plain_json_is_imported(tmp_path: Path) -> None:
    project = small_project("spiral_mlp")
    path = tmp_path / "spiral.json"
    save_project_json(project, path)
    loaded = load_project(path)
    assert loaded.imported and loaded.path == path
    assert project_to_dict(loaded.project) == project_to_dict(project)
    assert nnstudio_path_for(path) == tmp_path / "spiral.nnstudio"
    assert nnstudio_path_for(tmp_path / "a.nnstudio") == tmp_path / "a.nnstudio"


def test_unknown_members_are_ignored_and_noted(tmp_path: Path) -> None:
    project = small_project()
    path = tmp_path / "extra.nnstudio"
    path.write_bytes(
        build_archive(
            [("project.json", project_json_bytes(project), True), ("notes/readme.txt", b"hi", True)]
        )
    )
    loaded = load_project(path)
    assert project_to_dict(loaded.project) == project_to_dict(project)
    assert len(loaded.notes) == 1 and "notes/readme.txt" in loaded.notes[0]


# -- never lose work ------------------------------------------------------------------------
def test_second_save_keeps_previous_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "p.nnstudio"
    project = small_project()
    save_project(path, project)
    assert not backup_path(path).exists()
    first = path.read_bytes()
    project.title = "Changed"
    save_project(path, project)
    assert backup_path(path) == tmp_path / "p.nnstudio.bak"
    assert backup_path(path).read_bytes() == first
    assert load_project(path).project.title == "Changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.nnstudio", "p.nnstudio.bak"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_save_keeps_file_permissions(tmp_path: Path) -> None:
    path = tmp_path / "p.nnstudio"
    save_project(path, small_project())
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask, "a new file, not mkstemp's 0600"
    path.chmod(0o640)
    save_project(path, small_project("circle_mlp"))
    assert path.stat().st_mode & 0o777 == 0o640


def test_disk_full_leaves_previous_file_intact(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.nnstudio"
    project = small_project()
    save_project(path, project)
    before = path.read_bytes()

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    project.title = "Never written"
    with pytest.raises(ProjectFileError, match=r"disk is full.*unchanged"):
        save_project(path, project)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.nnstudio", "p.nnstudio.bak"]


def test_no_permission_is_reported(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.nnstudio"
    save_project(path, small_project())
    before = path.read_bytes()
    import tempfile

    def denied(*_a, **_k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(ProjectFileError, match="permission"):
        save_project(path, small_project("circle_mlp"))
    monkeypatch.undo()
    assert path.read_bytes() == before


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs a user that permissions apply to"
)
def test_read_only_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "p.nnstudio"
    save_project(path, small_project())
    before = path.read_bytes()
    folder.chmod(0o500)
    try:
        with pytest.raises(ProjectFileError, match="permission"):
            save_project(path, small_project("circle_mlp"))
    finally:
        folder.chmod(0o700)
    assert path.read_bytes() == before


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="does not exist"):
        save_project(tmp_path / "nope" / "p.nnstudio", small_project())


def test_non_finite_position_is_refused_not_written(tmp_path: Path) -> None:
    project = small_project()
    project.graph.move_node("n1", (float("nan"), 0.0))
    with pytest.raises(ProjectFileError, match="JSON cannot store"):
        save_project(tmp_path / "p.nnstudio", project)
    assert not (tmp_path / "p.nnstudio").exists()


# -- the CLI --------------------------------------------------------------------------------
def test_cli_train_save_writes_weights_and_history_back(tmp_path: Path, capsys) -> None:
    source = tmp_path / "xor.json"
    save_project_json(small_project(epochs=2), source)
    assert main(["train", str(source), "--save", "--report-every", "100"]) == 0
    out = capsys.readouterr().out
    target = tmp_path / "xor.nnstudio"
    assert str(target) in out and "unchanged" in out
    assert json.loads(source.read_text())["format_version"] >= 1  # the JSON was left alone
    loaded = load_project(target)
    assert loaded.weights is not None and loaded.history is not None
    steps = loaded.history.last_step
    assert steps > 0

    assert main(["train", str(target), "--save", "--epochs", "1", "--report-every", "100"]) == 0
    out = capsys.readouterr().out
    assert "continuing from its saved weights" in out and f"into {target}" in out
    again = load_project(target)
    assert again.history.last_step > steps, "the second run's curves follow the first's"
    assert again.project.training["epochs"] == 2, "--epochs does not change the saved project"
    assert backup_path(target).exists()


def test_cli_reports_a_bad_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.nnstudio"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert main(["train", str(bad)]) == 2
    assert "bad.nnstudio is damaged" in capsys.readouterr().err


# -- every layer's weights survive the trip ---------------------------------------------------
RESHAPE_FOR_RANK = {1: "16", 2: "4,4", 3: "1,4,4"}


def layer_project(layer_type: str) -> Project | None:
    """Input -> Linear 16 -> Reshape -> the layer -> Flatten -> Linear 1 -> Output, if valid."""
    from nnstudio.core.graph import Graph
    from nnstudio.core.layers import LAYERS
    from nnstudio.core.validation import analyze

    spec = LAYERS.get(layer_type)
    if spec.role != "layer" or len(spec.inputs) != 1 or not spec.in_palette:
        return None  # blocks are made from their content: see test_blocks
    ranks = spec.inputs[0].ranks or (1,)
    graph = Graph()
    ids = [
        graph.add_node("input").id,
        graph.add_node("linear", {"units": 16}).id,
        graph.add_node("reshape", {"shape": RESHAPE_FOR_RANK[ranks[0]]}).id,
        graph.add_node(layer_type).id,
        graph.add_node("flatten").id,
        graph.add_node("linear", {"units": 1}).id,
        graph.add_node("output", {"task": "binary", "loss": "bce"}).id,
    ]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, graph.nodes[dst].spec.inputs[0].name)
    project = Project(graph, small_project().dataset, small_project().training)
    return project if analyze(graph, project.shape_context()).ok else None


def test_every_layer_type_round_trips_its_weights(tmp_path: Path) -> None:
    from nnstudio.core.compile import compile_graph
    from nnstudio.core.layers import LAYERS

    covered = []
    for spec in LAYERS:
        project = layer_project(spec.name)
        if project is None:
            continue
        model = compile_graph(project.graph, project.shape_context(), seed=1)
        weights = model.state_dict()
        path = save_project(
            tmp_path / f"{spec.name}.nnstudio", project, single_run_book(project, weights, None)
        )
        loaded = load_project(path)
        assert loaded.weights.keys() == weights.keys(), spec.name
        for key, tensor in weights.items():
            assert torch.equal(loaded.weights[key], tensor), (spec.name, key)
        covered.append(spec.name)
    assert {"linear", "batchnorm", "prelu", "layernorm", "conv2d", "lstm"} <= set(covered), covered
    print("layer types covered:", " ".join(covered))
