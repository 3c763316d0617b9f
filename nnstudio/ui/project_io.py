"""Reading and writing project files for the window, in one place.

`.nnstudio` archives (nnstudio.core.project_files) are the format; plain JSON projects are
read as an import. Everything that can fail raises ProjectFileError with a message to show.
"""

from __future__ import annotations

from pathlib import Path

from nnstudio.core.project import Project
from nnstudio.core.project_files import (
    PROJECT_SUFFIX,
    LoadedProject,
    load_project,
    nnstudio_path_for,
    save_project,
)
from nnstudio.core.run import RunBook

OPEN_FILTER = "NN Studio projects (*.nnstudio *.json);;All files (*)"
SAVE_FILTER = "NN Studio project (*.nnstudio)"


def read_project(path: str | Path) -> LoadedProject:
    """The project in `path` with its weights and history, if it carries them."""
    return load_project(path)


def write_project(
    path: str | Path, project: Project, runs: RunBook | None = None, replace_read_only: bool = False
) -> Path:
    """Save atomically (keeping a .bak), with the project's runs; a read-only file raises
    ReadOnlyFileError unless `replace_read_only` (the user said yes)."""
    return save_project(nnstudio_path_for(path), project, runs, replace_read_only)


def is_native(path: str | Path | None) -> bool:
    """Whether Save can write straight to `path` (JSON imports go through Save As)."""
    return path is not None and Path(path).suffix.lower() == PROJECT_SUFFIX


__all__ = [
    "OPEN_FILTER",
    "SAVE_FILTER",
    "is_native",
    "nnstudio_path_for",
    "read_project",
    "write_project",
]
