"""Which file or folder a dataset choice reads, so a project whose data moved can be fixed.

The Problems panel offers Locate… when the data's file or folder is not where the project
says; this says which setting holds it, whether it is a file or a folder, and whether it is
missing now. Qt-free so tests and the CLI can ask too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from nnstudio.core.datasets.spec import DatasetConfig
from nnstudio.core.safe_read import exists

LOCATIONS: dict[str, tuple[str, str]] = {
    "csv": ("path", "file"),
    "mnist": ("folder", "folder"),
    "fashion_mnist": ("folder", "folder"),
}
"""Dataset name -> (setting that holds the location, "file" or "folder")."""


@dataclass(frozen=True)
class DataLocation:
    setting: str
    kind: str
    """"file" or "folder"."""
    current: str


def data_location(config: DatasetConfig) -> DataLocation | None:
    """Where `config` reads its data from, or None for built-in and generated data."""
    entry = LOCATIONS.get(config.name)
    if entry is None:
        return None
    setting, kind = entry
    value = config.params.get(setting, "")
    return DataLocation(setting, kind, value if isinstance(value, str) else "")


def missing_location(config: DatasetConfig) -> DataLocation | None:
    """The data's file or folder when it is set but not there (moved or deleted), else None."""
    location = data_location(config)
    if location is None or not location.current.strip():
        return None
    try:
        path = Path(location.current).expanduser()
    except (RuntimeError, ValueError):
        return location
    return None if exists(path) else location


def relocated(config: DatasetConfig, new_path: str) -> DatasetConfig:
    """A copy of `config` that reads from `new_path`; every other choice is kept."""
    location = data_location(config)
    if location is None:
        raise ValueError(f"dataset {config.name!r} reads no file")
    result = copy.deepcopy(config)
    result.params = {**result.params, location.setting: new_path}
    return result
