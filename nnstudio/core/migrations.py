"""Bringing project documents from older format versions up to the current one.

Each step turns a version-N document into a version-N+1 document and knows nothing else, so
an old file walks the whole chain one step at a time. Every step has its own test. A file
from a newer NN Studio is refused before anything else is read, naming both versions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnstudio.core.errors import ProjectFileError

FORMAT_VERSION = 3
"""Version 1: a bare JSON file. Version 2: a `.nnstudio` zip. Version 3: the zip keeps every
run (runs.json, runs.safetensors; see docs/file-format.md)."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 moved the project into a zip; the document gains always-present text fields.

    Version 1 was a bare JSON file whose title, description and app version were optional.
    """
    out = dict(doc)
    out.setdefault("title", "")
    out.setdefault("description", "")
    out.setdefault("app_version", "")
    out["format_version"] = 2
    return out


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 3 keeps every run beside the project (runs.json); the document itself is
    unchanged, and a version-2 file's one training becomes its first run when it is opened."""
    out = dict(doc)
    out["format_version"] = 3
    return out


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3}
"""Version N -> the function that turns a version-N document into version N+1."""


def document_version(doc: Any) -> int:
    """The document's format version, or ProjectFileError if it has none we can read."""
    if not isinstance(doc, dict):
        raise ProjectFileError("The project is not a JSON object.")
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectFileError("The project has no whole-number 'format_version'.")
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            f"This project was saved in format version {version} by a newer NN Studio; "
            f"this one reads up to version {FORMAT_VERSION}. Update NN Studio to open it."
        )
    if version < 1:
        raise ProjectFileError(f"Format version {version} does not exist; the file is damaged.")
    return version


def migrate(doc: Any, target: int = FORMAT_VERSION) -> dict[str, Any]:
    """Walk `doc` up the chain from its own version to `target`; the input is not changed."""
    version = document_version(doc)
    while version < target:
        step = MIGRATIONS.get(version)
        if step is None:  # a gap in the chain is a bug, not a bad file
            raise RuntimeError(f"no migration from format version {version}")
        doc = step(doc)
        if doc.get("format_version") != version + 1:
            raise RuntimeError(f"migration from version {version} did not bump the version")
        version += 1
    return doc
