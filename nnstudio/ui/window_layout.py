"""The main window's size and dock layout across sessions, screens and display scales.

Qt stores dock sizes in device-independent pixels, so a layout saved at one scale (say
`QT_SCALE_FACTOR=2`) and restored at another squeezes the docks to a sliver. We store the
scale with the layout and drop a layout saved at another scale, drop a saved geometry that
does not fit the current screen, and keep every dock at a usable size.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow

from nnstudio.ui import settings_store

DEFAULT_SIZE = (1280, 800)
MIN_DOCK = {"palette_dock": 150, "settings_dock": 260, "inspector_dock": 260, "problems_dock": 60}
"""Narrower than this (logical px) and a restored dock counts as collapsed."""


def screen_area(window: QMainWindow) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QMainWindow) -> None:
    """Default size, shrunk to the screen's free area (a 1600×1000 screen at scale 2 offers
    800×500), and centred on it."""
    area = screen_area(window)
    # The frame (title bar, borders) is known once the window manager has framed the window.
    extra_w = max(0, window.frameGeometry().width() - window.width())
    extra_h = max(0, window.frameGeometry().height() - window.height())
    width = min(DEFAULT_SIZE[0], area.width() - extra_w)
    height = min(DEFAULT_SIZE[1], area.height() - extra_h)
    window.resize(width, height)
    frame = window.frameGeometry()
    frame.moveCenter(area.center())
    window.move(frame.topLeft())


def fits(window: QMainWindow) -> bool:
    """Whether the window, frame included, lies within the screen's free area."""
    area = screen_area(window)
    frame = window.frameGeometry()
    return frame.width() <= area.width() + 2 and frame.height() <= area.height() + 2


def apply_default_dock_sizes(window: QMainWindow) -> None:
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    width = window.width()
    side = [docks[n] for n in ("palette_dock", "settings_dock") if n in docks]
    if len(side) == 2:
        window.resizeDocks(
            side, [max(150, width // 7), max(280, width // 4)], Qt.Orientation.Horizontal
        )
    if "problems_dock" in docks:
        window.resizeDocks([docks["problems_dock"]], [96], Qt.Orientation.Vertical)


def collapsed_docks(window: QMainWindow) -> list[str]:
    """Names of visible, docked docks narrower than they can be used."""
    found = []
    for dock in window.findChildren(QDockWidget):
        least = MIN_DOCK.get(dock.objectName())
        if least is None or not dock.isVisible() or dock.isFloating():
            continue
        size = dock.height() if dock.objectName() == "problems_dock" else dock.width()
        if size < least:
            found.append(dock.objectName())
    return found


def current_scale(window: QMainWindow) -> float:
    return round(float(window.devicePixelRatioF()), 3)


def restore(window: QMainWindow, version: int) -> None:
    """Geometry and docks as last saved, unless saved at another scale or too large."""
    settings = settings_store.app_settings()
    saved_scale = settings.value("window/scale")
    same_scale = saved_scale is not None and abs(float(saved_scale) - current_scale(window)) < 1e-3
    geometry = settings.value("window/geometry")
    if same_scale and isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
        if not fits(window):
            fit_to_screen(window)
    else:
        fit_to_screen(window)
    state = settings.value("window/state")
    if same_scale and isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state, version)


def check_docks(window: QMainWindow) -> None:
    """Once shown: a window larger than the screen (its frame included) is fitted to it,
    and a restored layout that left docks unusably small gets the defaults."""
    if not window.isMaximized() and not window.isFullScreen() and not fits(window):
        fit_to_screen(window)
    if collapsed_docks(window):
        apply_default_dock_sizes(window)


def save(window: QMainWindow, version: int) -> None:
    settings = settings_store.app_settings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState(version))
    settings.setValue("window/scale", current_scale(window))
    settings.sync()


def reset(window: QMainWindow, default_state: QByteArray, version: int) -> None:
    """View → Reset Window Layout: the first-run size and docks, fitted to this screen."""
    window.restoreState(default_state, version)
    for dock in window.findChildren(QDockWidget):
        if dock.parent() is window:
            dock.setFloating(False)
            dock.show()
    if window.isMaximized() or window.isFullScreen():
        window.showNormal()
    fit_to_screen(window)
    apply_default_dock_sizes(window)
