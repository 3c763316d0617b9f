"""Asking a trained network: its answer, each layer's activations and the attention weights
for inputs a person gives it.

A `Predictor` is built from plain parts, the project and a state dict (plus the loaded
dataset, whose featurization and scaling new inputs must go through), so it works for the
command line, the app and a saved run alike. It compiles the graph once, keeps its own copy
of the weights (training can go on changing the originals) and runs on the CPU.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from nnstudio.core.compile import GraphModule, compile_graph
from nnstudio.core.datasets import Dataset, load_dataset
from nnstudio.core.datasets import inputs as encode
from nnstudio.core.errors import InputError
from nnstudio.core.modules import SelfAttention
from nnstudio.core.project import Project
from nnstudio.core.task_rules import TaskRules
from nnstudio.training import node_views
from nnstudio.training.trainer import context_for

NO_WEIGHTS = (
    "This project has no trained weights, so there is nothing to ask yet: train it first "
    "(and save it, or use `nnstudio train PROJECT --save`)."
)


def rules_of(project: Project) -> TaskRules:
    """How the project's loss reads raw outputs (one logit, scores per class, a value)."""
    output = project.graph.nodes_of_role("output")[0]
    return TaskRules.for_loss(output.params["loss"])


@dataclass
class Prediction:
    """The network's answer for N inputs."""

    outputs: np.ndarray
    """Raw network outputs (N, width), exactly what the trainer's `predict` gives."""
    probabilities: np.ndarray | None = None
    """Classification: (N, classes), rows sum to 1."""
    classes: np.ndarray | None = None
    """Classification: the predicted class index per input (N,)."""
    values: np.ndarray | None = None
    """Regression: (N, width) in the target's own units."""


@dataclass
class Activation:
    """What one node gave out for one input."""

    node_id: str
    label: str
    values: np.ndarray
    """The node's output for the sample, without the batch axis."""


