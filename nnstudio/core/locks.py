"""Teacher mode: what a project file lets students change, and why the rest is locked.

A teacher writes a `locks` section into a project or lesson file, e.g. "students may change
only the learning rate". The app shows every locked control with a lock and the reason, and
unlocking is a deliberate, undoable action. Locks guide a class; they are not security: the
file is plain JSON, and anyone may edit it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnstudio.core.errors import ProjectFileError

MAX_REASON = 500


@dataclass(frozen=True)
class Locks:
    editable: frozenset[str] | None = None
    """The training settings students may change; None leaves every setting free."""
    network: bool = False
    """Lock the network: no layers added, removed, rewired or re-set."""
    dataset: bool = False
    """Lock the dataset choice, its settings and the split."""
    reason: str = ""
    """Why, in the teacher's words; shown beside every lock."""

    def setting_locked(self, name: str) -> bool:
        return self.editable is not None and name not in self.editable

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"network": self.network, "dataset": self.dataset}
        if self.editable is not None:
            data["editable"] = sorted(self.editable)
        if self.reason:
            data["reason"] = self.reason
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Locks:
        """Read the section; anything malformed is a ProjectFileError that says what."""
        if not isinstance(data, dict):
            raise ProjectFileError("The project's locks section must be a mapping.")
        unknown = set(data) - {"editable", "network", "dataset", "reason"}
        if unknown:
            raise ProjectFileError(
                f"The locks section has unknown keys: {', '.join(sorted(unknown))}."
            )
        editable = data.get("editable")
        if editable is not None:
            if not isinstance(editable, list) or not all(isinstance(e, str) for e in editable):
                raise ProjectFileError("locks.editable must be a list of setting names.")
            editable = frozenset(editable)
        flags = {k: data.get(k, False) for k in ("network", "dataset")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ProjectFileError("locks.network and locks.dataset must be true or false.")
        reason = data.get("reason", "")
        if not isinstance(reason, str) or len(reason) > MAX_REASON:
            raise ProjectFileError(f"locks.reason must be text of at most {MAX_REASON} characters.")
        return cls(editable, flags["network"], flags["dataset"], reason)

    def describe(self, label: Callable[[str], str] = str) -> str:
        """One line for a banner: what is locked (`label` names a setting for people)."""
        parts = []
        if self.editable is not None:
            names = ", ".join(sorted(label(n) for n in self.editable)) or "nothing"
            parts.append(f"settings other than {names}")
        if self.network:
            parts.append("the network")
        if self.dataset:
            parts.append("the dataset")
        return "Locked: " + ("; ".join(parts) if parts else "nothing") + "."
