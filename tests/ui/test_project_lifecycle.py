"""Never losing work, and the desktop conventions around project files.

Autosave while there are unsaved changes, recovery after a crash, Save / Discard / Cancel on
quit, failed saves, recent files, files dropped on the window and `nnstudio FILE`.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog

from nnstudio.core import project_files, recovery
from nnstudio.core.compile import compile_graph
from nnstudio.core.errors import ProjectFileError
from nnstudio.core.history import History
from nnstudio.core.project import Project, project_to_dict, save_project_json
from nnstudio.core.project_files import load_project, save_project
from nnstudio.core.run_io import single_run_book
from nnstudio.core.templates import TEMPLATES
from nnstudio.ui import autosave, project_io, settings_store
from nnstudio.ui.mime import layer_mime
from nnstudio.ui.recovery_dialog import RecoveryDecision, RecoveryDialog, describe_time

REPO = Path(__file__).resolve().parents[2]
CRASHING_SESSION = """
import os, sys
from nnstudio.core.project_files import load_project
from nnstudio.core.recovery import write_recovery
for archive, source in zip(sys.argv[1::2], sys.argv[2::2]):
    loaded = load_project(archive)
    write_recovery(loaded.project, loaded.runs, source or None)
print("autosaved", flush=True)
os._exit(1)  # a crash: the session never cleans up
"""


# -- helpers ------------------------------------------------------------------------------
@pytest.fixture
def fast_autosave(monkeypatch):
    monkeypatch.setenv(autosave.INTERVAL_ENV, "0.1")


def autosaves() -> list[Path]:
    return sorted(recovery.recovery_dir().glob("*.nnstudio"))


def edit(window) -> str:
    """One undoable change, as the user makes it from the palette."""
    node_id = window.add_layer_at_centre("relu")
    assert node_id is not None and window.document.is_modified()
    return node_id


def weights_for(project: Project) -> dict[str, torch.Tensor]:
    model = compile_graph(project.graph, project.shape_context(), seed=3)
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


def some_history() -> History:
    history = History()
    for step in range(1, 41):
        history.append("train_loss", step, 1.0 / step)
        history.append("val_loss", step, 1.2 / step)
    return history


def crash_after_autosaving(*documents: tuple[Path, Path | None]) -> None:
    """Run another app session that autosaves each (archive, source path) and then crashes."""
    args = [str(part or "") for archive, source in documents for part in (archive, source)]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        recovery.ENV_VAR: str(recovery.recovery_dir()),
    }
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_SESSION, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 1 and "autosaved" in done.stdout, done.stderr


def drop_file(widget, path: Path) -> tuple[bool, bool]:
    """Drag a file from a file manager onto `widget` and drop it: (entered, dropped) accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    pos = widget.rect().center()
    enter = QDragEnterEvent(
        pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(
        QPointF(pos), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    if enter.isAccepted():
        QApplication.sendEvent(widget, drop)
        assert drop.dropAction() == Qt.DropAction.CopyAction, "never a move: that deletes files"
    return enter.isAccepted(), drop.isAccepted()


def close_quietly(window) -> None:
    window.ask_unsaved = lambda: "discard"


# -- autosave -----------------------------------------------------------------------------
def test_autosave_interval_comes_from_the_environment(monkeypatch):
    for text, seconds in [("", 60.0), ("30", 30.0), ("0.001", 0.05), ("soon", 60.0)]:
        monkeypatch.setenv(autosave.INTERVAL_ENV, text)
        assert autosave.autosave_interval() == pytest.approx(seconds)
    monkeypatch.setenv(autosave.INTERVAL_ENV, "0")
    assert autosave.autosave_interval() is None, "0 turns autosave off"


def test_autosave_runs_only_while_there_are_unsaved_changes(make_window, fast_autosave, qtbot):
    window = make_window("xor_mlp")
    saver = window.autosaver
    assert saver.interval_s == pytest.approx(0.1)
    assert not saver.timer.isActive()
    assert saver.autosave() is False, "nothing unsaved, nothing to autosave"
    assert autosaves() == []

    edit(window)
    assert saver.timer.isActive()
    with qtbot.waitSignal(saver.saved, timeout=10_000) as written:
        pass
    path = written.args[0]
    assert autosaves() == [path]
    copy = load_project(path).project
    assert project_to_dict(copy) == project_to_dict(window.document.project)

    window.document.undo_stack.undo()  # back to the saved state: nothing left to protect
    assert not saver.timer.isActive()
    qtbot.waitUntil(lambda: not saver.busy and autosaves() == [], timeout=10_000)


def test_autosave_keeps_the_trained_weights_and_curves(make_window, fast_autosave, qtbot):
    project = TEMPLATES.get("spiral_mlp").build()
    weights, history = weights_for(project), some_history()
    window = make_window(project)
    window.document.runs = single_run_book(project, weights, history)
    edit(window)
    node = next(n for n in window.document.graph.nodes.values() if n.type == "relu")
    window.document.graph.remove_node(node.id)  # weights fit again; the document stays dirty
    with qtbot.waitSignal(window.autosaver.saved, timeout=10_000) as written:
        pass
    copy = load_project(written.args[0])
    assert copy.weights is not None and copy.weights.keys() == weights.keys()
    assert all(torch.equal(copy.weights[k], weights[k]) for k in weights)
    assert copy.history == history


def test_saving_or_discarding_deletes_the_autosave(make_window, fast_autosave, qtbot, tmp_path):
    window = make_window("xor_mlp")
    saver = window.autosaver
    edit(window)
    qtbot.waitUntil(lambda: len(autosaves()) == 1, timeout=10_000)
    assert window.save_as(tmp_path / "kept.nnstudio")
    qtbot.waitUntil(lambda: not saver.busy and autosaves() == [], timeout=10_000)

    edit(window)
    qtbot.waitUntil(lambda: len(autosaves()) == 1, timeout=10_000)
    window.new_project()  # the test window answers Discard
    qtbot.waitUntil(lambda: not saver.busy and autosaves() == [], timeout=10_000)
    assert not window.document.is_modified()


def test_a_failing_autosave_says_so_and_keeps_the_work(
    make_window, fast_autosave, qtbot, monkeypatch
):
    def refuse(*_args, **_kwargs):
        raise ProjectFileError("The recovery folder cannot be written: the disk is full.")

    monkeypatch.setattr(recovery, "write_recovery", refuse)
    window = make_window("xor_mlp")
    edit(window)
    with qtbot.waitSignal(window.autosaver.failed, timeout=10_000):
        pass
    assert "Autosave failed" in window.status_text() and "disk is full" in window.status_text()
    assert window.document.is_modified() and window.display_title().startswith("XOR")


# -- recovery after a crash ---------------------------------------------------------------
def test_a_crashed_session_is_recovered_exactly(make_window, tmp_path):
    work = tmp_path / "work.nnstudio"
    save_project(work, TEMPLATES.get("spiral_mlp").build())  # the last save before the crash
    edited = TEMPLATES.get("spiral_mlp").build()
    edited.title = "Unsaved edits"
    first = next(iter(edited.graph.nodes))
    edited.graph.move_node(first, (123.5, -45.25))
    linear = next(n.id for n in edited.graph.nodes.values() if n.type == "linear")
    edited.graph.set_param(linear, "units", 13)
    weights, history = weights_for(edited), some_history()
    lost = tmp_path / "lost.nnstudio"
    save_project(lost, edited, single_run_book(edited, weights, history))
    scratch = tmp_path / "scratch.nnstudio"
    save_project(scratch, TEMPLATES.get("xor_mlp").build())
    crash_after_autosaving((lost, work), (scratch, None))

    window = make_window()
    offered: list[recovery.RecoveryEntry] = []

    def answer(entries):
        offered.extend(entries)
        named = next(e for e in entries if e.source_path is not None)
        untitled = next(e for e in entries if e.source_path is None)
        return RecoveryDecision(recover=named, discard=[untitled])

    window.ask_recovery = answer
    assert window.offer_recovery()
    assert {e.source_path for e in offered} == {work.resolve(), None}
    assert "Unsaved edits" in {e.title for e in offered}

    doc = window.document
    assert project_to_dict(doc.project) == project_to_dict(edited), "the graph, exactly"
    assert doc.path == work.resolve() and doc.is_modified()
    assert window.display_title().startswith("work.nnstudio*")
    state = window.training.controller.trained_state
    assert state is not None and state.keys() == weights.keys()
    assert all(torch.equal(state[k], weights[k]) for k in weights)
    assert recovery.pending_recoveries() == [], "recovered and discarded copies are gone"
    mine = autosaves()
    assert len(mine) == 1 and mine[0].name.startswith(recovery.session_id())

    assert window.save()  # back to where it came from
    on_disk = load_project(work)
    assert project_to_dict(on_disk.project) == project_to_dict(edited)
    assert all(torch.equal(on_disk.weights[k], weights[k]) for k in weights)
    assert on_disk.history == history
    assert autosaves() == [] and not doc.is_modified()


def test_decide_later_keeps_the_copies_for_next_time(make_window, tmp_path):
    lost = tmp_path / "lost.nnstudio"
    save_project(lost, TEMPLATES.get("circle_mlp").build())
    crash_after_autosaving((lost, None))
    window = make_window("xor_mlp")
    window.ask_recovery = lambda entries: RecoveryDecision()
    assert not window.offer_recovery()
    assert not window.document.is_modified() and len(recovery.pending_recoveries()) == 1
    window.ask_recovery = lambda entries: pytest.fail("nothing to offer, nothing to ask")
    recovery.discard_recovery(recovery.pending_recoveries()[0])
    assert not window.offer_recovery()


def test_recovery_dialog_recovers_one_and_discards_another(qtbot, tmp_path):
    now = datetime.now()
    entries = [
        recovery.RecoveryEntry(tmp_path / "a", Path("/work/a.nnstudio"), now, "Alpha", "s1"),
        recovery.RecoveryEntry(tmp_path / "b", None, now - timedelta(days=1), "Beta", "s2"),
    ]
    dialog = RecoveryDialog(entries)
    qtbot.addWidget(dialog)
    rows = [dialog.list.topLevelItem(i) for i in range(dialog.list.topLevelItemCount())]
    assert [r.text(0) for r in rows] == ["Alpha", "Beta"]
    assert rows[0].text(1).startswith("today") and rows[1].text(1).startswith("yesterday")
    assert rows[1].text(2) == "never saved"
    dialog.list.setCurrentItem(rows[1])
    dialog.discard_button.click()
    assert dialog.decision.discard == [entries[1]] and dialog.list.topLevelItemCount() == 1
    dialog.recover_button.click()
    assert dialog.decision.recover == entries[0] and dialog.result() == QDialog.DialogCode.Accepted
    assert describe_time(datetime(2025, 3, 3, 17, 40), now=datetime(2025, 6, 1)) == (
        "3 Mar 2025 17:40"
    )


# -- quitting, saving, failing to save ----------------------------------------------------
def test_quit_with_unsaved_changes_asks_save_discard_cancel(make_window, tmp_path):
    window = make_window("xor_mlp")
    work = tmp_path / "quit.nnstudio"
    assert window.save_as(work)
    node_id = edit(window)
    asked: list[str] = []
    window.ask_unsaved = lambda: asked.append("cancel") or "cancel"
    window.action_quit.trigger()
    assert asked == ["cancel"] and window.isVisible() and window.document.is_modified()
    assert node_id not in load_project(work).project.graph.nodes

    window.ask_unsaved = lambda: "save"
    window.action_quit.trigger()
    assert not window.isVisible()
    assert node_id in load_project(work).project.graph.nodes, "Save wrote the file"


def test_quit_and_discard_leaves_no_autosave(make_window, fast_autosave, qtbot):
    window = make_window("xor_mlp")
    edit(window)
    qtbot.waitUntil(lambda: len(autosaves()) == 1, timeout=10_000)
    window.ask_unsaved = lambda: "discard"
    assert window.close()
    assert autosaves() == [] and not window.autosaver.busy


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _no_permission(*_args, **_kwargs):
    raise PermissionError(errno.EACCES, "Permission denied")


@pytest.mark.parametrize(
    ("target", "failure", "says"),
    [
        (project_files, _disk_full, "the disk is full"),
        (project_files, _no_permission, "you do not have permission"),
        (project_io, _disk_full, "No space left on device"),  # a raw OSError reaching the UI
    ],
    ids=["disk-full", "no-permission", "raw-oserror"],
)
def test_a_failed_save_says_so_and_the_document_stays_dirty(
    make_window, tmp_path, monkeypatch, target, failure, says
):
    window = make_window("xor_mlp")
    work = tmp_path / "fail.nnstudio"
    assert window.save_as(work)
    before = work.read_bytes()
    edit(window)
    name = "atomic_write_bytes" if target is project_files else "write_project"
    monkeypatch.setattr(target, name, failure)

    assert window.save() is False
    title, message = window.errors[-1]
    assert title == "Cannot save project" and says in message
    assert window.document.is_modified() and window.display_title().startswith("fail.nnstudio*")
    assert work.read_bytes() == before, "the file on disk is untouched"

    window.ask_unsaved = lambda: "save"  # quitting with Save that fails must not close
    assert not window.close() and window.isVisible()
    close_quietly(window)


# -- desktop conventions ------------------------------------------------------------------
def test_dropping_a_project_file_opens_it_on_the_canvas_or_elsewhere(make_window, qtbot, tmp_path):
    first, second = tmp_path / "first.nnstudio", tmp_path / "second.json"
    save_project(first, TEMPLATES.get("spiral_mlp").build())
    save_project_json(TEMPLATES.get("circle_mlp").build(), second)
    window = make_window("xor_mlp")

    assert drop_file(window.view.viewport(), first) == (True, True)
    qtbot.waitUntil(lambda: window.document.path == first)
    assert window.display_title().startswith("first.nnstudio")

    assert drop_file(window.problems, second) == (True, True)
    qtbot.waitUntil(lambda: window.document.path == second)

    other = tmp_path / "notes.txt"
    other.write_text("not a project")
    assert drop_file(window.view.viewport(), other) == (True, True)  # taken, to say why not
    qtbot.waitUntil(lambda: "Cannot use notes.txt" in window.status_text())
    assert window.document.path == second

    window.set_editing_locked(True)  # training: the project cannot be replaced
    assert drop_file(window.view.viewport(), first) == (True, True)
    qtbot.waitUntil(lambda: "Stop training" in window.status_text())
    assert window.document.path == second
    window.set_editing_locked(False)


def test_layers_from_the_palette_still_drop_on_the_canvas(make_window):
    window = make_window("xor_mlp")
    before = set(window.document.graph.nodes)
    viewport = window.view.viewport()
    pos = viewport.rect().center()
    mime = layer_mime("relu")
    action = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, action, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, QDropEvent(QPointF(pos), action, mime, buttons, mods))
    added = set(window.document.graph.nodes) - before
    assert [window.document.graph.nodes[n].type for n in added] == ["relu"]


def test_recent_files_are_listed_newest_first_and_missing_ones_pruned(make_window, tmp_path):
    a, b = tmp_path / "a.nnstudio", tmp_path / "b.nnstudio"
    for path in (a, b):
        save_project(path, TEMPLATES.get("xor_mlp").build())
    window = make_window()
    assert window.open_file(a) and window.open_file(b)

    def listed() -> list[str]:
        window.recent_menu.aboutToShow.emit()
        return [act.text() for act in window.recent_menu.actions() if not act.isSeparator()]

    assert listed() == ["b.nnstudio", "a.nnstudio", "Clear list"]
    a.unlink()
    assert listed() == ["b.nnstudio", "Clear list"]
    assert settings_store.recent_files() == [str(b.resolve())]
    b.unlink()
    assert listed() == ["No recent projects"]
    assert window.open_file(b) is False and window.errors[-1][0] == "Cannot open project"


@pytest.fixture
def quiet_main_window(monkeypatch):
    """MainWindow built by the app itself: answer its questions without modal dialogs."""
    from nnstudio.ui.main_window import MainWindow

    errors: list[tuple[str, str]] = []
    offers: list[bool] = []
    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self: "discard")
    monkeypatch.setattr(MainWindow, "show_error", lambda self, *args: errors.append(args))
    monkeypatch.setattr(MainWindow, "offer_recovery", lambda self: offers.append(True) or False)
    return errors, offers


