"""Initializers reach every weight matrix, not only Linear and convolution layers."""

from __future__ import annotations

import torch
from torch import nn

from nnstudio.core.initializers import apply_initializer


class Mixed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.attn = nn.MultiheadAttention(6, 2, batch_first=True)
        self.norm = nn.LayerNorm(6)


def test_zeros_reaches_recurrent_attention_and_embedding_weights():
    model = Mixed()
    apply_initializer(model, "zeros")
    for name, param in model.named_parameters():
        if param.dim() >= 2:
            assert torch.count_nonzero(param) == 0, name
    assert torch.all(model.norm.weight == 1), "norm scales are not weights to initialize"


def test_scale_multiplies_every_weight_matrix():
    torch.manual_seed(0)
    model = Mixed()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    apply_initializer(model, "default", scale=3.0)
    for name, param in model.named_parameters():
        expected = before[name] * 3.0 if param.dim() >= 2 else before[name]
        assert torch.allclose(param, expected), name


def test_he_normal_spread_on_lstm_input_weights():
    torch.manual_seed(0)
    lstm = nn.LSTM(200, 100)
    apply_initializer(lstm, "he_normal")
    std = float(lstm.weight_ih_l0.detach().std())
    assert abs(std - (2 / 200) ** 0.5) < 0.01
    assert torch.count_nonzero(lstm.bias_ih_l0) == 0
