"""Teacher locks in the project document: kept through a save, refused when malformed."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import ProjectFileError
from nnstudio.core.locks import Locks
from nnstudio.core.project import project_from_dict, project_to_dict
from nnstudio.core.templates import TEMPLATES


def test_locks_survive_a_round_trip_through_the_document() -> None:
    project = TEMPLATES.get("xor_mlp").build()
    project.locks = Locks(frozenset({"learning_rate"}), network=True, reason="Rates today.")
    back = project_from_dict(project_to_dict(project))
    assert back.locks == project.locks
    assert back.locks.setting_locked("batch_size") and not back.locks.setting_locked(
        "learning_rate"
    )
    assert "the network" in back.locks.describe()


def test_hiding_survives_a_round_trip_and_hidden_settings_are_locked() -> None:
    project = TEMPLATES.get("xor_mlp").build()
    project.locks = Locks(
        visible=frozenset({"learning_rate", "dataset"}), hidden_layers=frozenset({"lstm"})
    )
    back = project_from_dict(project_to_dict(project)).locks
    assert back == project.locks and back.hides
    assert back.setting_hidden("batch_size") and back.setting_locked("batch_size")
    assert not back.setting_hidden("learning_rate") and not back.setting_locked("learning_rate")
    assert not Locks(network=True).hides


def test_a_project_without_locks_has_none_and_writes_none() -> None:
    project = TEMPLATES.get("xor_mlp").build()
    assert "locks" not in project_to_dict(project)
    assert project_from_dict(project_to_dict(project)).locks is None


@pytest.mark.parametrize(
    "section",
    [
        [],
        {"editable": "learning_rate"},
        {"network": "yes"},
        {"reason": 5},
        {"reason": "x" * 501},
        {"surprise": True},
        {"visible": "learning_rate"},
        {"visible": ["x" * 65]},
        {"hidden_layers": [1]},
        {"hidden_layers": ["lstm"] * 201},
    ],
)
def test_malformed_locks_are_refused_with_a_message(section) -> None:
    data = project_to_dict(TEMPLATES.get("xor_mlp").build())
    data["locks"] = section
    with pytest.raises(ProjectFileError, match="locks"):
        project_from_dict(data)
