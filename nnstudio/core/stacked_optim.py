"""Optimizer updates for stacked weights: V networks' tensors along dim 0, each with its own
hyperparameters (learning rate, betas, momentum ...), in one update.

Each rule follows the same arithmetic as the torch optimizer (or our Lion) that trains one
network, so variants trained together match the same variants trained one by one to float
tolerance. Hyperparameters arrive as (V,) tensors and are broadcast over each tensor.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Hyper = dict[str, torch.Tensor]
"""Hyperparameter name -> (V,) tensor; always includes "lr"."""
State = dict[str, torch.Tensor]


def _b(value: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A (V,) tensor (kept in float64) shaped and typed to broadcast over a (V, ...) tensor."""
    return value.to(like.dtype).reshape(-1, *([1] * (like.dim() - 1)))


def sgd(p: torch.Tensor, g: torch.Tensor, state: State, h: Hyper, step: int, flags: dict) -> None:
    momentum = _b(h["momentum"], p)
    if "buf" not in state:
        state["buf"] = g.clone()
    else:
        state["buf"].mul_(momentum).add_(g)
    buf = state["buf"]
    direction = g + momentum * buf if flags.get("nesterov") else buf
    # Momentum 0 leaves buf equal to the gradient, which is plain SGD, as torch does.
    p.sub_(_b(h["lr"], p) * direction)


def adam(p: torch.Tensor, g: torch.Tensor, state: State, h: Hyper, step: int, flags: dict) -> None:
    b1, b2 = _b(h["beta1"], p), _b(h["beta2"], p)
    if "exp_avg" not in state:
        state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)
    if "weight_decay" in h and flags.get("decoupled"):
        p.mul_(1 - _b(h["lr"] * h["weight_decay"], p))
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m.lerp_(g, 1 - b1)
    v.mul_(b2).add_((1 - b2) * g * g)
    bias1 = 1 - h["beta1"] ** step
    bias2_sqrt = (1 - h["beta2"] ** step).sqrt()
    step_size = _b(h["lr"] / bias1, p)
    denom = (v.sqrt() / _b(bias2_sqrt, p)).add_(_b(h["eps"], p))
    p.sub_(step_size * m / denom)


def adamw(p: torch.Tensor, g: torch.Tensor, state: State, h: Hyper, step: int, flags: dict) -> None:
    adam(p, g, state, h, step, {**flags, "decoupled": True})


def rmsprop(
    p: torch.Tensor, g: torch.Tensor, state: State, h: Hyper, step: int, flags: dict
) -> None:
    alpha, eps, momentum = _b(h["alpha"], p), _b(h["eps"], p), _b(h["momentum"], p)
    if "square_avg" not in state:
        state["square_avg"] = torch.zeros_like(p)
        state["buf"] = torch.zeros_like(p)
    sq = state["square_avg"]
    sq.mul_(alpha).add_((1 - alpha) * g * g)
    avg = sq.sqrt().add_(eps)
    buf = state["buf"]
    buf.mul_(momentum).add_(g / avg)
    # With momentum 0 the buffer is g / avg: the plain RMSProp step.
    p.sub_(_b(h["lr"], p) * buf)


def adagrad(
    p: torch.Tensor, g: torch.Tensor, state: State, h: Hyper, step: int, flags: dict
) -> None:
    if "sum" not in state:
        state["sum"] = torch.zeros_like(p)
    state["sum"].addcmul_(g, g, value=1.0)
    std = state["sum"].sqrt().add_(_b(h["eps"], p))
    p.sub_(_b(h["lr"], p) * g / std)


def lion(p: torch.Tensor, g: torch.Tensor, state: State, h: Hyper, step: int, flags: dict) -> None:
    b1, b2 = _b(h["beta1"], p), _b(h["beta2"], p)
    if "exp_avg" not in state:
        state["exp_avg"] = torch.zeros_like(p)
    m = state["exp_avg"]
    p.mul_(1 - _b(h["lr"] * h["weight_decay"], p))
    direction = (m * b1 + (1 - b1) * g).sign_()
    p.sub_(_b(h["lr"], p) * direction)
    m.mul_(b2).add_((1 - b2) * g)


RULES: dict[str, Callable[..., None]] = {
    "sgd": sgd,
    "adam": adam,
    "adamw": adamw,
    "rmsprop": rmsprop,
    "adagrad": adagrad,
    "lion": lion,
}


class StackedOptimizer:
    """One update rule over stacked tensors, each network with its own hyperparameters."""

    def __init__(
        self, name: str, params: list[torch.Tensor], hyper: Hyper, flags: dict | None = None
    ) -> None:
        self.rule = RULES[name]
        self.params = params
        self.hyper = hyper
        self.flags = flags or {}
        self.states: list[State] = [{} for _ in params]
        self.step_count = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.step_count += 1
        for p, state in zip(self.params, self.states, strict=True):
            if p.grad is not None:
                self.rule(p, p.grad, state, self.hyper, self.step_count, self.flags)
