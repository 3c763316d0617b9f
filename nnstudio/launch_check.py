"""Before Qt starts: are the system libraries that Qt's X11 (xcb) platform needs present?

Without them Qt prints one misleading line (it names `xcb-cursor0` whatever is missing) and
aborts. We look the libraries up ourselves, name the missing ones and the one `apt-get` line
that brings them. Nothing here imports Qt.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping

XCB_LIBRARIES: dict[str, str] = {
    # ctypes name -> Debian/Ubuntu package that ships it
    "xcb": "libxcb1",
    "X11-xcb": "libx11-xcb1",
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-shm": "libxcb-shm0",
    "xcb-sync": "libxcb-sync1",
    "xcb-xfixes": "libxcb-xfixes0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon": "libxkbcommon0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
}
"""What PySide6's `libqxcb.so` links against beyond Qt itself (read with `ldd`)."""

Finder = Callable[[str], "str | None"]


def platform_is_xcb(argv: list[str], environ: Mapping[str, str], platform: str) -> bool:
    """Will Qt pick the xcb plugin? Only on Linux, and only when nothing chose another one."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    for index, arg in enumerate(argv):
        if arg == "-platform" and index + 1 < len(argv):
            chosen = argv[index + 1]
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    # Qt prefers Wayland in a Wayland session and falls back to xcb otherwise.
    return not environ.get("WAYLAND_DISPLAY")


def missing_xcb_libraries(find: Finder | None = None) -> list[str]:
    """The packages whose libraries `find` cannot locate, in a stable order."""
    find = find or ctypes.util.find_library
    return [package for name, package in XCB_LIBRARIES.items() if not find(name)]


def missing_libraries_message(packages: list[str]) -> str:
    listed = "\n".join(f"  {package}" for package in packages)
    return (
        "NN Studio cannot open a window: Qt's X11 platform needs system libraries "
        f"that are not installed:\n{listed}\n"
        "Install them with:\n"
        f"  sudo apt-get install -y {' '.join(packages)}\n"
        "(To run without a screen, set QT_QPA_PLATFORM=offscreen.)"
    )


def check_display_libraries(
    argv: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    find: Finder | None = None,
) -> str | None:
    """A message naming what to install, or None when the GUI can start."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform_is_xcb(argv, environ, platform):
        return None
    missing = missing_xcb_libraries(find)
    return missing_libraries_message(missing) if missing else None
