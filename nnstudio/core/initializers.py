"""Weight initializers, declared once, with a scale to show explosion and vanishing.

They apply to every weight matrix inside the model (gated, recurrent and attention layers
included), so new layers get them for free. Biases start at zero except under the
framework default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nnstudio.core.registry import Registry

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass(frozen=True)
class InitializerSpec:
    name: str
    display_name: str
    help: str
    fill: Callable[[torch.Tensor], None] | None
    """Fills a weight tensor in place; None keeps torch's own defaults."""


def _xavier_uniform(w: torch.Tensor) -> None:
    from torch import nn

    nn.init.xavier_uniform_(w)


def _xavier_normal(w: torch.Tensor) -> None:
    from torch import nn

    nn.init.xavier_normal_(w)


def _he_uniform(w: torch.Tensor) -> None:
    from torch import nn

    nn.init.kaiming_uniform_(w, nonlinearity="relu")


def _he_normal(w: torch.Tensor) -> None:
    from torch import nn

    nn.init.kaiming_normal_(w, nonlinearity="relu")


def _zeros(w: torch.Tensor) -> None:
    w.detach().zero_()


INITIALIZERS: Registry[InitializerSpec] = Registry("initializer")
for _spec in (
    InitializerSpec("default", "Framework default", "PyTorch's own choice for each layer.", None),
    InitializerSpec(
        "xavier_uniform",
        "Xavier / Glorot (uniform)",
        "Keeps the signal's spread the same in and out; suits tanh and sigmoid.",
        _xavier_uniform,
    ),
    InitializerSpec(
        "xavier_normal",
        "Xavier / Glorot (normal)",
        "Like Xavier uniform, drawn from a bell curve.",
        _xavier_normal,
    ),
    InitializerSpec(
        "he_uniform",
        "He / Kaiming (uniform)",
        "Twice Xavier's spread, to make up for ReLU zeroing half its inputs.",
        _he_uniform,
    ),
    InitializerSpec(
        "he_normal",
        "He / Kaiming (normal)",
        "Like He uniform, drawn from a bell curve.",
        _he_normal,
    ),
    InitializerSpec(
        "zeros",
        "Zeros",
        "Every weight starts at 0. All units then learn the same thing: a lesson in why "
        "random starts matter.",
        _zeros,
    ),
):
    INITIALIZERS.register(_spec)


def apply_initializer(model: nn.Module, name: str, scale: float = 1.0) -> None:
    """Fill every weight matrix (and kernel) of `model`, whatever layer owns it.

    Weights are the parameters of two or more dimensions with "weight" in their name: Linear
    and convolution weights, the input and hidden matrices of RNN/LSTM/GRU, attention
    projections and embedding tables alike. Under any initializer but the default, biases
    start at zero. Norm layers' scales (one dimension) are left alone.
    """
    import torch

    spec = INITIALIZERS.get(name)
    with torch.no_grad():
        for param_name, param in model.named_parameters():
            leaf = param_name.rsplit(".", 1)[-1]
            if param.dim() >= 2 and "weight" in leaf:
                if spec.fill is not None:
                    spec.fill(param)
                if scale != 1.0:
                    param.mul_(scale)
            elif spec.fill is not None and leaf.startswith("bias"):
                param.zero_()
