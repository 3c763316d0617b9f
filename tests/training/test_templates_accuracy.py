"""Each template for the new blocks reaches the test accuracy its description promises, with
its shipped settings, on the held-out test split."""

from __future__ import annotations

import re
import time

import pytest

from nnstudio.core.datasets import load_dataset
from nnstudio.core.templates import TEMPLATES
from nnstudio.core.validation import analyze
from nnstudio.training import ProbeOptions, Trainer

QUIET = ProbeOptions(min_interval_s=1e9, weights_every=0, boundary_every=0)
NEEDS_SKLEARN = {"digits_cnn", "digits_resnet", "swiglu_mlp"}
BUDGET_S = 60
"""Generous against the ~30 s aim, so a busy test machine does not fail the run."""


def promised_accuracy(description: str) -> float:
    """The "at least N %" the description states."""
    match = re.search(r"at least (\d+) %", description)
    assert match, f"no promised accuracy in: {description}"
    return int(match.group(1)) / 100


@pytest.mark.parametrize(
    "name",
    [
        "digits_cnn",
        "digits_resnet",
        "lstm_parity",
        "transformer_copy",
        "swiglu_mlp",
        "pointer_sort",
    ],
)
def test_template_reaches_its_promised_test_accuracy(name: str) -> None:
    if name in NEEDS_SKLEARN:
        pytest.importorskip("sklearn")
    template = TEMPLATES.get(name)
    project = template.build()
    assert analyze(project.graph, project.shape_context()).ok
    start = time.perf_counter()
    trainer = Trainer(project.graph, load_dataset(project.dataset), project.training, QUIET)
    *_, last = trainer.run()
    elapsed = time.perf_counter() - start
    assert last.status == "finished", last.message
    _loss, accuracy = trainer.evaluate("test")
    assert accuracy is not None
    print(f"{name}: test accuracy {accuracy:.3f} in {elapsed:.1f} s")
    assert accuracy >= promised_accuracy(template.description)
    assert elapsed < BUDGET_S


def test_digits_cnn_is_the_promised_network() -> None:
    project = TEMPLATES.get("digits_cnn").build()
    kinds = [node.type for node in project.graph.nodes.values()]
    assert kinds == ["input", "conv2d", "relu", "maxpool2d", "flatten", "linear", "output"]
    assert project.shape_context().input_shape == (1, 8, 8)
    assert promised_accuracy(project.description) >= 0.95
