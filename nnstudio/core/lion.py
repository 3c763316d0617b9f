"""Lion ("evolved sign momentum"), written here because torch does not ship it.

The update follows the published rule (Chen et al., 2023, "Symbolic Discovery of
Optimization Algorithms"): step along the *sign* of a blend of momentum and gradient, so
every weight moves by exactly the learning rate; decay weights separately from the gradient;
then update the momentum with a second, slower blend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.optim import Optimizer


class Lion(Optimizer):
    """Sign-of-momentum optimizer; use a learning rate 3-10x smaller than Adam's."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"Lion needs a positive learning rate, not {lr}.")
        for beta in betas:
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Lion's betas must be in [0, 1), not {betas}.")
        if weight_decay < 0:
            raise ValueError(f"Lion's weight decay must not be negative, not {weight_decay}.")
        super().__init__(params, {"lr": lr, "betas": betas, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, wd = group["lr"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                momentum = state["exp_avg"]
                if wd:
                    p.mul_(1.0 - lr * wd)  # decoupled: shrink the weight, not the gradient
                direction = momentum.mul(beta1).add_(grad, alpha=1.0 - beta1).sign_()
                p.add_(direction, alpha=-lr)
                momentum.mul_(beta2).add_(grad, alpha=1.0 - beta2)
        return loss
