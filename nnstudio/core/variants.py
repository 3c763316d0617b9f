"""Variants: one project trained several ways, and what differs between two projects.

A variant axis is a setting and the values to try: any training setting, a setting of the
chosen optimizer, or `activation`, which swaps every activation node for another type.
Several axes are crossed. Values are checked against the setting's declaration, so an
out-of-range value is refused with the allowed range before anything trains.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from nnstudio.core.errors import ParamError
from nnstudio.core.graph import Graph
from nnstudio.core.graph_io import graph_from_dict
from nnstudio.core.layers import LAYERS
from nnstudio.core.optimizers import OPTIMIZERS
from nnstudio.core.params import ParamSpec
from nnstudio.core.project import Project
from nnstudio.core.settings import TRAINING_PARAMS

ACTIVATION = "activation"
"""The axis that swaps every activation node's type."""
ACTIVATION_CATEGORY = "Activations"
MAX_VARIANTS = 64
"""More variants than this at once is refused: each one trains and draws."""
FRESH_WEIGHT_SETTINGS = ("initializer", "init_scale", "seed")


@dataclass(frozen=True)
class Axis:
    setting: str
    values: tuple[Any, ...]


@dataclass
class Variant:
    project: Project
    changes: dict[str, str]
    """Setting label -> value text: what this variant sets."""


NOT_SWAPPED = ("softmax", "log_softmax")
"""Activations over the whole output vector; an activation swap leaves them alone."""


def activation_types() -> list[str]:
    """The unit-wise activations an activation swap may use and replace."""
    return [
        spec.name
        for spec in LAYERS
        if spec.category == ACTIVATION_CATEGORY and spec.name not in NOT_SWAPPED
    ]


def setting_spec(project: Project, name: str) -> ParamSpec:
    """The declaration of a setting a variant axis may change, or ParamError naming the options."""
    spec = TRAINING_PARAMS.get(name)
    if spec is not None and name != "device":
        return spec
    optimizer = OPTIMIZERS.get(project.training["optimizer"])
    spec = optimizer.params.get(name)
    if spec is not None:
        return spec
    known = [s.name for s in TRAINING_PARAMS if s.name != "device"]
    known += [*optimizer.params.names(), ACTIVATION]
    raise ParamError(f"There is no setting {name!r} to vary; choose one of: {', '.join(known)}.")


def label_of(project: Project, name: str) -> str:
    return "Activation" if name == ACTIVATION else setting_spec(project, name).label


def display(project: Project, name: str, value: Any) -> str:
    if name == ACTIVATION:
        return LAYERS.get(value).display_name
    spec = setting_spec(project, name)
    if spec.kind == "choice":
        return spec.display_choice(value)
    if spec.kind == "float":
        return f"{value:g}"
    return str(value)


def parse_value(project: Project, name: str, text: str) -> Any:
    """One typed value from text, checked against the setting's declaration."""
    text = text.strip()
    if name == ACTIVATION:
        kinds = activation_types()
        if text not in kinds:
            raise ParamError(f"Activation must be one of {', '.join(kinds)}; {text!r} is not.")
        return text
    spec = setting_spec(project, name)
    value: Any = text
    if spec.kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise ParamError(f"{spec.label} must be true or false, not {text!r}.")
        value = lowered in ("true", "1", "yes", "on")
    elif spec.kind in ("int", "float"):
        try:
            value = float(text)
        except ValueError:
            raise ParamError(f"{spec.label} must be a number, not {text!r}.") from None
        if spec.kind == "int" and value.is_integer():
            value = int(value)  # coerce says "whole number" for anything else
    return spec.coerce(value)


