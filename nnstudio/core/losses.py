"""Loss functions and the tasks they fit, declared once.

The Output node offers only the losses whose `tasks` include its task; the trainer builds
the loss from here, and code export names it from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nnstudio.core.code import Call
from nnstudio.core.params import ParamSet, ParamSpec, params
from nnstudio.core.registry import Registry

if TYPE_CHECKING:
    from torch import nn

Decision = Literal["logit", "classes", "value"]
"""How a network output becomes an answer: one logit thresholded at 0 (with float 0/1
targets), one score per class read by argmax (with integer targets), or the value itself."""

TASKS: tuple[str, ...] = ("binary", "multiclass", "regression")
TASK_LABELS: tuple[str, ...] = ("Binary classification", "Multi-class classification", "Regression")


@dataclass(frozen=True)
class LossSpec:
    name: str
    display_name: str
    tasks: tuple[str, ...]
    help: str
    module: Callable[[dict[str, Any], str], Call]
    """(loss params, reduction) -> the loss module's constructor call; reduction is "mean"
    or "none". Exported training scripts print the same call."""
    decision: Decision
    params: ParamSet = field(default_factory=params)
    per_class: bool = False
    """Wants one output per class (even for a binary task) and integer class targets."""
    wants_before: tuple[str, str] | None = None
    """(layer name, why): the layer this loss expects right before the Output."""
    clashes: tuple[tuple[str, str], ...] = ()
    """(layer name, why) pairs: layers that must not come right before the Output."""

    def build(self, p: dict[str, Any], reduction: str = "mean") -> nn.Module:
        return self.module(p, reduction).build()


LOSSES: Registry[LossSpec] = Registry("loss")


def _reduced(target: str, reduction: str, **kwargs: Any) -> Call:
    """The loss call; the default reduction ("mean") is left out, as a person writes it."""
    if reduction != "mean":
        kwargs["reduction"] = reduction
    return Call.of(target, **kwargs)


def _bce(_p: dict[str, Any], reduction: str = "mean") -> Call:
    return _reduced("nn.BCEWithLogitsLoss", reduction)


def _cross_entropy(p: dict[str, Any], reduction: str = "mean") -> Call:
    # Classes stay on the last axis, so outputs with several answers per sample work too.
    smoothing = float(p.get("label_smoothing", 0.0))
    return _reduced("CrossEntropyClassesLast", reduction, label_smoothing=smoothing)


def _nll(_p: dict[str, Any], reduction: str = "mean") -> Call:
    return _reduced("NLLClassesLast", reduction)


def _mse(_p: dict[str, Any], reduction: str = "mean") -> Call:
    return _reduced("nn.MSELoss", reduction)


def _mae(_p: dict[str, Any], reduction: str = "mean") -> Call:
    return _reduced("nn.L1Loss", reduction)


def _huber(p: dict[str, Any], reduction: str = "mean") -> Call:
    return _reduced("nn.HuberLoss", reduction, delta=float(p["delta"]))


LOSSES.register(
    LossSpec(
        "bce",
        "Binary cross-entropy",
        ("binary",),
        "Scores one yes/no output; the network's raw output is squashed by a sigmoid inside the "
        "loss, so do not add a Sigmoid layer before it.",
        _bce,
        "logit",
        clashes=(
            (
                "sigmoid",
                "applies the sigmoid twice, since the loss has its own: remove the Sigmoid "
                "layer and feed the loss raw scores",
            ),
        ),
    )
)
LOSSES.register(
    LossSpec(
        "cross_entropy",
        "Cross-entropy",
        ("multiclass", "binary"),
        "Scores one output per class; softmax is applied inside the loss, so feed it raw scores.",
        _cross_entropy,
        "classes",
        params(
            ParamSpec(
                "label_smoothing",
                "float",
                0.0,
                "Moves a little of the target away from the true class, so the network is "
                "less sure of itself.",
                minimum=0.0,
                maximum=0.5,
                step=0.05,
            )
        ),
        per_class=True,
        clashes=(
            (
                "softmax",
                "applies the softmax twice, since the loss has its own: remove the Softmax "
                "layer and feed the loss raw scores",
            ),
        ),
    )
)
LOSSES.register(
    LossSpec(
        "nll",
        "Negative log-likelihood (NLL)",
        ("multiclass", "binary"),
        "Scores one log-probability per class: minus the log-probability of the true class. "
        "It does no softmax itself, so put a LogSoftmax right before the Output.",
        _nll,
        "classes",
        per_class=True,
        wants_before=("log_softmax", "expects log-probabilities"),
        clashes=(
            (
                "softmax",
                "gets probabilities, not the log-probabilities it expects: use a LogSoftmax "
                "instead",
            ),
        ),
    )
)
LOSSES.register(
    LossSpec(
        "mse",
        "Mean squared error",
        ("regression",),
        "Average of squared differences; large misses cost a lot.",
        _mse,
        "value",
    )
)
LOSSES.register(
    LossSpec(
        "mae",
        "Mean absolute error",
        ("regression",),
        "Average of absolute differences; less swayed by outliers than squared error.",
        _mae,
        "value",
    )
)
LOSSES.register(
    LossSpec(
        "huber",
        "Huber",
        ("regression",),
        "Squared error for small misses, absolute error for big ones; delta sets the switch.",
        _huber,
        "value",
        params(
            ParamSpec(
                "delta",
                "float",
                1.0,
                "Misses smaller than this are squared, larger ones count linearly.",
                minimum=1e-4,
                maximum=100.0,
            )
        ),
    )
)


def losses_for(task: str) -> list[LossSpec]:
    return [spec for spec in LOSSES if task in spec.tasks]


def loss_input_warning(
    loss: str, before: str | None, display: Callable[[str], str] = str
) -> str | None:
    """Why layer type `before`, right before an Output scored by `loss`, is likely a mistake.

    `display` turns a layer type name into its display name (the catalog knows them).
    """
    if loss not in LOSSES:
        return None
    spec = LOSSES.get(loss)
    for layer, why in spec.clashes:
        if before == layer:
            return f"{spec.display_name} after a {display(layer)} {why}."
    if spec.wants_before is not None:
        layer, why = spec.wants_before
        if before != layer:
            return f"{spec.display_name} {why}: put a {display(layer)} right before the Output."
    return None
