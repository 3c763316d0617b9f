"""Ready-made projects: the starting points of File → New from Template and the examples.

Each template is a function that builds a fresh Project, so opening one twice gives two
independent documents. The bundled example files in resources/examples are these templates
written to disk (see `write_examples`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnstudio.core.blocks import Block
from nnstudio.core.datasets import DatasetConfig
from nnstudio.core.graph import Graph
from nnstudio.core.layout import apply_layout
from nnstudio.core.project import Project, save_project_json
from nnstudio.core.registry import Registry
from nnstudio.core.settings import TrainingSettings

LayerList = Sequence[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    build: Callable[[], Project]


TEMPLATES: Registry[Template] = Registry("template")


def chain(graph: Graph, layers: LayerList, start: str | None = None) -> str:
    """Append layers one after another from node `start`; returns the last node's id."""
    previous = start
    for layer_type, params in layers:
        node = graph.add_node(layer_type, params)
        if previous is not None:
            port = node.spec.inputs[0].name
            graph.connect(previous, "out", node.id, port)
        previous = node.id
    assert previous is not None
    return previous


def block(
    graph: Graph,
    name: str,
    layers: Callable[[Graph, str], str],
    repeat: int = 1,
    start: str | None = None,
) -> str:
    """Add a block node made by `layers(inner, input_id)` (which returns the id whose output
    leaves the block), fed from node `start`; returns the block's id."""
    inner = Graph()
    entry = inner.add_node("block_input", {"name": "x"}, node_id="in").id
    last = layers(inner, entry)
    inner.add_node("block_output", {"name": "y"}, node_id="out")
    inner.connect(last, "out", "out", "in")
    apply_layout(inner)
    node = graph.add_node("block", {"name": name, "repeat": repeat}, block=Block(inner))
    if start is not None:
        graph.connect(start, "out", node.id, "in")
    return node.id


def residual(inner: Graph, entry: str, body: LayerList) -> str:
    """`body` after `entry`, then an Add that brings `entry` back in: a skip connection."""
    last = chain(inner, body, entry)
    add = inner.add_node("add").id
    inner.connect(last, "out", add, "a")
    inner.connect(entry, "out", add, "b")
    return add


def encoder_layers(dim: int, heads: int, ff: int) -> Callable[[Graph, str], str]:
    """A pre-norm Transformer encoder layer drawn from its parts: norm, self-attention, skip;
    norm, gated feed-forward, skip."""

    def build(inner: Graph, entry: str) -> str:
        attended = residual(inner, entry, [("layernorm", {}), ("self_attention", {"heads": heads})])
        return residual(
            inner, attended, [("layernorm", {}), ("swiglu", {"units": dim, "hidden": ff})]
        )

    return build


def mlp(hidden: Sequence[int], activation: str, task: str = "binary", loss: str = "bce") -> Graph:
    """Input → (Linear, activation) per hidden width → Linear → Output."""
    out_units = 1 if loss == "bce" or task == "regression" else 2
    layers: list[tuple[str, dict[str, Any]]] = [("input", {})]
    for width in hidden:
        layers += [("linear", {"units": width}), (activation, {})]
    layers += [("linear", {"units": out_units}), ("output", {"task": task, "loss": loss})]
    graph = Graph()
    chain(graph, layers)
    apply_layout(graph)
    return graph


def _settings(**values: Any) -> TrainingSettings:
    return TrainingSettings(values)


def template(name: str, title: str, description: str):
    def register(build: Callable[[], Project]) -> Callable[[], Project]:
        def fresh() -> Project:
            project = build()
            project.description = description
            return project

        TEMPLATES.register(Template(name, title, description, fresh))
        return build

    return register


@template(
    "perceptron",
    "Perceptron (no hidden layer)",
    "One Linear layer straight to the output, on XOR. A single straight line cannot split "
    "XOR, so accuracy stalls near 50-75 %: add a hidden layer to fix it.",
)
def perceptron() -> Project:
    return Project(
        mlp([], "identity"),
        DatasetConfig("xor", {"noise": 0.1}),
        _settings(learning_rate=0.05, batch_size=16, epochs=100),
        "Perceptron on XOR",
    )


@template(
    "spiral_mlp",
    "MLP for the spiral",
    "Two hidden layers of 16 tanh units untangle the two spiral arms (test accuracy ≥ 95 %).",
)
def spiral_mlp() -> Project:
    return Project(
        mlp([16, 16], "tanh"),
        DatasetConfig("spiral"),
        _settings(optimizer="adam", learning_rate=0.02, batch_size=16, epochs=200),
        "Spiral MLP",
    )


@template(
    "xor_mlp",
    "XOR with one hidden layer",
    "Four tanh units are enough to solve XOR, which a single neuron cannot.",
)
def xor_mlp() -> Project:
    return Project(
        mlp([4], "tanh"),
        DatasetConfig("xor", {"noise": 0.1}),
        _settings(learning_rate=0.03, batch_size=16, epochs=100),
        "XOR with a hidden layer",
    )


