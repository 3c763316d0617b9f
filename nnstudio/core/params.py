"""Declared parameters: the single description of a setting that every view reads.

A layer, an optimizer, a dataset and the training settings all describe their knobs with
`ParamSpec`. The inspector builds its widgets from them, validation checks values against
them, the file loader coerces with them, and code export reads their names.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from nnstudio.core.errors import ParamError

ParamKind = Literal["int", "float", "bool", "choice", "str"]


@dataclass(frozen=True)
class ParamSpec:
    """One setting: its type, default, allowed values and a plain-language help line."""

    name: str
    kind: ParamKind
    default: Any
    help: str
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    step: float | None = None
    log_scale: bool = False
    decimals: int = 4
    special_value_text: str = ""
    """Shown instead of the minimum value in a spin box (for example "Full batch" for 0)."""
    summary: bool = False
    """Whether the value belongs in the one-line summary drawn on a canvas node."""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " ").capitalize())
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"choice parameter {self.name!r} declares no choices")
        # The default must satisfy the declaration itself, so a bad declaration fails at import.
        self.coerce(self.default)

    def display_choice(self, value: str) -> str:
        """The label shown for a choice value."""
        if self.choice_labels and value in self.choices:
            return self.choice_labels[self.choices.index(value)]
        return value

    def coerce(self, value: Any) -> Any:
        """Return `value` as this parameter's type, or raise ParamError saying what is allowed."""
        label = self.label
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParamError(f"{label} must be true or false, not {value!r}.")
        if self.kind == "str":
            if isinstance(value, str):
                return value
            raise ParamError(f"{label} must be text, not {value!r}.")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            allowed = ", ".join(self.choices)
            raise ParamError(f"{label} must be one of {allowed}; {value!r} is not.")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamError(f"{label} must be a number, not {value!r}.")
        if self.kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    raise ParamError(f"{label} must be a whole number, not {value}.")
                value = int(value)
        else:
            # float() of a huge integer overflows; treat it as the infinity it amounts to.
            value = float(value) if abs(value) <= 1e308 else (math.inf if value > 0 else -math.inf)
            if not math.isfinite(value):
                raise ParamError(f"{label} must be a finite number, not {value}.")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(
                f"{label} must be at least {_fmt(self.minimum)}; {value} is too small."
            )
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{label} must be at most {_fmt(self.maximum)}; {value} is too large.")
        return value


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def range_text(spec: ParamSpec) -> str:
    """The declared range in words ("1e-06 to 100", "at least 1"), for fields and messages."""
    low, high = spec.minimum, spec.maximum
    if low is not None and high is not None:
        return f"{_fmt(low)} to {_fmt(high)}"
    if low is not None:
        return f"at least {_fmt(low)}"
    if high is not None:
        return f"at most {_fmt(high)}"
    return "any number"


@dataclass(frozen=True)
class ParamSet:
    """An ordered group of ParamSpecs with lookups and whole-dict validation."""

    specs: tuple[ParamSpec, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.specs)

    def __len__(self) -> int:
        return len(self.specs)

    def get(self, name: str) -> ParamSpec | None:
        for spec in self.specs:
            if spec.name == name:
                return spec
        return None

    def names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def defaults(self) -> dict[str, Any]:
        return {spec.name: spec.default for spec in self.specs}

    def resolve(self, values: Mapping[str, Any] | None, owner: str) -> dict[str, Any]:
        """Defaults overlaid with `values`, each coerced; unknown names are refused."""
        result = self.defaults()
        for name, value in (values or {}).items():
            spec = self.get(name)
            if spec is None:
                known = ", ".join(self.names()) or "none"
                raise ParamError(f"{owner} has no setting {name!r} (it has: {known}).")
            try:
                result[name] = spec.coerce(value)
            except ParamError as exc:
                raise ParamError(f"{owner}: {exc}") from None
        return result


@dataclass(frozen=True)
class Relevance:
    """Which settings matter given the current values, so forms show only those.

    `shown` is None when every setting matters; `choices` narrows a choice setting to the
    values that fit the others (the Output's losses for its task, say).
    """

    shown: frozenset[str] | None = None
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def params(*specs: ParamSpec) -> ParamSet:
    """Build a ParamSet; a helper so declarations read as one expression."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate parameter names in {names}")
    return ParamSet(tuple(specs))


def merge(*sets: Iterable[ParamSpec] | Sequence[ParamSpec]) -> ParamSet:
    """One ParamSet from several, in order."""
    return params(*(spec for group in sets for spec in group))
