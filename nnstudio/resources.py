"""Where the shipped files (example projects, icons) live: in the bundle when frozen, else the repo.

Every lookup goes through here, so the frozen app and a source checkout find the same files by
the same relative names.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nnstudio.core.errors import NNStudioError

RESOURCES_ENV = "NNSTUDIO_RESOURCES_DIR"
"""Names another resources folder (a portable install, or a test of a missing file)."""
APP_ICON = "icons/nnstudio.png"
"""The app icon as one 256-pixel PNG, for window icons."""


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resources_root() -> Path:
    """The `resources` folder: beside the bundled code when frozen, at the repo root otherwise."""
    if os.environ.get(RESOURCES_ENV):
        return Path(os.environ[RESOURCES_ENV])
    if is_frozen():
        return Path(sys._MEIPASS) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(relative: str) -> Path:
    """The path of a shipped file, e.g. `examples/spiral.json`; raises if it is missing."""
    path = resources_root() / relative
    if not path.exists():
        where = "in this bundle" if is_frozen() else "next to the nnstudio package"
        raise NNStudioError(
            f"The file resources/{relative} is missing {where} ({path}). "
            "Reinstall NN Studio, or run it from a full source checkout."
        )
    return path


def example_projects() -> list[Path]:
    """The bundled example projects, sorted by name (empty if the folder is missing)."""
    folder = resources_root() / "examples"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []
