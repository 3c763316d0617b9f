"""The bundled example projects: present, loadable, in step with their templates, and solved."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.core.datasets import load_dataset
from nnstudio.core.project import load_project_json, project_to_dict
from nnstudio.core.templates import EXAMPLES, TEMPLATES, write_examples
from nnstudio.training import ProbeOptions, Trainer

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "resources" / "examples"
NAMES = ["spiral", "xor", "circle"]


def _comparable(data: dict) -> dict:
    """The document without the app version, which changes with every release."""
    return {k: v for k, v in data.items() if k != "app_version"}


def test_the_three_examples_are_declared() -> None:
    assert set(NAMES) <= set(EXAMPLES)


@pytest.mark.parametrize("name", NAMES)
def test_example_matches_its_template(name: str) -> None:
    path = FOLDER / f"{name}.json"
    assert path.is_file(), f"{path} is missing: regenerate with write_examples"
    shipped = load_project_json(path)
    fresh = TEMPLATES.get(EXAMPLES[name]).build()
    assert _comparable(project_to_dict(shipped)) == _comparable(project_to_dict(fresh)), (
        f"{path.name} is out of date: regenerate it with write_examples"
    )


def test_write_examples_round_trips(tmp_path: Path) -> None:
    written = write_examples(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{n}.json" for n in EXAMPLES)
    for path in written:
        loaded = load_project_json(path)
        fresh = TEMPLATES.get(EXAMPLES[path.stem]).build()
        assert project_to_dict(loaded) == project_to_dict(fresh)


@pytest.mark.parametrize("name", NAMES)
def test_example_solves_its_problem(name: str) -> None:
    project = load_project_json(FOLDER / f"{name}.json")
    trainer = Trainer(
        project.graph,
        load_dataset(project.dataset),
        project.training,
        ProbeOptions(min_interval_s=1e9, weights_every=0, boundary_every=0),
    )
    *_, last = trainer.run()
    assert last.status == "finished"
    _loss, accuracy = trainer.evaluate("test")
    assert accuracy is not None and accuracy >= 0.95, f"{name}: test accuracy {accuracy}"
