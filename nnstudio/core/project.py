"""A project: the graph, the dataset it learns from and the training settings, as one unit.

`project_to_dict` / `project_from_dict` are the JSON document at the heart of every project
file. Loading treats the document as untrusted: every failure is a ProjectFileError that says
what is wrong, never a traceback, and nothing is half-applied.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnstudio import __version__
from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.errors import NNStudioError, ProjectFileError
from nnstudio.core.graph import Graph
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.layers import ShapeContext
from nnstudio.core.locks import Locks
from nnstudio.core.migrations import FORMAT_VERSION, migrate
from nnstudio.core.settings import TrainingSettings

MAX_JSON_BYTES = 16 * 1024 * 1024


@dataclass
class Project:
    graph: Graph = field(default_factory=Graph)
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    title: str = ""
    description: str = ""
    locks: Locks | None = None
    """Teacher mode: what students may change (None: everything)."""

    def shape_context(self) -> ShapeContext:
        """What the shape rules need to know about the data, without generating it."""
        from nnstudio.core.datasets.info import dataset_info

        return dataset_info(self.dataset)


def project_to_dict(project: Project) -> dict[str, Any]:
    data = {
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "title": project.title,
        "description": project.description,
        "graph": project.graph.to_dict(),
        "dataset": project.dataset.to_dict(),
        "training": project.training.to_dict(),
    }
    if project.locks is not None:
        data["locks"] = project.locks.to_dict()
    return data


def project_from_dict(data: Any) -> Project:
    """Read a project document of any known version: migrate it forward, then check it all."""
    data = migrate(data)
    for key in ("graph", "dataset", "training"):
        if key not in data:
            raise ProjectFileError(f"The project has no '{key}' section.")
    title, description = data.get("title", ""), data.get("description", "")
    if not isinstance(title, str) or not isinstance(description, str):
        raise ProjectFileError("The project's title and description must be text.")
    try:
        graph = graph_from_dict(data["graph"])
        dataset = DatasetConfig.from_dict(data["dataset"])
        training = TrainingSettings.from_dict(data["training"])
    except NNStudioError as exc:
        raise ProjectFileError(f"The project cannot be read: {exc}") from None
    locks = Locks.from_dict(data["locks"]) if data.get("locks") is not None else None
    return Project(graph, dataset, training, title, description, locks)


def load_project_json(path: str | os.PathLike[str]) -> Project:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise ProjectFileError(f"{path.name} is {size:,} bytes, too large for a project.")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProjectFileError(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise ProjectFileError(f"{path.name} is not a text (JSON) project file.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise ProjectFileError(f"{path.name} is nested too deeply to be a project.") from None
    return project_from_dict(data)


def atomic_write_bytes(path: str | os.PathLike[str], payload: bytes) -> None:
    """Write via a temp file in the same folder, fsync, then rename over the target."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_project_json(project: Project, path: str | os.PathLike[str]) -> None:
    text = json.dumps(project_to_dict(project), indent=2, sort_keys=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
