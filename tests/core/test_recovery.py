"""Autosave and crash recovery: crashed sessions are found, running ones are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from nnstudio.core import recovery
from nnstudio.core.history import History
from nnstudio.core.project import project_to_dict
from nnstudio.core.project_files import load_project
from nnstudio.core.run_io import single_run_book
from nnstudio.core.templates import TEMPLATES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    target = tmp_path / "recovery"
    monkeypatch.setenv(recovery.ENV_VAR, str(target))
    yield target
    recovery.clear_session()


def other_session(folder: Path, source: str | None, title: str, then: str) -> subprocess.Popen:
    """Start a process that autosaves a document, prints 'ready', then runs `then`."""
    code = textwrap.dedent(
        f"""
        import os, sys
        from nnstudio.core.recovery import write_recovery
        from nnstudio.core.templates import TEMPLATES
        project = TEMPLATES.get("xor_mlp").build()
        project.title = {title!r}
        write_recovery(project, source_path={source!r})
        print("ready", flush=True)
        {then}
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), recovery.ENV_VAR: str(folder)}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def crashed_session(folder: Path, source: str | None = None, title: str = "Lost work") -> None:
    proc = other_session(folder, source, title, "os._exit(1)  # a crash: no clear_session()")
    assert proc.stdout.readline().strip() == "ready"
    assert proc.wait(timeout=60) == 1
    proc.stdin.close()
    proc.stdout.close()


def test_recovery_dir_follows_the_environment(folder: Path, monkeypatch) -> None:
    assert recovery.recovery_dir() == folder and folder.is_dir()
    monkeypatch.delenv(recovery.ENV_VAR)
    default = recovery.recovery_dir()
    assert default.name == "recovery" and "NN Studio" in str(default)


def test_write_recovery_round_trips_and_is_not_offered_to_itself(folder: Path) -> None:
    from tests.core.test_project_files import small_project, trained

    project = small_project()
    trainer, history = trained(project)
    path = recovery.write_recovery(
        project, single_run_book(project, trainer.model.state_dict(), history), "/x/doc.nnstudio"
    )
    assert path.parent == folder and path.suffix == ".nnstudio"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600, "autosaves are private"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([path.name, f"session-{recovery.session_id()}.lock"]), "no temp files"
    loaded = load_project(path)
    assert project_to_dict(loaded.project) == project_to_dict(project)
    assert loaded.weights is not None and loaded.history == history and not loaded.notes
    again = recovery.write_recovery(
        project, single_run_book(project, None, history), "/x/doc.nnstudio"
    )
    assert again == path, "one autosave per document, overwritten"
    assert recovery.pending_recoveries() == [], "a running session's autosaves are not offered"


def test_weights_that_no_longer_fit_are_left_out(folder: Path) -> None:
    from tests.core.test_project_files import small_project, trained

    project = small_project()
    trainer, _ = trained(project)
    project.graph.set_param("n2", "units", 7)  # edited after training
    path = recovery.write_recovery(
        project, single_run_book(project, trainer.model.state_dict(), None)
    )
    loaded = load_project(path)
    assert loaded.weights is None and loaded.project.graph.nodes["n2"].params["units"] == 7


def test_crashed_session_is_offered_then_discarded(folder: Path) -> None:
    before = datetime.now() - timedelta(seconds=5)
    crashed_session(folder, "/work/a.nnstudio", "Lost work")
    crashed_session(folder, None, "")
    entries = recovery.pending_recoveries()
    assert len(entries) == 2
    named = next(e for e in entries if e.source_path is not None)
    untitled = next(e for e in entries if e.source_path is None)
    assert named.title == "Lost work" and named.source_path == Path("/work/a.nnstudio").resolve()
    assert untitled.title == "Untitled"
    assert entries[0].saved_at >= entries[1].saved_at >= before
    loaded = recovery.load_recovery(named)
    assert loaded.project.title == "Lost work"
    for entry in entries:
        recovery.discard_recovery(entry)
    assert recovery.pending_recoveries() == []
    assert list(folder.iterdir()) == [], "dead sessions' lock files are cleaned up too"


def test_running_session_is_left_alone_until_it_dies(folder: Path) -> None:
    proc = other_session(folder, "/work/b.nnstudio", "Still open", "sys.stdin.readline()")
    try:
        assert proc.stdout.readline().strip() == "ready"
        assert recovery.pending_recoveries() == []
        assert any(p.name.startswith("session-") for p in folder.iterdir())
    finally:
        proc.kill()
        proc.wait(timeout=60)
        proc.stdin.close()
        proc.stdout.close()
    entries = recovery.pending_recoveries()
    assert [e.title for e in entries] == ["Still open"]


def test_clean_exit_leaves_nothing_behind(folder: Path) -> None:
    project = TEMPLATES.get("circle_mlp").build()
    recovery.write_recovery(project, single_run_book(project, None, History()), "/work/c.nnstudio")
    recovery.write_recovery(project, None, None)
    assert len(list(folder.glob("*.nnstudio"))) == 2
    recovery.forget_recovery("/work/c.nnstudio")
    assert len(list(folder.glob("*.nnstudio"))) == 1
    recovery.clear_session()
    assert list(folder.iterdir()) == []
    assert recovery.pending_recoveries() == []


def test_damaged_autosave_is_not_offered_but_kept(folder: Path) -> None:
    crashed_session(folder, "/work/d.nnstudio")
    (entry,) = recovery.pending_recoveries()
    entry.path.write_bytes(b"PK\x03\x04 cut off")
    assert recovery.pending_recoveries() == []
    assert entry.path.exists(), "never delete what might still be rescued by hand"


def test_lock_fallback_uses_the_pid(folder: Path) -> None:
    assert recovery._pid_alive(os.getpid())
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    assert not recovery._pid_alive(proc.pid)
