"""UI test setup: private settings per test, and a ready main window for editor tests."""

from __future__ import annotations

import pytest

from nnstudio.core.project import Project
from nnstudio.core.templates import TEMPLATES


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Point QSettings and autosaves at temp folders: tests never touch the user's own."""
    folder = tmp_path / "settings"
    folder.mkdir()
    monkeypatch.setenv("NNSTUDIO_SETTINGS_DIR", str(folder))
    # Autosaves too: a test must never write to (or recover from) the user's own folder.
    monkeypatch.setenv("NNSTUDIO_RECOVERY_DIR", str(tmp_path / "recovery"))
    monkeypatch.setenv("NNSTUDIO_BLOCKS_DIR", str(tmp_path / "blocks"))  # the block library
    yield folder
    from nnstudio.core.recovery import clear_session

    clear_session()


@pytest.fixture
def make_window(qtbot):
    """Build a shown MainWindow (1280×800) around a project or a template name."""

    def make(project: Project | str | None = None):
        from nnstudio.ui.main_window import MainWindow

        errors: list = []

        if isinstance(project, str):
            project = TEMPLATES.get(project).build()
        window = MainWindow(project)
        window.ask_unsaved = lambda: "discard"  # never block a test on a modal question
        window.show_error = lambda title, message: errors.append((title, message))
        window.errors = errors
        qtbot.addWidget(window)
        window.resize(1280, 800)
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
        window.view.fit_to_view()
        return window

    return make
