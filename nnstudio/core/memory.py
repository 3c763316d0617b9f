"""How much memory training a network will take, estimated from shapes before anything exists.

Allocating first and failing later ends in an allocator error, or worse, in the OS killing
the process after it has eaten all memory. The validator already knows every node's output
shape and parameter count, so the weights, their gradients, the optimizer's state and the
activations of one batch (and of one evaluation pass over the largest split, which runs in
one go) can be added up from them. Activations are counted per node output; recurrent and
attention layers keep more inside them (gates, the score matrix), which is added per layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from nnstudio.core.errors import NNStudioError
from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.validation import Analysis, analyze

BYTES_PER_VALUE = 4
"""float32 everywhere the trainer allocates."""
TRAIN_ACTIVATION_FACTOR = 2
"""Backward keeps each forward output and makes a gradient of the same size."""
OPTIMIZER_SLOTS = {"sgd": 1, "adagrad": 1, "rmsprop": 2, "adam": 2, "adamw": 2, "lion": 1}
"""Tensors of the weights' size each optimizer keeps per weight (an upper bound)."""
RECURRENT_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
ATTENTION_LAYERS = ("self_attention", "transformer_block")
HEADROOM = 0.85
"""Refuse when the estimate is over this share of the free memory: the OS, the GUI and the
data itself need the rest."""
FIXED_OVERHEAD = 256 * 1024**2
"""torch's own buffers and allocator slack, roughly."""


class OutOfMemoryError(NNStudioError):
    """Training would need more memory than there is; the message gives figures and a way out."""


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    gradients: int
    optimizer: int
    batch_activations: int
    eval_activations: int
    batch_size: int
    eval_samples: int
    largest_node: str | None
    """The node whose activations take the most memory per sample (to suggest shrinking)."""

    def times(self, copies: int) -> MemoryEstimate:
        """The estimate for `copies` such networks trained side by side."""
        return replace(
            self,
            weights=self.weights * copies,
            gradients=self.gradients * copies,
            optimizer=self.optimizer * copies,
            batch_activations=self.batch_activations * copies,
            eval_activations=self.eval_activations * copies,
        )

    @property
    def total(self) -> int:
        peak_activations = max(self.batch_activations, self.eval_activations)
        return self.weights + self.gradients + self.optimizer + peak_activations + FIXED_OVERHEAD


def gib(n: float) -> str:
    """Bytes in words: "3.2 GB", "640 MB"."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n / 1024**2:.0f} MB"


def _size(shape: object) -> int:
    if not isinstance(shape, tuple) or not all(isinstance(d, int) for d in shape):
        return 0
    return math.prod(shape)


def _node_extra(graph: Graph, analysis: Analysis, node_id: str) -> int:
    """Values a layer keeps inside itself per sample, beyond its output."""
    node = graph.nodes[node_id]
    inputs = [shape for edge, shape in analysis.edge_shapes.items() if edge.dst.node == node_id]
    length = inputs[0][0] if inputs and isinstance(inputs[0], tuple) and inputs[0] else 1
    if not isinstance(length, int):
        return 0
    if node.type in RECURRENT_GATES:
        hidden = int(node.params.get("hidden", 0) or 0)
        layers = int(node.params.get("layers", 1) or 1)
        directions = 2 if node.params.get("bidirectional") else 1
        return RECURRENT_GATES[node.type] * hidden * length * layers * directions
    if node.type in ATTENTION_LAYERS:
        heads = int(node.params.get("heads", 1) or 1)
        return 2 * heads * length * length  # the scores and their softmax
    return 0


def estimate_training_memory(
    graph: Graph,
    context: ShapeContext,
    optimizer: str,
    batch_size: int,
    eval_samples: int,
) -> MemoryEstimate:
    """Bytes training `graph` needs at its peak; `eval_samples` is the largest split scored
    in one pass. Shapes that are not known count as zero (validation reports those)."""
    analysis = analyze(graph, context)
    params = analysis.total_params
    per_sample = 0
    largest, largest_size = None, 0
    for node_id in analysis.active or analysis.node_shapes:
        size = _size(analysis.node_shapes.get(node_id)) + _node_extra(graph, analysis, node_id)
        per_sample += size
        if size > largest_size:
            largest, largest_size = node_id, size
    value = BYTES_PER_VALUE
    return MemoryEstimate(
        weights=params * value,
        gradients=params * value,
        optimizer=params * value * OPTIMIZER_SLOTS.get(optimizer, 2),
        batch_activations=batch_size * per_sample * value * TRAIN_ACTIVATION_FACTOR,
        eval_activations=eval_samples * per_sample * value,
        batch_size=batch_size,
        eval_samples=eval_samples,
        largest_node=largest,
    )


def memory_problem(estimate: MemoryEstimate, available: int, graph: Graph) -> str | None:
    """Why training must not start (the figures and what to change), or None if it fits."""
    if estimate.total <= available * HEADROOM:
        return None
    parts = [
        f"weights {gib(estimate.weights)}",
        f"gradients {gib(estimate.gradients)}",
        f"optimizer state {gib(estimate.optimizer)}",
        f"activations for a batch of {estimate.batch_size:,}: {gib(estimate.batch_activations)}",
    ]
    if estimate.eval_activations > estimate.batch_activations:
        parts.append(
            f"scoring {estimate.eval_samples:,} samples at once: {gib(estimate.eval_activations)}"
        )
    weights_heavy = estimate.weights * 4 > max(
        estimate.batch_activations, estimate.eval_activations
    )
    if weights_heavy:
        advice = "Use fewer units in the largest layers."
    elif estimate.eval_activations > estimate.batch_activations:
        advice = "Use fewer samples, or fewer units or channels in the largest layers."
    else:
        advice = "Use a smaller batch size, or fewer units or channels in the largest layers."
    if estimate.largest_node is not None and estimate.largest_node in graph.nodes:
        advice += f" The largest per sample is {graph.nodes[estimate.largest_node].label}."
    return (
        f"Training this network would need about {gib(estimate.total)} of memory "
        f"({', '.join(parts)}), but only {gib(available)} is free. {advice}"
    )


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether an exception from torch or numpy means an allocation failed."""
    if isinstance(exc, (MemoryError, OutOfMemoryError)):
        return True
    text = f"{type(exc).__name__}: {exc}".lower()
    return any(
        marker in text
        for marker in (
            "out of memory",
            "outofmemoryerror",
            "defaultcpuallocator",
            "can't allocate memory",
            "cannot allocate memory",
            "unable to allocate",
        )
    )
