"""The JSON project document: round trips, and refusals that say why instead of crashing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nnstudio.core import project as project_mod
from nnstudio.core.datasets import DERIVED_FEATURES, DatasetConfig
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.project import (
    FORMAT_VERSION,
    Project,
    atomic_write_bytes,
    load_project_json,
    project_from_dict,
    project_to_dict,
    save_project_json,
)
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES


def sample() -> Project:
    project = TEMPLATES.get("residual_mlp").build()
    project.title = "Résumé ✓"
    feature = DERIVED_FEATURES.names()[0]
    project.dataset = DatasetConfig("moons", {"noise": 0.2}, 0.7, 0.2, 0.1, (feature,))
    project.training = TrainingSettings(
        {"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 0, "seed": 5},
        {"sgd": {"momentum": 0.9, "nesterov": True}, "adam": {"beta1": 0.8}},
    )
    return project


@pytest.fixture
def project() -> Project:
    return sample()


def test_dict_round_trip(project: Project) -> None:
    data = project_to_dict(project)
    assert data["format_version"] == FORMAT_VERSION
    json.dumps(data)  # plain JSON types only
    again = project_from_dict(json.loads(json.dumps(data)))
    assert project_to_dict(again) == data
    assert again.graph == project.graph
    assert again.training.optimizer_values("sgd") == {"momentum": 0.9, "nesterov": True}
    assert again.training["batch_size"] == 0
    assert again.dataset == project.dataset


def test_file_round_trip(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "p.json"
    save_project_json(project, path)
    assert path.read_text(encoding="utf-8").endswith("\n")
    again = load_project_json(path)
    assert project_to_dict(again) == project_to_dict(project)
    assert again.title == "Résumé ✓"
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]  # no temp files left


def _doc(project: Project, **changes: object) -> dict:
    data = project_to_dict(project)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda d: [d], "not a JSON object"),
        (lambda d: {**d, "format_version": "1"}, "whole-number 'format_version'"),
        (lambda d: {**d, "format_version": True}, "whole-number 'format_version'"),
        (lambda d: {**d, "format_version": FORMAT_VERSION + 1}, "newer NN Studio"),
        (lambda d: {**d, "format_version": 0}, "does not exist"),
        (lambda d: {k: v for k, v in d.items() if k != "graph"}, "no 'graph' section"),
        (lambda d: {k: v for k, v in d.items() if k != "training"}, "no 'training' section"),
        (lambda d: {**d, "title": 3}, "title and description must be text"),
        (
            lambda d: {**d, "graph": {**d["graph"], "nodes": [{"id": "n1", "type": "dense"}]}},
            "cannot be read: .*unknown layer type 'dense'",
        ),
        (lambda d: {**d, "dataset": {"name": "nope"}}, "cannot be read: Unknown dataset 'nope'"),
        (
            lambda d: {**d, "training": {"values": {"learning_rate": -1}}},
            "cannot be read: .*Learning rate must be at least",
        ),
        (
            lambda d: {**d, "training": {"values": {}, "optimizer_params": {"sgdx": {}}}},
            "cannot be read: Unknown optimizer 'sgdx'",
        ),
        (lambda d: {**d, "training": []}, "cannot be read: Training settings must be an object"),
    ],
)
def test_bad_documents_are_refused_with_a_reason(project: Project, mutate, pattern: str) -> None:
    with pytest.raises(ProjectFileError, match=pattern):
        project_from_dict(mutate(project_to_dict(project)))


def test_newer_version_message_names_both_versions(project: Project) -> None:
    with pytest.raises(ProjectFileError) as info:
        project_from_dict(_doc(project, format_version=FORMAT_VERSION + 5))
    assert str(FORMAT_VERSION + 5) in str(info.value) and str(FORMAT_VERSION) in str(info.value)


def test_load_refuses_bad_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProjectFileError, match=r"missing\.json cannot be read"):
        load_project_json(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1,\n  "graph": ', encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"not valid JSON \(line 2, column"):
        load_project_json(broken)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProjectFileError, match="not a text"):
        load_project_json(binary)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"nested too deeply|not a JSON object"):
        load_project_json(deep)
    monkeypatch.setattr(project_mod, "MAX_JSON_BYTES", 10)
    with pytest.raises(ProjectFileError, match="too large"):
        load_project_json(broken)


def test_atomic_write_replaces_and_keeps_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.bin"
    atomic_write_bytes(path, b"one")
    atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two"

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"three")
    assert path.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
