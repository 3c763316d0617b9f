"""The migration chain: one test per step, a complete chain, and newer files refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from nnstudio.core.errors import ProjectFileError
from nnstudio.core.migrations import MIGRATIONS, document_version, migrate
from nnstudio.core.project import FORMAT_VERSION, project_from_dict, project_to_dict
from nnstudio.core.project_files import load_project, project_json_bytes, save_project

V1_DOCUMENT = """
{
  "format_version": 1,
  "graph": {
    "nodes": [
      {"id": "n1", "type": "input", "params": {}, "pos": [0.0, 0.0]},
      {"id": "n2", "type": "linear", "params": {"units": 3, "bias": false}, "pos": [150.0, 0.0]},
      {"id": "n3", "type": "relu", "params": {}, "pos": [300.0, 10.0]},
      {"id": "n4", "type": "linear", "params": {"units": 1, "bias": true}, "pos": [450.0, 0.0]},
      {"id": "n5", "type": "output", "params": {"task": "binary", "loss": "bce"},
       "pos": [600.0, 0.0]}
    ],
    "edges": [
      {"src": ["n1", "out"], "dst": ["n2", "in"]},
      {"src": ["n2", "out"], "dst": ["n3", "in"]},
      {"src": ["n3", "out"], "dst": ["n4", "in"]},
      {"src": ["n4", "out"], "dst": ["n5", "in"]}
    ]
  },
  "dataset": {"name": "circle", "params": {}, "train": 0.7, "val": 0.15, "test": 0.15,
              "features": []},
  "training": {"values": {"learning_rate": 0.05, "epochs": 7}, "optimizer_params": {}}
}
"""
"""A version-1 file as the foundation wrote it (title, description and app version optional)."""


def v1() -> dict:
    return json.loads(V1_DOCUMENT)


def test_chain_has_one_step_per_older_version() -> None:
    assert FORMAT_VERSION == 3
    assert sorted(MIGRATIONS) == list(range(1, FORMAT_VERSION))


def test_step_1_to_2_fills_text_fields_and_bumps_version() -> None:
    doc = v1()
    before = copy.deepcopy(doc)
    out = MIGRATIONS[1](doc)
    assert doc == before, "a step must not change its input"
    assert out["format_version"] == 2
    assert (out["title"], out["description"], out["app_version"]) == ("", "", "")
    assert {k: out[k] for k in ("graph", "dataset", "training")} == {
        k: before[k] for k in ("graph", "dataset", "training")
    }
    titled = MIGRATIONS[1]({**v1(), "title": "Mine", "app_version": "0.0.9"})
    assert titled["title"] == "Mine" and titled["app_version"] == "0.0.9"


@pytest.mark.parametrize("version", range(1, FORMAT_VERSION + 1))
def test_every_version_reaches_the_current_one(version: int) -> None:
    doc = migrate(v1(), target=version)
    assert doc["format_version"] == version
    current = migrate(doc)
    assert current["format_version"] == FORMAT_VERSION
    project = project_from_dict(current)
    assert project.graph.nodes["n2"].params == {"units": 3, "bias": False}
    assert project.training["epochs"] == 7


def test_v1_file_opens_and_saves_as_current(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(V1_DOCUMENT, encoding="utf-8")
    loaded = load_project(old)
    assert loaded.imported and loaded.format_version == 1
    assert loaded.weights is None and loaded.history is None
    saved = save_project(tmp_path / "old.nnstudio", loaded.project)
    again = load_project(saved)
    assert again.format_version == FORMAT_VERSION and not again.imported
    assert project_to_dict(again.project) == project_to_dict(loaded.project)
    assert json.loads(project_json_bytes(again.project))["format_version"] == FORMAT_VERSION


@pytest.mark.parametrize("newer", [FORMAT_VERSION + 1, 1000])
def test_newer_file_is_refused_naming_both_versions(tmp_path: Path, newer: int) -> None:
    doc = {**v1(), "format_version": newer}
    with pytest.raises(ProjectFileError) as info:
        migrate(doc)
    message = str(info.value)
    assert f"version {newer}" in message and f"version {FORMAT_VERSION}" in message
    path = tmp_path / "future.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectFileError, match=f"version {newer}.*version {FORMAT_VERSION}"):
        load_project(path)


@pytest.mark.parametrize("bad", [None, "2", 2.0, True, 0, -1])
def test_unreadable_versions_are_refused(bad: object) -> None:
    with pytest.raises(ProjectFileError, match=r"(?i)format.version"):
        document_version({**v1(), "format_version": bad})


def test_migrate_leaves_current_documents_alone() -> None:
    doc = migrate(v1())
    assert migrate(doc) == doc