def parse_axis(project: Project, text: str) -> Axis:
    """`setting=v1,v2,...` as typed on the command line or in the dialog."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise ParamError(f"Write a variant as setting=value1,value2 (not {text!r}).")
    parsed = [parse_value(project, name, v) for v in values.split(",") if v.strip()]
    if len(set(map(repr, parsed))) != len(parsed):
        raise ParamError(f"{label_of(project, name)} lists a value twice.")
    return Axis(name, tuple(parsed))


def _apply(project: Project, name: str, value: Any) -> Project:
    if name == ACTIVATION:
        data = project.graph.to_dict()
        kinds = set(activation_types())
        for node in data["nodes"]:
            if node["type"] in kinds and node["type"] != value:
                node["type"] = value
                node["params"] = {}
        graph = graph_from_dict(data)
        return Project(graph, project.dataset, project.training, project.title, project.description)
    training = project.training
    if TRAINING_PARAMS.get(name) is not None:
        training = training.replace(**{name: value})
    else:
        optimizer = training["optimizer"]
        values = {**training.optimizer_values(), name: value}
        training = type(training)(
            dict(training.values), {**training.optimizer_params, optimizer: values}
        )
    return Project(project.graph, project.dataset, training, project.title, project.description)


def expand(project: Project, axes: list[Axis]) -> list[Variant]:
    """Every combination of the axes' values (crossed), each as its own project."""
    if not axes:
        raise ParamError("Give at least one setting to vary.")
    names = [axis.setting for axis in axes]
    if len(set(names)) != len(names):
        raise ParamError("Each setting may be varied once.")
    count = 1
    for axis in axes:
        count *= len(axis.values)
    if count > MAX_VARIANTS:
        raise ParamError(
            f"That makes {count} variants; at most {MAX_VARIANTS} train at once. Try fewer values."
        )
    if count < 2:
        raise ParamError("Give at least two values to compare.")
    out = []
    for combo in itertools.product(*(axis.values for axis in axes)):
        variant = project
        changes = {}
        for axis, value in zip(axes, combo, strict=True):
            variant = _apply(variant, axis.setting, value)
            changes[label_of(project, axis.setting)] = display(project, axis.setting, value)
        out.append(Variant(variant, changes))
    return out


# -- what differs --------------------------------------------------------------------------
def network_dict(graph: Graph) -> dict[str, Any]:
    """The graph as data, without node positions: what decides the network's behaviour."""
    data = graph.to_dict()
    for node in data["nodes"]:
        node.pop("pos", None)
    return data


def describe_changes(old: Project, new: Project) -> dict[str, str]:
    """Setting label -> new value, for every setting that differs from `old` to `new`."""
    out: dict[str, str] = {}
    for spec in TRAINING_PARAMS:
        if spec.name == "device":
            continue
        a, b = old.training[spec.name], new.training[spec.name]
        if a != b:
            out[spec.label] = display(new, spec.name, b)
    if old.training["optimizer"] == new.training["optimizer"]:
        opt = OPTIMIZERS.get(new.training["optimizer"])
        a_vals, b_vals = old.training.optimizer_values(), new.training.optimizer_values()
        for spec in opt.params:
            if a_vals[spec.name] != b_vals[spec.name]:
                out[spec.label] = display(new, spec.name, b_vals[spec.name])
    if old.dataset.to_dict() != new.dataset.to_dict():
        out["Dataset"] = new.dataset.name
    a_net, b_net = network_dict(old.graph), network_dict(new.graph)
    if a_net != b_net:
        out["Network"] = _network_change(a_net, b_net)
    return out


def _network_change(a: dict[str, Any], b: dict[str, Any]) -> str:
    a_types = {n["id"]: n["type"] for n in a["nodes"]}
    b_types = {n["id"]: n["type"] for n in b["nodes"]}
    if a["edges"] == b["edges"] and set(a_types) == set(b_types):
        swapped = {b_types[i] for i in b_types if a_types[i] != b_types[i]}
        kinds = set(activation_types())
        if swapped and swapped <= kinds and len(swapped) == 1:
            return f"activations → {LAYERS.get(swapped.pop()).display_name}"
    return "edited"


def needs_fresh_weights(old: Project, new: Project) -> list[str]:
    """What changed that only fresh weights can show: continuing the old weights would hide
    an initializer, init scale or seed change, and a new network or dataset needs new ones."""
    changed = [
        TRAINING_PARAMS.get(name).label
        for name in FRESH_WEIGHT_SETTINGS
        if old.training[name] != new.training[name]
    ]
    if network_dict(old.graph) != network_dict(new.graph):
        changed.append("network")
    if old.dataset.to_dict() != new.dataset.to_dict():
        changed.append("dataset")
    return changed


def variant_from(project: Project, settings: dict[str, str]) -> Variant:
    """One variant that sets each named setting (value as text, checked like an axis's)."""
    variant = project
    changes = {}
    for name, text in settings.items():
        value = parse_value(variant, name, text)
        variant = _apply(variant, name, value)
        changes[label_of(variant, name)] = display(variant, name, value)
    return Variant(variant, changes)
