"""Issue 17 in the window: moved data with Locate…, questions before risky saves, odd
recent files and settings, untrusted clipboard data, diverged weights, failing autosaves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QMimeData

from nnstudio.core import recovery
from nnstudio.core.compile import compile_graph
from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.project import Project
from nnstudio.core.project_files import load_project, save_project
from nnstudio.core.run_io import single_run_book
from nnstudio.core.templates import TEMPLATES
from nnstudio.ui import autosave, settings_store
from nnstudio.ui.mime import MIME_SUBGRAPH

CSV = "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n2,2,1\n"


def xor_state(fill: float | None = None) -> dict[str, torch.Tensor]:
    project = TEMPLATES.get("xor_mlp").build()
    model = compile_graph(project.graph, project.shape_context(), seed=0)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if fill is not None:
        state = {k: torch.full_like(v, fill) for k, v in state.items()}
    return state


def test_moved_csv_shows_locate_and_locating_fixes_it(make_window, tmp_path) -> None:
    moved = tmp_path / "moved.csv"
    moved.write_text(CSV)
    config = DatasetConfig("csv", {"path": str(tmp_path / "gone.csv")})
    window = make_window(Project(TEMPLATES.get("xor_mlp").build().graph, config))
    problems = window.problems
    assert problems.locate_button is not None and problems.locate_button.isVisible()
    assert any("is not there" in m for m in problems.messages())  # on the Input node too
    asked = []
    problems.choose_location = lambda location: asked.append(location.kind) or str(moved)
    problems.locate_button.click()
    assert asked == ["file"]
    assert window.document.project.dataset.params["path"] == str(moved)
    assert window.problems.locate_button is None
    assert not any("is not there" in m for m in window.problems.messages())
    window.document.undo_stack.undo()  # one undoable edit
    assert window.problems.locate_button is not None


def test_a_moved_idx_folder_asks_for_a_folder(make_window, tmp_path) -> None:
    project = TEMPLATES.get("digits_cnn").build()
    project.dataset = DatasetConfig("mnist", {"folder": str(tmp_path / "gone")})
    window = make_window(project)
    asked = []
    window.problems.choose_location = lambda location: asked.append(location.kind) or ""
    window.problems.locate_button.click()  # cancelled: nothing changes
    assert asked == ["folder"] and not window.document.is_modified()


def test_saving_over_a_read_only_file_asks_first(make_window, tmp_path) -> None:
    path = tmp_path / "locked.nnstudio"
    save_project(path, TEMPLATES.get("xor_mlp").build())
    path.chmod(0o444)
    window = make_window()
    assert window.open_file(path)
    window.add_layer_at_centre("relu")
    before = path.read_bytes()
    questions = []
    window.ask_save_anyway = lambda title, text: questions.append(title) or False
    assert window.save() is False and path.read_bytes() == before
    assert window.document.is_modified() and "read-only" in window.status_text()
    window.ask_save_anyway = lambda title, text: questions.append(title) or True
    assert window.save() is True and path.read_bytes() != before
    assert questions == ["Replace read-only file?", "Replace read-only file?"]


def test_an_overlong_recent_file_breaks_neither_the_menu_nor_opening(make_window, tmp_path):
    good = tmp_path / "good.nnstudio"
    project = TEMPLATES.get("xor_mlp").build()
    save_project(good, project, single_run_book(project, xor_state(), None))
    settings_store.app_settings().setValue(
        "recent_files", ["/" + "x" * 5000, "a\x00b", "/tmp/" + "d/" * 3000 + "f", str(good)]
    )
    window = make_window()
    window.recent_menu.aboutToShow.emit()
    names = [a.text() for a in window.recent_menu.actions() if not a.isSeparator()]
    assert names == ["good.nnstudio", "Clear list"]
    loaded = []
    window.project_loaded.connect(loaded.append)
    assert window.open_file(good)
    assert loaded and loaded[0].weights is not None  # weights and history not dropped
    assert settings_store.recent_files()[0] == str(good.resolve())


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_a_settings_file_that_is_a_fifo_is_not_read(isolated_settings) -> None:
    os.mkfifo(isolated_settings / "nnstudio.ini")
    settings = settings_store.app_settings()
    assert Path(settings.fileName()) != isolated_settings / "nnstudio.ini"
    settings.setValue("x", 1)  # works, in a throwaway file for this session
    assert settings_store.recent_files() == []


def test_pasting_deeply_nested_data_says_so(make_window) -> None:
    window = make_window("xor_mlp")
    messages = []
    window.scene.status_message.connect(messages.append)
    for payload in (b"[" * 200_000, b"{" * 50 + b"}" * 50, b"\xff\xfe", b'{"nodes": 1}'):
        mime = QMimeData()
        mime.setData(MIME_SUBGRAPH, payload)
        assert window.scene.paste(mime) == []
    assert len(messages) == 4 and all(m.startswith("Cannot paste") for m in messages)
    assert "nested too deeply" in messages[0]


def test_a_failing_autosave_stays_visible_and_later_ones_still_run(
    make_window, qtbot, monkeypatch
) -> None:
    monkeypatch.setenv(autosave.INTERVAL_ENV, "0.1")
    real = recovery.write_recovery
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(*args, **kwargs)

    monkeypatch.setattr(recovery, "write_recovery", flaky)
    window = make_window("xor_mlp")
    window.add_layer_at_centre("relu")
    qtbot.waitUntil(lambda: window.autosave_label.isVisible(), timeout=10_000)
    assert "Autosave failed" in window.status_text()
    qtbot.waitUntil(
        lambda: len(calls) >= 3 and not window.autosave_label.isVisible(), timeout=10_000
    )
    window.autosaver.shutdown()


def test_a_title_that_cannot_be_encoded_never_stops_autosave(make_window, qtbot, monkeypatch):
    monkeypatch.setenv(autosave.INTERVAL_ENV, "0.1")
    window = make_window("xor_mlp")
    window.document.project.title = "bad \ud800 title"  # as if it slipped in somehow
    window.add_layer_at_centre("relu")
    with qtbot.waitSignal(window.autosaver.saved, timeout=10_000) as saved:
        pass
    loaded = load_project(saved.args[0])  # written with the character replaced, and readable
    assert loaded.project.title == "bad \ufffd title"
    window.autosaver.shutdown()
