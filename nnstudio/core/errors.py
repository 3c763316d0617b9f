"""Exception types of the core.

Every message is meant to be shown to a person as it is, so each one says what went wrong
and what to do about it.
"""

from __future__ import annotations


class NNStudioError(Exception):
    """Base of every error the core raises on purpose."""


class ParamError(NNStudioError, ValueError):
    """A parameter value is of the wrong type or outside its declared range."""


class GraphError(NNStudioError):
    """An edit would make the network graph invalid (a cycle, a taken input, ...)."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


class ShapeError(NNStudioError):
    """A layer cannot accept the shape that reaches it.

    `path` says where inside a block the cause lies: the ids of the blocks to open, then the
    node itself (empty when the cause is the layer that raised it)."""

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = tuple(path)


class DatasetError(NNStudioError):
    """A dataset cannot be generated or read."""


class DeviceError(NNStudioError):
    """The compute device asked for is not available."""


class ProjectFileError(NNStudioError):
    """A project file cannot be read; the message says why."""


class ExportError(NNStudioError):
    """A project cannot be exported; `problems` lists every cause, each naming its layer or
    setting, and nothing was written."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])

    def __str__(self) -> str:
        head = super().__str__()
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class InputError(NNStudioError):
    """Something a person gave a trained network to answer (a row, an image, a sequence)
    cannot be used as its input; the message says what to fix."""