@template(
    "circle_mlp",
    "Circle",
    "A small ReLU network learns a round boundary around the inner class.",
)
def circle_mlp() -> Project:
    return Project(
        mlp([8, 8], "relu"),
        DatasetConfig("circle"),
        _settings(learning_rate=0.02, batch_size=16, epochs=100, initializer="he_uniform"),
        "Circle",
    )


@template(
    "deep_sigmoid",
    "Deep sigmoid stack (10 layers)",
    "Ten sigmoid layers: watch the gradient panel, the first layers barely learn because "
    "their gradients fade on the way back. Try ReLU with He init to compare.",
)
def deep_sigmoid() -> Project:
    return Project(
        mlp([16] * 10, "sigmoid"),
        DatasetConfig("circle"),
        _settings(optimizer="sgd", learning_rate=0.1, batch_size=16, epochs=100),
        "Deep sigmoid stack",
    )


@template(
    "residual_mlp",
    "Residual MLP (skip connection)",
    "A block whose input is added back to its output: the Add lets signal and gradient "
    "skip past the block.",
)
def residual_mlp() -> Project:
    graph = Graph()
    stem = chain(graph, [("input", {}), ("linear", {"units": 16}), ("relu", {})])
    block = chain(graph, [("linear", {"units": 16}), ("relu", {}), ("linear", {"units": 16})], stem)
    add = graph.add_node("add")
    graph.connect(stem, "out", add.id, "a")
    graph.connect(block, "out", add.id, "b")
    chain(
        graph,
        [("relu", {}), ("linear", {"units": 1}), ("output", {"task": "binary", "loss": "bce"})],
        add.id,
    )
    apply_layout(graph)
    return Project(
        graph,
        DatasetConfig("spiral"),
        _settings(learning_rate=0.01, batch_size=16, epochs=200, initializer="he_uniform"),
        "Residual MLP",
    )


def sequential(layers: LayerList) -> Graph:
    """A graph that is one chain of layers, laid out."""
    graph = Graph()
    chain(graph, layers)
    apply_layout(graph)
    return graph


@template(
    "digits_cnn",
    "CNN for the 8×8 digits",
    "A small convolutional network on scikit-learn's handwritten digits: 16 filters of 3×3 "
    "find strokes, max pooling halves the image, one Linear layer picks the digit. It "
    "reaches about 98 % test accuracy (at least 95 %) in 20 epochs. Needs scikit-learn.",
)
def digits_cnn() -> Project:
    return Project(
        sequential(
            [
                ("input", {}),
                ("conv2d", {"channels": 16, "kernel": 3, "padding": 1}),
                ("relu", {}),
                ("maxpool2d", {"kernel": 2}),
                ("flatten", {}),
                ("linear", {"units": 10}),
                ("output", {"task": "multiclass", "loss": "cross_entropy"}),
            ]
        ),
        DatasetConfig("digits"),
        _settings(learning_rate=0.01, batch_size=32, epochs=20),
        "Digits CNN",
    )


