"""Optimizers and their hyperparameters, declared once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnstudio.core.code import Call
from nnstudio.core.errors import ParamError
from nnstudio.core.params import ParamSet, ParamSpec, params
from nnstudio.core.registry import Registry

if TYPE_CHECKING:
    import torch

CallRule = Callable[[float, dict[str, Any]], Call]
"""(learning rate, the optimizer's params) -> its constructor call, minus the parameters."""


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    display_name: str
    help: str
    params: ParamSet
    call: CallRule
    """The constructor call that the app runs and exported scripts write."""

    def build(
        self, ps: Iterable[torch.nn.Parameter], lr: float, p: dict[str, Any]
    ) -> torch.optim.Optimizer:
        return self.call(lr, p).build(ps)


def _beta(name: str, default: float, help_text: str) -> ParamSpec:
    return ParamSpec(name, "float", default, help_text, minimum=0.0, maximum=0.9999, step=0.01)


BETA1 = _beta("beta1", 0.9, "How much of the past gradient direction is kept (momentum).")
BETA2 = _beta("beta2", 0.999, "How long the memory of squared gradients is (per-weight step size).")
EPS = ParamSpec(
    "eps",
    "float",
    1e-8,
    "A tiny number that keeps the division safe.",
    minimum=1e-12,
    maximum=1e-2,
    log_scale=True,
    decimals=10,
)
MOMENTUM = ParamSpec(
    "momentum",
    "float",
    0.0,
    "Share of the previous step carried into the next one.",
    minimum=0.0,
    maximum=0.999,
    step=0.05,
)


def _sgd(lr: float, p: dict[str, Any]) -> Call:
    if p["nesterov"] and p["momentum"] <= 0:
        raise ParamError("Nesterov needs momentum above 0: raise momentum or turn Nesterov off.")
    return Call.of("torch.optim.SGD", lr=lr, momentum=p["momentum"], nesterov=p["nesterov"])


def _adam(lr: float, p: dict[str, Any]) -> Call:
    return Call.of("torch.optim.Adam", lr=lr, betas=(p["beta1"], p["beta2"]), eps=p["eps"])


def _adamw(lr: float, p: dict[str, Any]) -> Call:
    return Call.of(
        "torch.optim.AdamW",
        lr=lr,
        betas=(p["beta1"], p["beta2"]),
        eps=p["eps"],
        weight_decay=p["weight_decay"],
    )


def _lion(lr: float, p: dict[str, Any]) -> Call:
    return Call.of(
        "nnstudio.core.lion:Lion",
        lr=lr,
        betas=(p["beta1"], p["beta2"]),
        weight_decay=p["weight_decay"],
    )


def _rmsprop(lr: float, p: dict[str, Any]) -> Call:
    return Call.of(
        "torch.optim.RMSprop", lr=lr, alpha=p["alpha"], momentum=p["momentum"], eps=p["eps"]
    )


def _adagrad(lr: float, p: dict[str, Any]) -> Call:
    return Call.of("torch.optim.Adagrad", lr=lr, eps=p["eps"])


def _weight_decay(default: float, help_text: str) -> ParamSpec:
    return ParamSpec(
        "weight_decay",
        "float",
        default,
        help_text,
        label="Weight decay",
        minimum=0.0,
        maximum=1.0,
        step=0.001,
        decimals=5,
    )


OPTIMIZERS: Registry[OptimizerSpec] = Registry("optimizer")
for _spec in (
    OptimizerSpec(
        "sgd",
        "SGD",
        "Plain gradient descent: step downhill by the learning rate times the gradient.",
        params(
            MOMENTUM,
            ParamSpec(
                "nesterov",
                "bool",
                False,
                "Look ahead along the momentum before measuring the gradient.",
            ),
        ),
        _sgd,
    ),
    OptimizerSpec(
        "adam",
        "Adam",
        "Momentum plus a per-weight step size from recent gradient sizes; a safe default.",
        params(BETA1, BETA2, EPS),
        _adam,
    ),
    OptimizerSpec(
        "adamw",
        "AdamW",
        "Adam with weight decay applied directly to the weights rather than through the gradient.",
        params(
            BETA1,
            BETA2,
            EPS,
            _weight_decay(
                0.01,
                "How strongly weights shrink toward zero at each step, apart from the gradient "
                "(decoupled weight decay). Each step multiplies every weight by "
                "1 - learning rate × this.",
            ),
        ),
        _adamw,
    ),
    OptimizerSpec(
        "lion",
        "Lion",
        "Moves every weight by the same amount, the learning rate, in the direction of the "
        "sign of its momentum. Light on memory; wants a learning rate 3-10 times smaller than "
        "Adam's, and more weight decay.",
        params(
            _beta(
                "beta1",
                0.9,
                "How much of the momentum (against the fresh gradient) picks each step's "
                "direction.",
            ),
            _beta("beta2", 0.99, "How long the momentum remembers past gradients."),
            _weight_decay(
                0.0,
                "How strongly weights shrink toward zero at each step, apart from the gradient "
                "(decoupled weight decay).",
            ),
        ),
        _lion,
    ),
    OptimizerSpec(
        "rmsprop",
        "RMSProp",
        "Divides each step by a running size of recent gradients, so steep directions slow down.",
        params(
            ParamSpec(
                "alpha",
                "float",
                0.99,
                "How long the memory of squared gradients is.",
                minimum=0.0,
                maximum=0.9999,
                step=0.01,
            ),
            MOMENTUM,
            EPS,
        ),
        _rmsprop,
    ),
    OptimizerSpec(
        "adagrad",
        "AdaGrad",
        "Each weight's step shrinks as its gradients add up; good for rare features.",
        params(EPS),
        _adagrad,
    ),
):
    OPTIMIZERS.register(_spec)
