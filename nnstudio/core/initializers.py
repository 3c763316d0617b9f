"""Weight initializers, declared once, with a scale to show explosion and vanishing.

They apply to every weight matrix inside the model (gated, recurrent and attention layers
included), so new layers get them for free. Biases start at zero except under the
framework default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnstudio.core.registry import Registry

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass(frozen=True)
class InitializerSpec:
    name: str
    display_name: str
    help: str
    torch_init: str | None
    """The `torch.nn.init` function that fills a weight in place; None keeps torch's own
    defaults. Named rather than wrapped so exported code calls the very same function."""
    kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def fill(self) -> Callable[[torch.Tensor], object] | None:
        """Fills a weight tensor in place; None keeps torch's own defaults."""
        if self.torch_init is None:
            return None
        from torch import nn

        function = getattr(nn.init, self.torch_init)
        kwargs = dict(self.kwargs)
        return lambda weight: function(weight, **kwargs)


INITIALIZERS: Registry[InitializerSpec] = Registry("initializer")
for _spec in (
    InitializerSpec("default", "Framework default", "PyTorch's own choice for each layer.", None),
    InitializerSpec(
        "xavier_uniform",
        "Xavier / Glorot (uniform)",
        "Keeps the signal's spread the same in and out; suits tanh and sigmoid.",
        "xavier_uniform_",
    ),
    InitializerSpec(
        "xavier_normal",
        "Xavier / Glorot (normal)",
        "Like Xavier uniform, drawn from a bell curve.",
        "xavier_normal_",
    ),
    InitializerSpec(
        "he_uniform",
        "He / Kaiming (uniform)",
        "Twice Xavier's spread, to make up for ReLU zeroing half its inputs.",
        "kaiming_uniform_",
        (("nonlinearity", "relu"),),
    ),
    InitializerSpec(
        "he_normal",
        "He / Kaiming (normal)",
        "Like He uniform, drawn from a bell curve.",
        "kaiming_normal_",
        (("nonlinearity", "relu"),),
    ),
    InitializerSpec(
        "zeros",
        "Zeros",
        "Every weight starts at 0. All units then learn the same thing: a lesson in why "
        "random starts matter.",
        "zeros_",
    ),
):
    INITIALIZERS.register(_spec)


def apply_initializer(model: nn.Module, name: str, scale: float = 1.0) -> None:
    """Fill every weight matrix (and kernel) of `model` with the named initializer."""
    initialize_weights(model, INITIALIZERS.get(name).fill, scale)


def initialize_weights(
    model: nn.Module, fill: Callable[[torch.Tensor], object] | None, scale: float = 1.0
) -> None:
    """Fill every weight matrix (and kernel) of `model`, whatever layer owns it.

    Weights are the parameters of two or more dimensions with "weight" in their name: Linear
    and convolution weights, the input and hidden matrices of RNN/LSTM/GRU, attention
    projections and embedding tables alike. With a `fill` (any initializer but the
    default), biases start at zero. Norm layers' scales (one dimension) are left alone.
    Exported training scripts carry a copy of this function.
    """
    for param_name, param in model.named_parameters():
        leaf = param_name.rsplit(".", 1)[-1]
        if param.dim() >= 2 and "weight" in leaf:
            if fill is not None:
                fill(param)
            if scale != 1.0:
                param.detach().mul_(scale)
        elif fill is not None and leaf.startswith("bias"):
            param.detach().zero_()
    for module in model.modules():
        start_gates = getattr(module, "start_gates", None)
        if callable(start_gates):
            start_gates()  # a layer whose gates start open (an LSTM's forget bias) keeps them
