"""The user's block library: blocks saved from any project, kept in the platform's data
folder, offered in the palette of every project.

Each block is one small JSON file (`<name>.nnblock.json`) holding the block's settings and
its graph, read with the same checks as a project file, so a broken or hostile file in the
folder is skipped with a reason and never stops the palette from filling.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnstudio.core.blocks import Block
from nnstudio.core.errors import GraphError, NNStudioError, ProjectFileError
from nnstudio.core.graph import Node
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.layers.blocks import BLOCK_PARAMS
from nnstudio.core.safe_write import atomic_write, clean_stale_temps

ENV_VAR = "NNSTUDIO_BLOCKS_DIR"
APP_NAME = "NN Studio"
SUFFIX = ".nnblock.json"
FORMAT = "nnstudio-block"
VERSION = 1
MAX_BYTES = 4 * 1024 * 1024
MAX_FILES = 500


@dataclass(frozen=True)
class LibraryBlock:
    """One saved block: what the palette lists and what it adds to a graph."""

    name: str
    path: Path
    params: dict[str, Any]
    graph_data: dict[str, Any]

    def make(self) -> Block:
        """A fresh copy of the block's content, ready for `graph.add_node("block", ...)`."""
        return Block(graph_from_dict(self.graph_data))


def library_dir() -> Path:
    """$NNSTUDIO_BLOCKS_DIR, else `blocks` in the user data folder; created when missing."""
    override = os.environ.get(ENV_VAR)
    if override:
        folder = Path(override)
    else:
        from platformdirs import user_data_dir

        folder = Path(user_data_dir(APP_NAME, appauthor=False)) / "blocks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectFileError(
            f"The block library folder {folder} cannot be created: {exc.strerror or exc}. "
            f"Set {ENV_VAR} to a folder you can write to."
        ) from None
    return folder


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower()
    return slug[:60] or "block"


class BlockExistsError(ProjectFileError):
    """The library already holds a block of that name: the caller asks the user, then saves
    again with `replace=True` or under `free_name(...)`."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(f"A block named {name!r} is already in your library.")
        self.name = name
        self.path = path


def block_path(name: str, folder: Path | None = None) -> Path:
    """The file a block called `name` is kept in (names that differ only in case or
    punctuation share one)."""
    return (folder or library_dir()) / f"{_slug(name)}{SUFFIX}"


def free_name(name: str, folder: Path | None = None) -> str:
    """`name` itself when no saved block uses its file, else "name 2", "name 3", ..."""
    folder = folder or library_dir()
    base = re.sub(r" \d+$", "", name.strip()) or name
    if not block_path(name, folder).exists():
        return name
    for n in range(2, MAX_FILES + 2):
        candidate = f"{base} {n}"
        if not block_path(candidate, folder).exists():
            return candidate
    raise ProjectFileError(f"Your block library holds too many blocks named {base!r}.")


def save_block(
    node: Node, folder: Path | None = None, *, replace: bool = False, name: str | None = None
) -> Path:
    """Write a block node to the library, as `name` (default: the block's own name).

    A saved block of the same name is never replaced silently: BlockExistsError, unless
    `replace` says the user chose to. The file is written whole or not at all."""
    if node.block is None:
        raise GraphError(f"{node.label} is not a block, so it cannot go in the library.")
    folder = folder or library_dir()
    params = dict(node.params)
    if name is not None:
        params["name"] = name
    target = block_path(params["name"], folder)
    if not replace and (target.exists() or target.is_symlink()):
        try:
            existing = read_block(target).name
        except ProjectFileError:
            existing = params["name"]
        raise BlockExistsError(existing, target)
    data = {
        "format": FORMAT,
        "version": VERSION,
        "params": params,
        "graph": node.block.graph.to_dict(),
    }
    try:
        clean_stale_temps(folder)
        atomic_write(target, json.dumps(data, indent=1).encode("utf-8"))
    except OSError as exc:
        raise ProjectFileError(
            f"The block could not be saved to {folder}: {exc.strerror or exc}."
        ) from None
    return target


def read_block(path: Path) -> LibraryBlock:
    """One library file, checked like a project; ProjectFileError says what is wrong."""
    name = path.name
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ProjectFileError(f"{name} is not a regular file.")
        if info.st_size > MAX_BYTES:
            raise ProjectFileError(f"{name} is {info.st_size:,} bytes, too large for a block.")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ProjectFileError(f"{name} cannot be read: {exc.strerror or exc}.") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProjectFileError(f"{name} is not a block file (not valid JSON).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectFileError(f"{name} is not an NN Studio block file.")
    if data.get("version") != VERSION:
        raise ProjectFileError(f"{name} is a block file of an unknown version.")
    try:
        params = BLOCK_PARAMS.resolve(data.get("params"), "The block")
        graph = graph_from_dict(data.get("graph"))
    except (NNStudioError, AttributeError, TypeError) as exc:
        raise ProjectFileError(f"{name}: {exc}") from None
    return LibraryBlock(params["name"], path, params, graph.to_dict())


def list_blocks(folder: Path | None = None) -> tuple[list[LibraryBlock], list[str]]:
    """The saved blocks by name, and a reason for each file that was skipped."""
    folder = folder or library_dir()
    found, skipped = [], []
    try:
        paths = sorted(p for p in folder.iterdir() if p.name.endswith(SUFFIX))[:MAX_FILES]
    except OSError as exc:
        return [], [f"The block library {folder} cannot be listed: {exc.strerror or exc}."]
    for path in paths:
        try:
            found.append(read_block(path))
        except ProjectFileError as exc:
            skipped.append(str(exc))
    found.sort(key=lambda b: b.name.lower())
    return found, skipped
