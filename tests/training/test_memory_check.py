"""Memory is estimated from shapes and checked before the model or its data is allocated."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.memory import (
    OutOfMemoryError,
    estimate_training_memory,
    is_out_of_memory,
    memory_problem,
)
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import TEMPLATES, mlp
from nnstudio.training import Trainer, memory_check

XOR = DatasetConfig("xor", {"n_samples": 50})


def test_the_estimate_adds_weights_gradients_optimizer_and_activations() -> None:
    graph = mlp([1000, 1000], "relu")
    project = TEMPLATES.get("xor_mlp").build()
    ctx = project.shape_context()
    adam = estimate_training_memory(graph, ctx, "adam", 100, 30)
    sgd = estimate_training_memory(graph, ctx, "sgd", 100, 30)
    params = 2 * 1000 + 1000 + 1000 * 1000 + 1000 + 1000 * ctx.target_dim + ctx.target_dim
    assert adam.weights == pytest.approx(4 * params, rel=0.01)
    assert adam.gradients == adam.weights
    assert adam.optimizer == 2 * adam.weights and sgd.optimizer == adam.weights
    assert adam.batch_activations > 0
    bigger = estimate_training_memory(graph, ctx, "adam", 1000, 30)
    assert bigger.batch_activations == 10 * adam.batch_activations  # linear in the batch


def test_attention_counts_its_score_matrix() -> None:
    project = TEMPLATES.get("transformer_copy").build()
    ctx = project.shape_context()
    est = estimate_training_memory(project.graph, ctx, "adam", 64, 64)
    length = ctx.input_shape[0]
    assert est.batch_activations >= 64 * 2 * length * length * 4


def test_too_much_is_refused_with_figures_and_a_suggestion() -> None:
    graph = mlp([4000, 4000], "relu")
    ctx = TEMPLATES.get("xor_mlp").build().shape_context()
    est = estimate_training_memory(graph, ctx, "adam", 1_000_000, 10)
    problem = memory_problem(est, 512 * 1024**2, graph)
    assert problem is not None
    assert "GB" in problem and "free" in problem and "smaller batch size" in problem
    assert memory_problem(est, 10**15, graph) is None


def test_the_trainer_refuses_before_compiling(monkeypatch) -> None:
    monkeypatch.setattr(memory_check, "available_memory", lambda device=None: 64 * 1024**2)
    compiled = []
    import nnstudio.training.trainer as trainer_module

    original = trainer_module.compile_graph
    monkeypatch.setattr(
        trainer_module, "compile_graph", lambda *a, **k: compiled.append(1) or original(*a, **k)
    )
    with pytest.raises(OutOfMemoryError, match="would need about"):
        Trainer(
            mlp([6000, 6000], "relu"),
            load_dataset(XOR),
            TrainingSettings({"batch_size": 10, "epochs": 1}),
        )
    assert compiled == []


def test_a_normal_run_is_not_refused() -> None:
    trainer = Trainer(mlp([8], "tanh"), load_dataset(XOR), TrainingSettings({"epochs": 1}))
    assert trainer.model is not None


def test_allocator_failures_are_recognised_as_out_of_memory() -> None:
    try:
        torch.empty(2**62, dtype=torch.uint8)
    except RuntimeError as exc:
        assert is_out_of_memory(exc)
    assert is_out_of_memory(MemoryError())
    assert not is_out_of_memory(KeyError("forward"))


def test_the_window_says_out_of_memory_never_unexpected() -> None:
    pytest.importorskip("PySide6")
    from nnstudio.ui.training.worker import explain_failure

    error = RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't "
                         "allocate memory: you tried to allocate 800000000000 bytes.")  # fmt: skip
    message = explain_failure(error)
    assert "out of memory" in message and "unexpected" not in message


def test_stacked_variants_need_that_many_times_the_memory() -> None:
    graph = mlp([100], "relu")
    ctx = TEMPLATES.get("xor_mlp").build().shape_context()
    one = estimate_training_memory(graph, ctx, "adam", 10, 30)
    three = one.times(3)
    assert three.weights == 3 * one.weights
    assert three.batch_activations == 3 * one.batch_activations
    assert three.total > one.total
