"""Inside a node: what one layer computes for one chosen sample, as plain numpy pictures.

The layer's declaration names its view (`LayerSpec.view`): the feature maps of a convolution
or pooling layer, the attention (or pointer) weights of an attention layer, or the hidden
state over time of a recurrent layer. One forward pass of one sample with a hook on that
layer gives it, so a view costs about as much as asking the network one question.

Where it runs: not in the trainer's snapshot path, but on a copy of the run's weights (a
`Predictor`, see `Predictor.node_view`, which the app drives from a background thread). The
selected node changes while a run trains, after it ends, and in a reopened project with no
training at all; a copy of the weights serves all three the same way, costs the training
loop nothing (its probe budget stays as it is), and one sample is too little work to be
worth a place in the training thread's report path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from nnstudio.core import layer_views
from nnstudio.core.compile import BlockModule, GraphModule
from nnstudio.core.datasets import Dataset
from nnstudio.core.errors import InputError
from nnstudio.core.graph import Graph
from nnstudio.core.layer_views import ViewableLayer, layer_type, split_part, view_kind
from nnstudio.core.modules import CrossAttention, PointerScores, Recurrent, SelfAttention

MAX_TILES = 64
"""Feature maps beyond this many channels are left out (the view says how many)."""

MAX_TOKENS_SHOWN = 32
"""A token sample's ids are written in the caption up to this length."""

AXES = {
    "feature_maps": ("row", "column", "channel"),
    "attention": ("query position", "key position", "head"),
    "sequence_state": ("time step", "unit", ""),
}
"""Per view kind: what a tile's rows and columns are, and what one tile stands for."""

SPLITS = (("val", "validation"), ("test", "test"), ("train", "training"))
"""Where the chosen sample comes from: the first split that has samples."""


@dataclass
class NodeView:
    """One layer's view for one sample: tiles of the same size, ready to draw."""

    kind: str
    """One of the `LayerSpec.view` kinds."""
    layer_id: str
    values: np.ndarray
    """(tiles, rows, cols): channels × H × W, heads × queries × keys, or 1 × steps × units."""
    row_axis: str
    col_axis: str
    tile_names: list[str] = field(default_factory=list)
    sample: np.ndarray | None = None
    """The sample as a picture (H, W) when it is an image, for feature maps."""
    layer_input: np.ndarray | None = None
    """What the layer itself was given, as one picture (its channels averaged), for
    feature maps: the sample's stand-in when the network's input is not an image."""
    caption: str = ""
    """Which sample it is, in words (split, index, its target)."""
    note: str = ""
    """Anything left out (channels beyond MAX_TILES) or worth knowing (the top layer only)."""


# -- finding layers -----------------------------------------------------------------------


def find_module(model: GraphModule, layer_id: str) -> nn.Module:
    """The submodule that runs layer `layer_id` (blocks opened; KeyError if it has none)."""
    *blocks, last = layer_id.split("/")
    body: Any = model
    for part in blocks:
        node_id, copy = split_part(part)
        block = body.module_for(node_id)
        if not isinstance(block, BlockModule):
            raise KeyError(layer_id)
        body = block.copies[copy]
    return body.module_for(last)


def viewable_layers(graph: Graph, model: GraphModule) -> list[ViewableLayer]:
    """Every layer with a view that `model` runs (a node that feeds nothing has no module)."""
    found = []
    for layer in layer_views.viewable_layers(graph):
        try:
            find_module(model, layer.layer_id)
        except (KeyError, IndexError):
            continue
        found.append(layer)
    return found


# -- attention weights --------------------------------------------------------------------