def _after_first_paint(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window._first_paint.done, timeout=10_000)
    qtbot.waitUntil(lambda: getattr(window, "device_probe", None) is not None, timeout=10_000)
    probe = window.device_probe  # a daemon thread importing torch: let it finish
    qtbot.waitUntil(lambda: not (probe.thread and probe.thread.is_alive()), timeout=60_000)


def test_nnstudio_file_opens_it_and_offers_recovery_once_painted(
    qtbot, tmp_path, quiet_main_window
):
    from nnstudio.ui.app import open_main_window

    errors, offers = quiet_main_window
    work = tmp_path / "cli.nnstudio"
    project = TEMPLATES.get("circle_mlp").build()
    save_project(work, project, single_run_book(project, None, some_history()))
    window = open_main_window(str(work))
    qtbot.addWidget(window)
    assert window.document.path == work and not window.document.is_modified()
    assert window.display_title().startswith("cli.nnstudio — ")
    assert project_to_dict(window.document.project) == project_to_dict(project)
    _after_first_paint(qtbot, window)
    qtbot.waitUntil(lambda: offers == [True])
    assert errors == [] and settings_store.recent_files() == [str(work.resolve())]


def test_nnstudio_with_a_broken_file_says_why_and_starts_empty(qtbot, tmp_path, quiet_main_window):
    from nnstudio.ui.app import open_main_window

    errors, offers = quiet_main_window
    broken = tmp_path / "broken.nnstudio"
    broken.write_bytes(b"PK\x03\x04 truncated")
    window = open_main_window(str(broken))
    qtbot.addWidget(window)
    _after_first_paint(qtbot, window)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert errors[0][0] == "Cannot open project" and window.document.path is None
    assert offers == [True]


def test_a_file_open_event_from_the_desktop_opens_the_project(qtbot, tmp_path):
    """macOS sends QFileOpenEvent when a .nnstudio file is double-clicked while the app runs."""
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from nnstudio.core.project_files import save_project
    from nnstudio.core.templates import TEMPLATES
    from nnstudio.ui.app import open_main_window

    path = tmp_path / "xor.nnstudio"
    save_project(path, TEMPLATES.get("xor_mlp").build())
    window = open_main_window(None)
    qtbot.addWidget(window)
    window.ask_unsaved = lambda: "discard"
    QApplication.sendEvent(QApplication.instance(), QFileOpenEvent(str(path)))
    qtbot.waitUntil(lambda: window.document.path == path, timeout=5000)
    assert window.document.project.title == "XOR with a hidden layer"
