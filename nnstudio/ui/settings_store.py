"""Where the app keeps its preferences (window layout, recent files).

Tests and portable runs point NNSTUDIO_SETTINGS_DIR at a folder so the user's own settings
are never touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings

from nnstudio.core.safe_read import UnsafeFileError, exists, is_regular_file, regular_stat

ORGANIZATION = "NNStudio"
APPLICATION = "NN Studio"
SETTINGS_DIR_ENV = "NNSTUDIO_SETTINGS_DIR"
MAX_RECENT = 8
MAX_SETTINGS_BYTES = 1024**2
_fallback: Path | None = None


def app_settings() -> QSettings:
    """The preferences; a settings file that is not a plain file of sane size (a FIFO would
    block, a device never ends) is replaced by a throwaway one for this session."""
    folder = os.environ.get(SETTINGS_DIR_ENV)
    path = Path(folder) / "nnstudio.ini" if folder else None
    # Checked before QSettings exists: its constructor already opens and reads the files.
    if any(settings_file_problem(str(p)) for p in ([path] if path else _native_files())):
        return QSettings(str(_fallback_file()), QSettings.Format.IniFormat)
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def _native_files() -> list[Path]:
    """The files Qt's native settings read on Linux and other Unix (user and system, this
    app's and the organization's); elsewhere the registry or CFPreferences, not files."""
    if os.name != "posix" or sys.platform == "darwin":
        return []
    user = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    system = [Path(p) for p in (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if p]
    files = []
    for base in [user, *system]:
        files += [base / ORGANIZATION / f"{APPLICATION}.conf", base / f"{ORGANIZATION}.conf"]
    return files


def settings_file_problem(path: str) -> str | None:
    """Why the settings file must not be read, or None (also when it does not exist yet)."""
    if not path or not exists(path):
        return None
    try:
        info = regular_stat(path)
    except UnsafeFileError as exc:
        return str(exc)
    if info.st_size > MAX_SETTINGS_BYTES:
        return f"{path} is {info.st_size:,} bytes, too large for a settings file."
    return None


def _fallback_file() -> Path:
    global _fallback
    if _fallback is None:
        _fallback = Path(tempfile.mkdtemp(prefix="nnstudio-settings-")) / "nnstudio.ini"
    return _fallback


def recent_files() -> list[str]:
    """Recently opened or saved projects, newest first, missing files pruned."""
    value = app_settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    # is_regular_file never raises: a name too long for the OS must not break the menu,
    # nor (worse) every later open that adds to this list.
    files = [v for v in value[: 4 * MAX_RECENT] if isinstance(v, str) and is_regular_file(v)]
    return files[:MAX_RECENT]


def add_recent_file(path: str) -> list[str]:
    try:
        path = str(Path(path).resolve())
    except (OSError, RuntimeError, ValueError):
        path = str(path)
    files = [path, *(f for f in recent_files() if f != path)][:MAX_RECENT]
    app_settings().setValue("recent_files", files)
    return files


def clear_recent_files() -> None:
    app_settings().setValue("recent_files", [])
