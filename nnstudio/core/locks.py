"""Teacher mode: what a project file lets students change or see, and why.

A teacher writes a `locks` section into a project or lesson file, e.g. "students may change
only the learning rate". The app shows every locked control with a lock and the reason, lists
what the teacher hid, and unlocking (one deliberate, undoable action) lifts both. Locks guide
a class; they are not security: the file is plain JSON, and anyone may edit it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnstudio.core.errors import ProjectFileError

MAX_REASON = 500
MAX_NAMES = 200
"""At most this many names in one list: a file is untrusted, and no form has more controls."""
MAX_NAME = 64
KEYS = ("editable", "visible", "hidden_layers", "network", "dataset", "reason")
DATA_GROUP = "dataset"
"""In `visible`, stands for the whole Data group (dataset, its settings and the split)."""


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
    visible: frozenset[str] | None = None
    """The settings students see (training and optimizer settings by name, `dataset` for the
    Data group); None shows them all. A hidden setting is locked as well."""
    hidden_layers: frozenset[str] = frozenset()
    """Layer types left out of the palette."""

    def setting_locked(self, name: str) -> bool:
        return self.setting_hidden(name) or (
            self.editable is not None and name not in self.editable
        )

    def setting_hidden(self, name: str) -> bool:
        return self.visible is not None and name not in self.visible

    @property
    def hides(self) -> bool:
        return self.visible is not None or bool(self.hidden_layers)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"network": self.network, "dataset": self.dataset}
        if self.editable is not None:
            data["editable"] = sorted(self.editable)
        if self.visible is not None:
            data["visible"] = sorted(self.visible)
        if self.hidden_layers:
            data["hidden_layers"] = sorted(self.hidden_layers)
        if self.reason:
            data["reason"] = self.reason
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Locks:
        """Read the section; anything malformed is a ProjectFileError that says what."""
        if not isinstance(data, dict):
            raise ProjectFileError("The project's locks section must be a mapping.")
        unknown = set(data) - set(KEYS)
        if unknown:
            raise ProjectFileError(
                f"The locks section has unknown keys: {', '.join(sorted(unknown))}."
            )
        editable = _names(data, "editable", "setting names")
        visible = _names(data, "visible", "setting names")
        hidden_layers = _names(data, "hidden_layers", "layer types") or frozenset()
        flags = {k: data.get(k, False) for k in ("network", "dataset")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ProjectFileError("locks.network and locks.dataset must be true or false.")
        reason = data.get("reason", "")
        if not isinstance(reason, str) or len(reason) > MAX_REASON:
            raise ProjectFileError(f"locks.reason must be text of at most {MAX_REASON} characters.")
        return cls(editable, flags["network"], flags["dataset"], reason, visible, hidden_layers)

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


def _names(data: dict[str, Any], key: str, what: str) -> frozenset[str] | None:
    """A list of short names from the section, or None when the key is absent."""
    value = data.get(key)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) > MAX_NAMES
        or not all(isinstance(v, str) and 0 < len(v) <= MAX_NAME for v in value)
    ):
        raise ProjectFileError(
            f"locks.{key} must be a list of at most {MAX_NAMES} {what}, each at most "
            f"{MAX_NAME} characters."
        )
    return frozenset(value)