@template(
    "digits_resnet",
    "ResNet-style CNN for the 8×8 digits",
    "A convolution makes 16 feature maps, then a Residual block ×2 (double-click it: two 3×3 "
    "convolutions with BatchNorm, and a skip connection that adds the block's input back) "
    "refines them; global average pooling turns each map into one number for the last "
    "Linear layer. It reaches about 99 % test accuracy (at least 95 %). Needs scikit-learn.",
)
def digits_resnet() -> Project:
    graph = Graph()
    stem = chain(
        graph,
        [("input", {}), ("conv2d", {"channels": 16, "kernel": 3, "padding": 1}), ("relu", {})],
    )
    conv = ("conv2d", {"channels": 16, "kernel": 3, "padding": 1})
    body: LayerList = [conv, ("batchnorm", {}), ("relu", {}), conv, ("batchnorm", {})]
    res = block(
        graph, "Residual", lambda g, e: chain(g, [("relu", {})], residual(g, e, body)), 2, stem
    )
    chain(
        graph,
        [
            ("global_avgpool", {}),
            ("linear", {"units": 10}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ],
        res,
    )
    apply_layout(graph)
    return Project(
        graph,
        DatasetConfig("digits"),
        _settings(learning_rate=0.01, batch_size=32, epochs=15),
        "Digits ResNet",
    )


@template(
    "lstm_parity",
    "LSTM sequence classifier (parity)",
    "Is the number of ones in a sequence of 8 bits odd? An Embedding turns each bit into a "
    "vector, an LSTM reads them one by one and its last state decides. Every bit matters, so "
    "the LSTM has to carry the running answer to the end; it reaches about 99 % test accuracy "
    "(at least 95 %). Try a plain RNN or longer sequences to see it struggle.",
)
def lstm_parity() -> Project:
    return Project(
        sequential(
            [
                ("input", {}),
                ("embedding", {"vocab": 2, "dim": 8}),
                ("lstm", {"hidden": 32}),
                ("linear", {"units": 1}),
                ("output", {"task": "binary", "loss": "bce"}),
            ]
        ),
        DatasetConfig("parity", {"length": 8}),
        _settings(learning_rate=0.01, batch_size=32, epochs=40),
        "LSTM on parity",
    )


@template(
    "transformer_copy",
    "Small Transformer encoder (copy a token)",
    "Which token sits at position 5 of a sequence of 10? Token embeddings plus a positional "
    "encoding go through an Encoder block ×2 (double-click it: LayerNorm, self-attention with "
    "4 heads and a skip, then LayerNorm, a SwiGLU feed-forward and a skip); attention can "
    "look the position up directly instead of remembering it. It reaches about 100 % test accuracy "
    "(at least 95 %). Remove the positional encoding and it can no longer tell the steps apart.",
)
def transformer_copy() -> Project:
    graph = Graph()
    start = chain(
        graph,
        [("input", {}), ("embedding", {"vocab": 8, "dim": 32}), ("positional_encoding", {})],
    )
    encoder = block(graph, "Encoder", encoder_layers(32, 4, 64), repeat=2, start=start)
    chain(
        graph,
        [
            ("flatten", {}),
            ("linear", {"units": 8}),
            ("output", {"task": "multiclass", "loss": "cross_entropy"}),
        ],
        encoder,
    )
    apply_layout(graph)
    return Project(
        graph,
        DatasetConfig("copy_token", {"length": 10, "vocab": 8, "position": 5}),
        _settings(learning_rate=0.003, batch_size=32, epochs=20),
        "Transformer copying a token",
    )


@template(
    "pointer_sort",
    "Pointer network that sorts",
    "Six different tokens in random order; the network answers where to look, step by step, "
    "to read them in increasing order. Two Transformer blocks encode the tokens (the memory); "
    "the decoder's query for step k is the tokens plus a learned position signal, which "
    "cross-attention sharpens against the memory; a Pointer layer then scores every input "
    "position for every step. The answers are positions in the input, not words from a list. "
    "It gets about 99 % of the positions right on the test split (at least 95 %).",
)
def pointer_sort() -> Project:
    graph = Graph()
    embed = chain(graph, [("input", {}), ("embedding", {"vocab": 20, "dim": 32})])
    block = {"heads": 2, "ff": 64, "dropout": 0.0}
    memory = chain(graph, [("transformer_block", block), ("transformer_block", block)], embed)
    query = chain(graph, [("positional_encoding", {"kind": "learned"})], embed)
    cross = graph.add_node("cross_attention", {"heads": 2})
    graph.connect(query, "out", cross.id, "query")
    graph.connect(memory, "out", cross.id, "memory")
    add = graph.add_node("add")
    graph.connect(cross.id, "out", add.id, "a")
    graph.connect(query, "out", add.id, "b")
    pointer = graph.add_node("pointer", {"units": 32})
    graph.connect(add.id, "out", pointer.id, "query")
    graph.connect(memory, "out", pointer.id, "memory")
    chain(graph, [("output", {"task": "multiclass", "loss": "cross_entropy"})], pointer.id)
    apply_layout(graph)
    return Project(
        graph,
        DatasetConfig("sort_positions", {"length": 6, "vocab": 20}),
        _settings(learning_rate=0.003, batch_size=32, epochs=12),
        "Pointer network sorting",
    )


@template(
    "swiglu_mlp",
    "SwiGLU MLP (breast cancer)",
    "One SwiGLU layer (a SiLU gate times a value, 32 wide) on the 30 measurements of the "
    "breast cancer table, then one output. Early stopping keeps the weights of the best "
    "validation epoch. It reaches about 97 % test accuracy (at least 93 %). Needs scikit-learn.",
)
def swiglu_mlp() -> Project:
    return Project(
        sequential(
            [
                ("input", {}),
                ("swiglu", {"units": 16, "hidden": 32}),
                ("linear", {"units": 1}),
                ("output", {"task": "binary", "loss": "bce"}),
            ]
        ),
        DatasetConfig("breast_cancer"),
        _settings(learning_rate=0.003, batch_size=16, epochs=60, patience=10),
        "SwiGLU MLP",
    )


EXAMPLES = {"spiral": "spiral_mlp", "xor": "xor_mlp", "circle": "circle_mlp"}
"""Bundled example file name -> template it is written from."""


def write_examples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, template_name in EXAMPLES.items():
        path = folder / f"{file_name}.json"
        project = TEMPLATES.get(template_name).build()
        save_project_json(project, path)
        written.append(path)
    return written