def attention_weights(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> torch.Tensor | None:
    """(batch, heads, queries, keys) weights the layer gives `inputs`; each row sums to 1.

    Computed beside the layer's own forward, which skips per-head weights for speed (the
    pointer layer has one 'head': its softmax over the input positions)."""
    if isinstance(module, SelfAttention):
        x = inputs[0]
        mask = None
        if module.causal:
            steps = x.shape[1]
            mask = torch.ones(steps, steps, dtype=torch.bool, device=x.device).triu(1)
        _out, weights = module.attention(
            x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False
        )
        return weights
    if isinstance(module, nn.TransformerEncoderLayer):
        x = inputs[0]
        h = module.norm1(x) if module.norm_first else x
        _out, weights = module.self_attn(h, h, h, need_weights=True, average_attn_weights=False)
        return weights
    if isinstance(module, CrossAttention):
        query, memory = inputs
        _out, weights = module.attention(
            query, memory, memory, need_weights=True, average_attn_weights=False
        )
        return weights
    if isinstance(module, PointerScores):
        # `forward`, not the call: the call would run the hooks that asked for these weights.
        return torch.softmax(module.forward(*inputs), dim=-1).unsqueeze(1)
    return None


# -- one view -----------------------------------------------------------------------------


@torch.no_grad()
def node_view(model: GraphModule, graph: Graph, layer_id: str, x: torch.Tensor) -> NodeView | None:
    """The view of layer `layer_id` for the first sample of `x` (one forward pass, in
    evaluation mode); None when the layer declares no view."""
    kind = view_kind(layer_type(graph, layer_id))
    if kind is None:
        return None
    module = find_module(model, layer_id)
    caught: dict[str, torch.Tensor] = {}
    if kind == "attention":

        def before(_m: nn.Module, args: tuple[Any, ...]) -> None:
            weights = attention_weights(module, tuple(args))
            if weights is not None:
                caught["value"] = weights[0]

        handle = module.register_forward_pre_hook(before)
    else:
        watched = module.rnn if isinstance(module, Recurrent) else module

        def after(_m: nn.Module, args: Any, output: Any) -> None:
            value = output[0] if isinstance(output, tuple) else output
            caught["value"] = value[0]
            if args and isinstance(args[0], torch.Tensor):
                caught["input"] = args[0][0]

        handle = watched.register_forward_hook(after)
    was_training = model.training
    model.eval()
    try:
        model(x[:1])
    finally:
        handle.remove()
        model.train(was_training)
    value = caught.get("value")
    if value is None:
        return None
    view = _shape_view(kind, layer_id, value.float().cpu().numpy(), module)
    given = caught.get("input")
    if kind == "feature_maps" and given is not None and given.dim() == 3:
        view.layer_input = given.float().mean(dim=0).cpu().numpy()
    return view


def _shape_view(kind: str, layer_id: str, values: np.ndarray, module: nn.Module) -> NodeView:
    rows, cols, tile = AXES[kind]
    note = ""
    if kind == "sequence_state":
        values = values[None]  # (1, steps, units)
        rnn = module.rnn if isinstance(module, Recurrent) else None
        if rnn is not None and rnn.bidirectional:
            note = "Units: the forward reading first, then the backward one."
        if rnn is not None and rnn.num_layers > 1:
            note = (note + " " if note else "") + "The top layer's state."
        names = ["hidden state"]
    else:
        count = len(values)
        if kind == "feature_maps" and count > MAX_TILES:
            note = f"The first {MAX_TILES} of {count} channels."
            values = values[:MAX_TILES]
        names = [f"{tile} {k + 1}" for k in range(len(values))]
    return NodeView(kind, layer_id, np.ascontiguousarray(values), rows, cols, names, note=note)


# -- the sample ---------------------------------------------------------------------------


def sample_split(dataset: Dataset) -> tuple[str, str]:
    """(split key, its name in words): validation, else test, else training data."""
    for key, words in SPLITS:
        if len(getattr(dataset, f"x_{key}")):
            return key, words
    return "train", "training"


def sample_count(dataset: Dataset) -> int:
    key, _words = sample_split(dataset)
    return len(getattr(dataset, f"x_{key}"))


def sample_of(dataset: Dataset, index: int) -> tuple[np.ndarray, str]:
    """Sample `index` of the validation split (test, training if that is empty), as the
    network's input (1, ...), and a caption that says which it is."""
    key, words = sample_split(dataset)
    xs, ys = getattr(dataset, f"x_{key}"), getattr(dataset, f"y_{key}")
    if len(xs) == 0:
        raise InputError("The dataset has no samples to look at.")
    if not 0 <= index < len(xs):
        raise InputError(
            f"There are {len(xs)} {words} samples: choose a number from 0 to {len(xs) - 1}."
        )
    caption = f"{words.capitalize()} sample {index}"
    target = np.asarray(ys[index])
    names = list(dataset.class_names)
    if target.ndim == 0 and dataset.task == "classification":
        value = int(target)
        caption += f" · label: {names[value] if value < len(names) else value}"
    x = np.asarray(xs[index : index + 1])
    if np.issubdtype(x.dtype, np.integer) and x.ndim == 2 and x.shape[1] <= MAX_TOKENS_SHOWN:
        caption += " · tokens: " + " ".join(str(int(t)) for t in x[0])
    return x, caption


def sample_picture(x: np.ndarray) -> np.ndarray | None:
    """An image sample (1, channels, H, W) as one greyscale picture (H, W); None otherwise."""
    if x.ndim != 4:
        return None
    return np.asarray(x[0], dtype=np.float32).mean(axis=0)


def sample_view(
    model: GraphModule, graph: Graph, dataset: Dataset, layer_id: str, index: int = 0
) -> NodeView | None:
    """Layer `layer_id`'s view of sample `index` of `dataset` (see `sample_of`)."""
    x, caption = sample_of(dataset, index)
    integer = np.issubdtype(x.dtype, np.integer)
    tensor = torch.as_tensor(x, dtype=torch.int64 if integer else torch.float32)
    result = node_view(model, graph, layer_id, tensor)
    if result is not None:
        result.caption = caption
        if result.kind == "feature_maps":
            picture = sample_picture(x)
            result.sample = picture if picture is not None else result.layer_input
    return result
