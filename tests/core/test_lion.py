"""Lion: sign-of-momentum steps, decoupled weight decay, and it actually trains."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.lion import Lion
from nnstudio.core.optimizers import OPTIMIZERS


def _param(values: list[float]) -> torch.nn.Parameter:
    return torch.nn.Parameter(torch.tensor(values, dtype=torch.float64))


def _step(opt: torch.optim.Optimizer, param: torch.nn.Parameter, grad: list[float]) -> None:
    param.grad = torch.tensor(grad, dtype=torch.float64)
    opt.step()


def test_first_step_moves_every_weight_by_exactly_the_learning_rate() -> None:
    p = _param([1.0, 1.0, 1.0, 1.0])
    _step(Lion([p], lr=0.01), p, [3.0, -1e-6, 200.0, 0.0])
    torch.testing.assert_close(
        p.detach(), torch.tensor([0.99, 1.01, 0.99, 1.0], dtype=torch.float64)
    )


def test_direction_blends_momentum_and_gradient_with_beta1() -> None:
    p = _param([0.0, 0.0])
    opt = Lion([p], lr=1.0, betas=(0.9, 0.5))
    _step(opt, p, [1.0, 1.0])  # momentum becomes 0.5 * g = [0.5, 0.5]
    torch.testing.assert_close(
        opt.state[p]["exp_avg"], torch.tensor([0.5, 0.5], dtype=torch.float64)
    )
    before = p.detach().clone()
    # Blend: 0.9 * 0.5 + 0.1 * g. A gradient of -4 gives 0.45 - 0.4 > 0 (still down hill of the
    # momentum); -5 gives 0.45 - 0.5 < 0, so that weight steps the other way.
    _step(opt, p, [-4.0, -5.0])
    torch.testing.assert_close(p.detach() - before, torch.tensor([-1.0, 1.0], dtype=torch.float64))
    # Momentum then uses beta2: 0.5 * 0.5 + 0.5 * g.
    torch.testing.assert_close(
        opt.state[p]["exp_avg"], torch.tensor([-1.75, -2.25], dtype=torch.float64)
    )


def test_weight_decay_is_decoupled_from_the_gradient() -> None:
    lr, wd = 0.1, 0.5
    p = _param([2.0, -4.0])
    _step(Lion([p], lr=lr, weight_decay=wd), p, [0.0, 0.0])
    # A zero gradient has sign 0: only the decay acts, shrinking by (1 - lr * wd).
    torch.testing.assert_close(p.detach(), torch.tensor([2.0, -4.0], dtype=torch.float64) * 0.95)
    small, large = _param([2.0]), _param([2.0])
    _step(Lion([small], lr=lr, weight_decay=wd), small, [1e-3])
    _step(Lion([large], lr=lr, weight_decay=wd), large, [1e3])
    # The gradient's size does not change how much the decay takes.
    torch.testing.assert_close(small.detach(), large.detach())
    assert small.item() == pytest.approx(2.0 * 0.95 - lr)


def test_parameters_without_gradients_are_left_alone() -> None:
    used, unused = _param([1.0]), _param([1.0])
    opt = Lion([used, unused], lr=0.1, weight_decay=0.1)
    _step(opt, used, [1.0])
    assert unused.item() == 1.0 and unused not in opt.state


def test_closure_loss_is_returned() -> None:
    p = _param([1.0])
    opt = Lion([p], lr=0.1)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = (p**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(1.0)
    assert p.item() == pytest.approx(0.9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.0},
        {"lr": -1.0},
        {"betas": (1.0, 0.9)},
        {"betas": (0.9, -0.1)},
        {"weight_decay": -1},
    ],
)
def test_bad_hyperparameters_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="Lion"):
        Lion([_param([1.0])], **kwargs)


def test_declared_lion_trains_a_small_regression() -> None:
    spec = OPTIMIZERS.get("lion")
    assert {p.name for p in spec.params} == {"beta1", "beta2", "weight_decay"}
    torch.manual_seed(0)
    x = torch.randn(256, 3)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.3
    model = torch.nn.Linear(3, 1)
    opt = spec.build(model.parameters(), 0.01, spec.params.defaults())
    assert isinstance(opt, Lion)
    first = None
    for _ in range(600):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < first / 100
