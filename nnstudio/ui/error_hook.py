"""The last line of defence: an exception nobody caught is shown, logged, and survived.

PySide6 hands an exception raised inside a slot to `sys.excepthook`; a worker thread's goes
to `threading.excepthook`. Both are pointed here. The full traceback is appended to a log
file in the platform's log folder, and a non-modal window says what happened, with "Copy
details" for a bug report. The app keeps running. The window is shown on the GUI thread
whichever thread failed, and the same error repeating (say, on every redraw) is counted in
the open window rather than opening a new one each time.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio import __version__

LOG_DIR_ENV = "NNSTUDIO_LOG_DIR"
LOG_NAME = "errors.log"
MAX_LOG_BYTES = 1024**2
"""The log is restarted (the old one kept as .1) when it grows past this."""


def log_dir() -> Path:
    """$NNSTUDIO_LOG_DIR, else the platform's per-user log folder."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir("NN Studio", appauthor=False))


def write_log(details: str) -> Path | None:
    """Append `details` to the error log; the log's path, or None if it cannot be written."""
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_name(LOG_NAME + ".1"))
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"--- {stamp} NN Studio {__version__}\n{details}\n")
        return path
    except (OSError, ValueError):
        return None


def describe(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    return "".join(traceback.format_exception(exc_type, exc, tb))


class ErrorWindow(QDialog):
    """Non-modal: says what went wrong and lets the user copy the details."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error_window")
        self.setWindowTitle("Something went wrong")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.summary = QLabel(self)
        self.summary.setObjectName("error_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("error_details")
        self.details.setReadOnly(True)
        self.copy_button = QPushButton("Copy details", self)
        self.copy_button.setObjectName("copy_details")
        self.copy_button.clicked.connect(self.copy_details)
        close = QPushButton("Close", self)
        close.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        self.resize(640, 360)
        self.last_key = ""
        self.repeats = 0

    def report(self, summary: str, details: str, log_path: str) -> None:
        key = details
        if key == self.last_key and self.isVisible():
            self.repeats += 1
        else:
            self.last_key, self.repeats = key, 1
            self.details.setPlainText(details)
        times = f" (this happened {self.repeats} times)" if self.repeats > 1 else ""
        where = f" The details were written to {log_path}." if log_path else ""
        self.summary.setText(
            f"NN Studio hit an unexpected error{times}: {summary}\n\nYour work is still "
            f"open; saving it now is a good idea.{where}"
        )
        self.show()
        if QGuiApplication.platformName() != "offscreen":  # it cannot raise windows
            self.raise_()

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details.toPlainText())


class ErrorHook(QObject):
    """Owns the hooks; `_reported` carries each error to the GUI thread."""

    _reported = Signal(str, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window: ErrorWindow | None = None
        self.count = 0
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        self._reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def uninstall(self) -> None:
        if sys.excepthook == self.handle:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self._handle_thread:
            threading.excepthook = self._previous_threading

    def handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_sys(exc_type, exc, tb)
            return
        try:
            details = describe(exc_type, exc, tb)
            path = write_log(details)
            self.count += 1
            summary = f"{exc_type.__name__}: {exc}"[:500]
            with contextlib.suppress(RuntimeError):  # the hook object may be gone at exit
                self._reported.emit(summary, details, str(path) if path else "")
        except Exception:  # the hook itself must never raise
            with contextlib.suppress(Exception):
                sys.__stderr__.write(describe(exc_type, exc, tb))

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str, str, str)
    def _show(self, summary: str, details: str, log_path: str) -> None:
        if self.window is None:
            self.window = ErrorWindow(QApplication.activeWindow())
        self.window.report(summary, details, log_path)


_hook: ErrorHook | None = None


def install_error_hook() -> ErrorHook:
    """Route every uncaught exception (GUI thread or worker) to the log and the error window."""
    global _hook
    if _hook is None:
        _hook = ErrorHook(QApplication.instance())
    _hook.install()
    return _hook


def uninstall_error_hook() -> None:
    global _hook
    if _hook is not None:
        _hook.uninstall()
        _hook = None
