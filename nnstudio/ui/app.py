"""Starting the GUI: one QApplication, the theme, the main window, and a fast first paint.

Nothing here imports torch. The window paints first; then pyqtgraph (for the dataset preview)
and torch (to list devices) load while the user looks at it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from nnstudio.core.errors import ProjectFileError
from nnstudio.core.recovery import clear_session
from nnstudio.resources import APP_ICON, resources_root
from nnstudio.ui.settings_store import APPLICATION, ORGANIZATION
from nnstudio.ui.theme import apply_theme

EXIT_AFTER_PAINT_ENV = "NNSTUDIO_EXIT_AFTER_PAINT"
"""When set, print the time from process start to the first painted window, then quit."""
_IMPORTED_AT = time.time()


def seconds_since_process_start() -> float:
    """How long this process has run, from /proc (10 ms resolution) where it exists."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return uptime - started
    except (OSError, ValueError, IndexError, AttributeError):
        return time.time() - _IMPORTED_AT


class FirstPaintWatcher(QObject):
    """Calls `callback` once, right after the first paint of `window` has been flushed."""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.callback = callback
        self.done = False
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self.done
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self.window
        ):
            self.done = True
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, self.callback)
        return False


class FileOpenHandler(QObject):
    """Opens files the desktop hands to the running app (macOS: double-click, drop on Dock)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and watched is QApplication.instance():
            path = event.file()
            if path:
                QTimer.singleShot(0, lambda: self.window.open_file(path))
                return True
        return False


def make_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    icon = resources_root() / APP_ICON
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_theme(app)
    return app


def open_main_window(project_path: str | None = None) -> QMainWindow:
    """Build and show the main window (with `project_path` if given), as `nnstudio FILE` does.

    After the first paint it starts the background tasks, reports a file that would not open,
    and offers to recover work a crashed session left behind.
    """
    app = make_application()
    from nnstudio.ui.main_window import MainWindow
    from nnstudio.ui.project_io import read_project
    from nnstudio.ui.settings_store import add_recent_file

    loaded, error = None, None
    if project_path:
        try:
            loaded = read_project(project_path)
        except ProjectFileError as exc:
            error = str(exc)
    window = MainWindow(loaded.project if loaded else None, project_path if loaded else None)
    exit_after_paint = bool(os.environ.get(EXIT_AFTER_PAINT_ENV))

    def painted() -> None:
        if exit_after_paint:
            elapsed = seconds_since_process_start()
            print(
                f"first_paint_s={elapsed:.3f} torch_imported={'torch' in sys.modules}",
                flush=True,
            )
            app.quit()
            return
        window.start_background_tasks()
        if loaded is not None:
            add_recent_file(str(project_path))
            window.project_loaded.emit(loaded)
        if error is not None:
            window.show_error("Cannot open project", error)
        window.offer_recovery()
        if project_path is None:
            window.lessons.show_start_page()

    window._first_paint = FirstPaintWatcher(window, painted)
    window._file_open = FileOpenHandler(window)
    window.show()
    return window


def run_app(project_path: str | None = None) -> int:
    """Open the main window (with `project_path` if given) and run until it closes."""
    app = make_application()
    from nnstudio.ui.error_hook import install_error_hook

    install_error_hook()  # nothing uncaught reaches Qt: it is logged, shown and survived
    window = open_main_window(project_path)
    try:
        return app.exec()
    finally:
        window.autosaver.shutdown()
        clear_session()  # a clean exit: nothing of this session is left to recover
