"""Constructor calls as data: what the app runs and what exported code writes.

A layer or loss declared as a `Call` is built by the app from the very arguments that the
exporter prints, so the two cannot drift apart. Nothing here imports torch until a call is
built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def literal(value: Any) -> str:
    """Python source for a plain value, with the double quotes code formatters prefer."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


OWN_CLASSES = "nnstudio.core.modules"
"""Where a bare class name in a call lives; other homes are written `package.module:Name`."""


@dataclass(frozen=True)
class Call:
    """A constructor call with literal arguments: what the app runs and what exported code
    writes, so the two cannot drift apart.

    `target` is a torch name (`nn.Linear`, `torch.optim.Adam`), the name of a class in
    `nnstudio.core.modules`, or `package.module:Name` for another class of ours. Our own
    classes travel in exported code as a copy of their source.
    """

    target: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    @staticmethod
    def of(target: str, *args: Any, **kwargs: Any) -> Call:
        return Call(target, args, tuple(kwargs.items()))

    @property
    def own(self) -> tuple[str, str] | None:
        """(module, class name) of our own class this call needs, None for a torch class."""
        if self.target.startswith(("nn.", "torch.")):
            return None
        home, _, name = self.target.rpartition(":")
        return (home or OWN_CLASSES, name)

    @property
    def name(self) -> str:
        """The callable as exported code spells it."""
        return self.target.rpartition(":")[2]

    def arguments(self) -> list[str]:
        return [literal(a) for a in self.args] + [f"{k}={literal(v)}" for k, v in self.kwargs]

    def code(self, *leading: str) -> str:
        """The call as source; `leading` are source expressions passed first."""
        return f"{self.name}({', '.join([*leading, *self.arguments()])})"

    def resolve(self) -> Any:
        import importlib

        own = self.own
        if own is not None:
            return getattr(importlib.import_module(own[0]), own[1])
        module, _, name = self.target.rpartition(".")
        return getattr(importlib.import_module("torch.nn" if module == "nn" else module), name)

    def build(self, *leading: Any) -> Any:
        """Construct the object; `leading` are passed before the declared arguments."""
        return self.resolve()(*leading, *self.args, **dict(self.kwargs))
