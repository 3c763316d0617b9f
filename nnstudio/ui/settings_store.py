"""Where the app keeps its preferences (window layout, recent files).

Tests and portable runs point NNSTUDIO_SETTINGS_DIR at a folder so the user's own settings
are never touched.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "NNStudio"
APPLICATION = "NN Studio"
SETTINGS_DIR_ENV = "NNSTUDIO_SETTINGS_DIR"
MAX_RECENT = 8


def app_settings() -> QSettings:
    folder = os.environ.get(SETTINGS_DIR_ENV)
    if folder:
        path = Path(folder) / "nnstudio.ini"
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def recent_files() -> list[str]:
    """Recently opened or saved projects, newest first, missing files pruned."""
    value = app_settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    files = [str(v) for v in (value or []) if isinstance(v, str) and Path(v).is_file()]
    return files[:MAX_RECENT]


def add_recent_file(path: str) -> list[str]:
    path = str(Path(path).resolve())
    files = [path, *(f for f in recent_files() if f != path)][:MAX_RECENT]
    app_settings().setValue("recent_files", files)
    return files


def clear_recent_files() -> None:
    app_settings().setValue("recent_files", [])