def copy_weights(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A CPU copy that later training steps cannot change under a prediction."""
    return {key: value.detach().to("cpu", copy=True) for key, value in state.items()}


class Predictor:
    def __init__(
        self,
        project: Project,
        state: Mapping[str, torch.Tensor] | None,
        dataset: Dataset | None = None,
    ) -> None:
        if state is None:
            raise InputError(NO_WEIGHTS)
        self.project = project
        self.dataset = dataset if dataset is not None else load_dataset(project.dataset)
        self.rules = rules_of(project)
        self.model: GraphModule = compile_graph(
            project.graph, context_for(self.dataset), "default", 1.0, seed=None
        )
        self._traced: Any = None
        self._traced_key: Any = None
        self.set_weights(state)

    def set_weights(self, state: Mapping[str, torch.Tensor]) -> None:
        """Take a copy of newer weights of the same network (as training goes on)."""
        try:
            self.model.load_state_dict(copy_weights(state))
        except RuntimeError:
            raise InputError(
                "The trained weights do not fit the network: it changed after training. "
                "Train it again to ask it."
            ) from None
        self.model.eval()

    @torch.no_grad()
    def follow(self, module: nn.Module) -> None:
        """Copy a live model's current weights (training goes on in another thread) into
        this predictor's own, in one call: a torn read shows weights between two steps,
        never breaks anything, and costs one GIL hand-over instead of one per tensor."""
        mine = list(self.model.state_dict(keep_vars=True).values())
        theirs = list(module.state_dict(keep_vars=True).values())
        if len(mine) != len(theirs) or any(
            a.shape != b.shape for a, b in zip(mine, theirs, strict=True)
        ):
            self.set_weights(module.state_dict())
            return
        torch._foreach_copy_(mine, theirs)

    # -- answers --------------------------------------------------------------------------
    @torch.no_grad()
    def outputs(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs for network inputs `x` (already encoded)."""
        tensor = self._tensor(x)
        if len(tensor) == 1:
            single = self._single(tensor)
            if single is not None:
                return single(tensor).numpy()
        return self.model(tensor).numpy()

    def _single(self, example: torch.Tensor) -> Any:
        """The network traced for one input like `example`, or None where it cannot be.

        A traced forward runs as one call outside Python, so it lets go of the GIL once
        rather than at every layer: while training runs in another thread, each of those
        hand-overs can wait several milliseconds. It shares the model's parameters, so
        `set_weights` updates both."""
        key = (tuple(example.shape), example.dtype)
        if self._traced_key != key:
            self._traced_key, self._traced = key, None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._traced = torch.jit.trace(self.model, example, check_trace=False)
            except Exception:  # any layer tracing cannot follow: stay with the plain forward
                self._traced = None
        return self._traced

    def predict(self, x: np.ndarray) -> Prediction:
        """The answer for network inputs `x` (use the `points`, `rows`, ... helpers to encode)."""
        out = self.outputs(x)
        return self.decide(out)

    def decide(self, out: np.ndarray) -> Prediction:
        """Raw outputs -> the answer, by the loss's own task rules. (Log-probabilities from
        an NLL network give their probabilities back under the softmax.)"""
        result = Prediction(outputs=out)
        if self.rules.regression:
            result.values = encode.decode_values(self.dataset, out)
            return result
        tensor = torch.as_tensor(out, dtype=torch.float64)
        result.probabilities = self.rules.probabilities(tensor).numpy()
        result.classes = self.rules.classes(tensor).numpy()
        return result

    def class_names(self) -> list[str]:
        names = list(self.dataset.class_names)
        count = 2 if self.rules.decision == "logit" else max(self.dataset.num_classes, 2)
        return names if len(names) == count else [f"class {k}" for k in range(count)]

    # -- encoders for each kind of input --------------------------------------------------
    def points(self, points: Any) -> np.ndarray:
        return encode.encode_points(self.dataset, points)

    def rows(self, rows: Any) -> np.ndarray:
        """Table rows in the data's own units; a text column by its category ("red")."""
        return encode.encode_rows(self.dataset, rows)

    def images(self, images: Any) -> np.ndarray:
        return encode.encode_images(self.dataset, images)

    def sequences(self, samples: Any) -> np.ndarray:
        return encode.encode_sequences(self.dataset, samples)

    # -- inside the network ---------------------------------------------------------------
    def activations(self, x: np.ndarray) -> list[Activation]:
        """Every node's output for the first input of `x`, input to output."""
        return self.explain(x)[1]

    @torch.no_grad()
    def explain(self, x: np.ndarray) -> tuple[Prediction, list[Activation]]:
        """The answer for the first input of `x` and every node's output on the way, from
        one forward pass (half the work of asking for them apart)."""
        tensor = self._tensor(x)[:1]
        seen: dict[str, torch.Tensor] = {}

        def keep(node_id: str):
            def hook(_module: nn.Module, _args: Any, output: Any) -> None:
                if isinstance(output, torch.Tensor):
                    seen[node_id] = output.detach()

            return hook

        steps = self.model.schedule()
        handles = [module.register_forward_hook(keep(node_id)) for node_id, module, _s in steps]
        try:
            out = self.model(tensor)
        finally:
            for handle in handles:
                handle.remove()
        input_id = self.model.input_id
        result = [Activation(input_id, "Input", tensor[0].float().numpy())]
        for node_id, _module, _sources in steps:
            if node_id in seen:
                values = seen[node_id][0].float().numpy()
                result.append(Activation(node_id, self.model.labels[node_id], values))
        return self.decide(out.numpy()), result

    @torch.no_grad()
    def attention(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Node id -> attention weights (heads, steps, steps) for the first input of `x`,
        for every self-attention layer and Transformer block; each row sums to 1."""
        tensor = self._tensor(x)[:1]
        found: dict[str, np.ndarray] = {}

        def keep(node_id: str):
            def hook(module: nn.Module, args: tuple[Any, ...]) -> None:
                weights = attention_of(module, args[0])
                if weights is not None:
                    found[node_id] = weights[0].float().numpy()

            return hook

        handles = [
            module.register_forward_pre_hook(keep(node_id))
            for node_id, module in self.model.parametric_layers()  # blocks opened
            if isinstance(module, (SelfAttention, nn.TransformerEncoderLayer))
        ]
        try:
            self.model(tensor)
        finally:
            for handle in handles:
                handle.remove()
        return found

    def node_layers(self) -> list[node_views.ViewableLayer]:
        """The layers whose inside can be shown (`node_view`), input to output."""
        return node_views.viewable_layers(self.project.graph, self.model)

    def node_view(self, layer_id: str, index: int = 0) -> node_views.NodeView | None:
        """What layer `layer_id` computes for sample `index` of the validation split: its
        feature maps, attention weights or hidden state over time, by its declaration."""
        return node_views.sample_view(self.model, self.project.graph, self.dataset, layer_id, index)

    def _tensor(self, x: np.ndarray) -> torch.Tensor:
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.integer):
            return torch.as_tensor(x, dtype=torch.int64)
        return torch.as_tensor(x, dtype=torch.float32)


def attention_of(module: nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    """(batch, heads, steps, steps) weights a self-attention layer gives input `x`."""
    return node_views.attention_weights(module, (x,))


def predictor_for_run(run: Any, dataset: Dataset | None = None) -> Predictor:
    """A predictor for a Run: the network it trained, with its weights."""
    if run is None:
        raise InputError(NO_WEIGHTS)
    return Predictor(run.project, run.weights, dataset)


def predictor_for_file(path: str) -> Predictor:
    """A predictor for the current run of a saved project; refuses one without weights."""
    from nnstudio.core.project_files import load_project

    return predictor_for_run(load_project(path).current_run)
