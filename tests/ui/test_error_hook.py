"""An exception nobody catches is shown non-modally, written to the log, and survived."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication, QPushButton

from nnstudio.ui.error_hook import install_error_hook, uninstall_error_hook


@pytest.fixture
def hook(tmp_path, monkeypatch):
    monkeypatch.setenv("NNSTUDIO_LOG_DIR", str(tmp_path / "logs"))
    installed = install_error_hook()
    yield installed
    if installed.window is not None:
        installed.window.close()
        installed.window.deleteLater()
    uninstall_error_hook()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_shown_logged_and_survived(qtbot, hook, tmp_path) -> None:
    button = QPushButton("boom")
    qtbot.addWidget(button)

    def explode() -> None:
        raise KeyError("forward")

    button.clicked.connect(explode)
    button.click()
    qtbot.waitUntil(lambda: hook.window is not None and hook.window.isVisible())
    window = hook.window
    assert not window.isModal()
    assert "KeyError" in window.summary.text() and "forward" in window.summary.text()
    assert "explode" in window.details.toPlainText()
    log = (tmp_path / "logs" / "errors.log").read_text(encoding="utf-8")
    assert "KeyError: 'forward'" in log and "explode" in log
    window.copy_button.click()
    assert "KeyError" in QApplication.clipboard().text()
    # The app goes on: the same slot fails again and the window counts it.
    button.click()
    qtbot.waitUntil(lambda: "2 times" in window.summary.text())


@pytest.mark.qt_no_exception_capture
def test_a_worker_thread_error_reaches_the_gui_thread(qtbot, hook, tmp_path) -> None:
    def fail() -> None:
        raise RuntimeError("worker broke")

    thread = threading.Thread(target=fail)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: hook.window is not None and hook.window.isVisible())
    assert "worker broke" in hook.window.summary.text()
    assert "worker broke" in (tmp_path / "logs" / "errors.log").read_text(encoding="utf-8")


def test_an_unwritable_log_folder_does_not_stop_the_report(monkeypatch, tmp_path) -> None:
    from nnstudio.ui.error_hook import write_log

    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("NNSTUDIO_LOG_DIR", str(blocker / "logs"))
    assert write_log("details") is None
