"""Runs in project files: exact round trips, bounded size, damaged runs refused alone."""

from __future__ import annotations

import contextlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import NNStudioError, ProjectFileError
from nnstudio.core.history import BATCH_LOSS, VAL_LOSS
from nnstudio.core.project import project_to_dict
from nnstudio.core.project_files import expected_weights, load_project, save_project
from nnstudio.core.project_zip import RUNS_MEMBER, build_archive, json_bytes
from nnstudio.core.run import Run, RunBook, freeze
from nnstudio.core.run_io import read_runs_document, runs_document
from nnstudio.core.templates import TEMPLATES
from nnstudio.core.variants import describe_changes, expand, needs_fresh_weights, parse_axis


def project():
    return TEMPLATES.get("xor_mlp").build()


def weights_for(proj, seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {
        key: torch.randn(shape, generator=gen)
        for key, (shape, _dtype) in expected_weights(proj).items()
    }


def a_run(proj, steps: int = 300, seed: int = 0, **fields) -> Run:
    run = Run(freeze(proj), **fields)
    rng = np.random.default_rng(seed)
    for step in range(10, steps + 1, 10):
        run.observe(
            step,
            steps,
            10,
            "running",
            rng.random(10).astype(np.float32),
            {"train_loss": 1 / step, "val_loss": 1.5 / step, "val_accuracy": 0.5 + step / 1000},
            seconds=0.01,
        )
    run.observe(steps, steps, 10, "finished", np.zeros(0), {})
    return run


def test_a_run_round_trips_through_the_file_exactly(tmp_path: Path) -> None:
    proj = project()
    book = RunBook()
    first = book.add(a_run(proj, weights=weights_for(proj), pinned=True))
    other = proj
    other.training = other.training.replace(learning_rate=0.05, seed=7)
    second = book.add(a_run(other, steps=200, seed=1, changes={"Learning rate": "0.05"}))
    second.weights = weights_for(other, 1)
    path = save_project(tmp_path / "r.nnstudio", proj, book)
    loaded = load_project(path).runs
    assert [r.id for r in loaded.runs] == [first.id, second.id]
    assert loaded.current == second.id
    for saved, back in zip(book.runs, loaded.runs, strict=True):
        assert back.label == saved.label and back.color == saved.color
        assert back.changes == saved.changes and back.status == saved.status
        assert back.steps_done == saved.steps_done and back.epochs_done == saved.epochs_done
        assert back.scores == saved.scores and back.pinned == saved.pinned
        assert project_to_dict(back.project) == project_to_dict(saved.project)
        assert back.history == saved.history.thinned(len(saved.history.get(BATCH_LOSS)))
        assert set(back.weights) == set(saved.weights)
        assert all(torch.equal(back.weights[k], saved.weights[k]) for k in saved.weights)
    # Saving what was loaded gives the same file, byte for byte.
    again = save_project(tmp_path / "s.nnstudio", proj, loaded)
    assert again.read_bytes() == path.read_bytes()


def test_unpinned_runs_keep_curves_but_not_weights(tmp_path: Path) -> None:
    proj = project()
    book = RunBook()
    old = book.add(a_run(proj, weights=weights_for(proj)))
    book.add(a_run(proj, weights=weights_for(proj, 2)))
    loaded = load_project(save_project(tmp_path / "r.nnstudio", proj, book)).runs
    assert loaded.get(old.id).weights is None, "only the current and pinned runs keep weights"
    assert loaded.get(old.id).history.get(VAL_LOSS) is not None
    assert loaded.current_run.weights is not None


def test_runs_store_only_what_differs_from_the_project(tmp_path: Path) -> None:
    proj = project()
    variants = expand(proj, [parse_axis(proj, "learning_rate=0.01,0.1,1")])
    book = RunBook()
    for variant in variants:
        book.add(Run(variant.project, changes=variant.changes))
    doc = runs_document(book, proj)
    for item in doc["runs"]:
        assert set(item["project"]) <= {"training"}, "the network is not stored again"


def test_fifty_long_runs_stay_small(tmp_path: Path) -> None:
    """50 runs of 100,000 steps each, with a report every 25 steps."""
    proj = project()
    book = RunBook()
    rng = np.random.default_rng(0)
    for _ in range(50):
        run = Run(freeze(proj))
        for step in range(25, 100_001, 25):
            run.history.record(
                step,
                rng.random(25).astype(np.float32),
                {
                    "train_loss": 1 / step,
                    "val_loss": 2 / step,
                    "val_accuracy": 0.5,
                    "train_accuracy": 0.5,
                    "learning_rate": 0.01,
                },
            )
        run.steps_done = 100_000
        book.add(run)
    path = save_project(tmp_path / "big.nnstudio", proj, book)
    assert path.stat().st_size < 20 * 1024**2
    assert len(load_project(path).runs.runs) == 50


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (lambda d: d.update(runs="x"), "'runs' must be a list"),
        (lambda d: d["runs"][0].update(id="../etc"), "id"),
        (lambda d: d["runs"][0].update(color="red"), "colour"),
        (lambda d: d["runs"][0].update(status="exploded"), "status"),
        (lambda d: d["runs"][0].update(steps_done=10**40), "steps_done"),
        (lambda d: d["runs"][0].update(wall_time=-1), "wall_time"),
        (lambda d: d["runs"][0]["scores"].update(val_loss="low"), "scores"),
        (lambda d: d["runs"][0]["scores"].update(bogus=1.0), "scores"),
        (lambda d: d["runs"][0].update(changes={"a": ["b"]}), "changes"),
        (lambda d: d["runs"][0].update(project={"graph": {"nodes": 5}}), "project"),
        (lambda d: d["runs"][0].update(project={"evil": {}}), "project"),
        (lambda d: d["runs"][0].update(history={"version": 1, "series": []}), "history"),
        (lambda d: d.update(current="nope"), "current run"),
        (lambda d: d["runs"].append(dict(d["runs"][0])), "share an id"),
        (lambda d: d.update(runs=[d["runs"][0]] * 501), "at most 500"),
        (lambda d: d.update(version=99), "version 99"),
    ],
)
def test_a_damaged_runs_section_is_refused_and_the_project_still_opens(
    tmp_path: Path, change, phrase
) -> None:
    proj = project()
    book = RunBook()
    book.add(a_run(proj))
    doc = runs_document(book, proj)
    change(doc)
    with pytest.raises(ProjectFileError, match="runs"):
        read_runs_document(doc, proj)
    path = tmp_path / "damaged.nnstudio"
    good = save_project(tmp_path / "good.nnstudio", proj, book)
    with zipfile.ZipFile(good) as archive:
        members = [(n, archive.read(n), n.endswith(".json")) for n in archive.namelist()]
    members = [(n, json_bytes(doc) if n == RUNS_MEMBER else b, c) for n, b, c in members]
    path.write_bytes(build_archive(members))
    loaded = load_project(path)
    assert project_to_dict(loaded.project) == project_to_dict(proj), "the project is intact"
    assert loaded.runs.runs == []
    assert any("saved runs" in n and "project itself is intact" in n for n in loaded.notes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_any_runs_document_is_read_or_refused_with_a_message(data) -> None:
    proj = project()
    book = RunBook()
    book.add(a_run(proj, steps=30))
    doc = runs_document(book, proj)
    for target in (
        data,
        {**doc, "runs": data},
        {**doc, "runs": [{**doc["runs"][0], "history": data}]},
    ):
        with contextlib.suppress(NNStudioError):
            read_runs_document(json.loads(json.dumps(target, allow_nan=True)), proj)


def test_what_differs_and_what_needs_fresh_weights() -> None:
    old = project()
    new = freeze(old)
    new.training = new.training.replace(learning_rate=0.5)
    assert describe_changes(old, new) == {"Learning rate": "0.5"}
    assert needs_fresh_weights(old, new) == [], "a new learning rate can continue"
    new.training = new.training.replace(initializer="zeros", seed=3)
    assert needs_fresh_weights(old, new) == ["Initializer", "Seed"]
    moved = freeze(old)
    first = next(iter(moved.graph.nodes))
    moved.graph.move_node(first, (500.0, 500.0))
    assert needs_fresh_weights(old, moved) == [], "moving a node changes nothing"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("learning_rate=0.1,1000", "at most 100"),
        ("learning_rate=-1,0.1", "at least"),
        ("learning_rate=abc,0.1", "must be a number"),
        ("seed=1.5,2", "whole number"),
        ("warp_speed=1,2", "no setting 'warp_speed'"),
        ("activation=relu,banana", "Activation must be one of"),
        ("learning_rate", "setting=value1,value2"),
        ("learning_rate=0.1,0.1", "twice"),
    ],
)
def test_variant_values_out_of_range_are_refused_with_why(text: str, phrase: str) -> None:
    with pytest.raises(NNStudioError, match=phrase):
        parse_axis(project(), text)


def test_activation_swap_changes_every_hidden_activation() -> None:
    proj = TEMPLATES.get("spiral_mlp").build()
    variants = expand(proj, [parse_axis(proj, "activation=relu,sigmoid")])
    for variant, kind in zip(variants, ("relu", "sigmoid"), strict=True):
        kinds = {n.type for n in variant.project.graph.nodes.values()}
        assert kind in kinds and "tanh" not in kinds
        assert variant.changes == {"Activation": variant.changes["Activation"]}
