"""Small torch modules the catalog needs that torch does not ship.

Imported only by builders, so importing the catalog never imports torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from nnstudio.core.errors import ShapeError


class AddModule(nn.Module):
    """Element-wise sum of two branches."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a + b


class ConcatModule(nn.Module):
    """Join two branches along the feature (or channel) axis."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.cat((a, b), dim=1)


# -- shaping and pooling -----------------------------------------------------------------


class ReshapeModule(nn.Module):
    """Give every sample a new shape; the batch axis stays first."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class GlobalAvgPool(nn.Module):
    """(batch, C, H, W) -> (batch, C): the mean of each channel over the whole image."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


class LastAxisPReLU(nn.Module):
    """PReLU with one learned slope per feature of the last axis (for sequences)."""

    def __init__(self, features: int, init: float = 0.25) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((features,), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x >= 0, x, self.weight * x)


# -- gated feed-forward ------------------------------------------------------------------

GATE_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "glu": torch.sigmoid,
    "swiglu": F.silu,
    "geglu": F.gelu,
    "reglu": F.relu,
}


class GatedFeedForward(nn.Module):
    """out(act(gate(x)) * value(x)): the GLU family with its own projections.

    Works on flat (d,) and sequence (T, d) inputs alike, since Linear acts on the last axis.
    """

    def __init__(self, d_in: int, hidden: int, d_out: int, kind: str, bias: bool = True) -> None:
        super().__init__()
        self.kind = kind
        self.gate = nn.Linear(d_in, hidden, bias=bias)
        self.value = nn.Linear(d_in, hidden, bias=bias)
        self.out = nn.Linear(hidden, d_out, bias=bias)
        self._act = GATE_ACTIVATIONS[kind]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self._act(self.gate(x)) * self.value(x))

    def extra_repr(self) -> str:
        return f"kind={self.kind}"


# -- sequences ---------------------------------------------------------------------------


class TokenEmbedding(nn.Module):
    """Embedding that names the problem when it is fed real numbers instead of token ids."""

    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_floating_point():
            raise ShapeError(
                "Embedding needs whole-number token ids, but the data holds real numbers: "
                "use a dataset of tokens, or a Linear layer instead of the Embedding."
            )
        return self.embedding(x.long())


RECURRENT_CLASSES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class Recurrent(nn.Module):
    """RNN, LSTM or GRU over (batch, T, features) returning every step or only the last state.

    The "last" state of a bidirectional layer joins the forward direction's state after the
    final step with the backward direction's state after the first step (its own last).
    """

    def __init__(
        self,
        kind: str,
        features: int,
        hidden: int,
        layers: int,
        bidirectional: bool,
        returns: str,
        forget_bias: float = 0.0,
    ) -> None:
        super().__init__()
        self.returns = returns
        self.forget_bias = forget_bias
        self.rnn = RECURRENT_CLASSES[kind](
            features, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True
        )
        self.start_gates()

    def start_gates(self) -> None:
        """Open an LSTM's forget gate: its bias (input and state parts together) starts at
        `forget_bias`, so the cell holds what it stored from the first step on. Initializers
        call this again after they fill the biases."""
        if not self.forget_bias or not isinstance(self.rnn, nn.LSTM):
            return
        hidden = self.rnn.hidden_size
        with torch.no_grad():
            for name, param in self.rnn.named_parameters():
                if name.startswith("bias_"):  # gates in order: input, forget, cell, output
                    value = self.forget_bias if name.startswith("bias_ih") else 0.0
                    param[hidden : 2 * hidden].fill_(value)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x)
        if self.returns == "sequence":
            return out
        h_n = state[0] if isinstance(state, tuple) else state
        if self.rnn.bidirectional:
            return torch.cat((h_n[-2], h_n[-1]), dim=1)
        return h_n[-1]


class SelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention: queries, keys and values all come from x."""

    def __init__(self, dim: int, heads: int, dropout: float, causal: bool) -> None:
        super().__init__()
        self.causal = causal
        self.attention = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = None
        if self.causal:
            steps = x.shape[1]
            mask = torch.ones(steps, steps, dtype=torch.bool, device=x.device).triu(1)
        out, _weights = self.attention(x, x, x, attn_mask=mask, need_weights=False)
        return out


class CrossAttention(nn.Module):
    """Multi-head attention whose queries come from one sequence and keys and values from
    another (the memory), which may have its own length and feature size."""

    def __init__(self, dim: int, memory_dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(
            dim, heads, dropout=dropout, batch_first=True, kdim=memory_dim, vdim=memory_dim
        )
        self.last_weights: torch.Tensor | None = None
        """(batch, query steps, memory steps) of the latest call, for the node view."""

    def forward(self, query: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        out, weights = self.attention(query, memory, memory, need_weights=True)
        self.last_weights = weights.detach()
        return out


class PointerScores(nn.Module):
    """Additive attention scores of each query step over the memory positions:
    v·tanh(W_m m_j + W_q q_k), laid out (batch, query steps, memory steps): the positions are
    the classes, on the last axis like every other layer's class scores."""

    def __init__(self, dim: int, memory_dim: int, hidden: int) -> None:
        super().__init__()
        self.query = nn.Linear(dim, hidden, bias=False)
        self.memory = nn.Linear(memory_dim, hidden)
        self.score = nn.Linear(hidden, 1, bias=False)
        self.last_weights: torch.Tensor | None = None
        """(batch, query steps, memory steps) probabilities of the latest call."""

    def forward(self, query: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        mixed = torch.tanh(self.memory(memory).unsqueeze(1) + self.query(query).unsqueeze(2))
        scores = self.score(mixed).squeeze(-1)
        self.last_weights = torch.softmax(scores.detach(), dim=-1)
        return scores


class CrossEntropyClassesLast(nn.CrossEntropyLoss):
    """Cross-entropy with the classes on the last axis, for one answer or several per sample:
    (batch, steps, classes) outputs move their classes to axis 1, where torch wants them."""

    def forward(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return super().forward(out.movedim(-1, 1) if out.dim() > 2 else out, target)


class NLLClassesLast(nn.NLLLoss):
    """Negative log-likelihood with the classes on the last axis, like the cross-entropy."""

    def forward(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return super().forward(out.movedim(-1, 1) if out.dim() > 2 else out, target)


def sinusoidal_table(steps: int, dim: int) -> torch.Tensor:
    """(steps, dim) table of sines and cosines at geometrically spaced frequencies."""
    position = torch.arange(steps, dtype=torch.float32).unsqueeze(1)
    pairs = (dim + 1) // 2
    freq = torch.exp(torch.arange(pairs, dtype=torch.float32) * (-math.log(10000.0) / pairs))
    angles = position * freq
    table = torch.stack((angles.sin(), angles.cos()), dim=2).reshape(steps, 2 * pairs)
    return table[:, :dim]


class PositionalEncoding(nn.Module):
    """Adds a position signal to each step: a fixed sinusoid table or a learned one."""

    def __init__(self, steps: int, dim: int, learned: bool) -> None:
        super().__init__()
        self.learned = learned
        if learned:
            self.table = nn.Parameter(torch.randn(steps, dim) * 0.02)
        else:
            self.register_buffer("table", sinusoidal_table(steps, dim), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table[: x.shape[1]]
