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
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from nnstudio.core.errors import ProjectFileError
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


def make_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    apply_theme(app)
    return app


def run_app(project_path: str | None = None) -> int:
    """Open the main window (with `project_path` if given) and run until it closes."""
    app = make_application()
    from nnstudio.ui.main_window import MainWindow
    from nnstudio.ui.project_io import read_project

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
            window.project_loaded.emit(loaded)
        if error is not None:
            window.show_error("Cannot open project", error)

    window._first_paint = FirstPaintWatcher(window, painted)
    window.show()
    return app.exec()
