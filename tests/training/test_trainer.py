"""The trainer: seeded, obedient to its control, honest about divergence, sampled probes."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from nnstudio.core.datasets import DatasetConfig, load_dataset
from nnstudio.core.errors import DeviceError
from nnstudio.core.graph import Graph
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import mlp
from nnstudio.training import ProbeOptions, Snapshot, Trainer, TrainingControl, probes

XOR = DatasetConfig("xor", {"n_samples": 50})  # 30 training samples
PLANE = DatasetConfig("plane", {"n_samples": 50})
TIMEOUT = 30.0


def make_trainer(
    options: ProbeOptions | None = None,
    dataset: DatasetConfig = XOR,
    graph: Graph | None = None,
    **values: Any,
) -> Trainer:
    settings = {"batch_size": 10, "epochs": 10, "learning_rate": 0.05, "seed": 3, **values}
    return Trainer(
        graph or mlp([8, 8], "tanh"),
        load_dataset(dataset),
        TrainingSettings(settings),
        options or ProbeOptions(snapshot_every_steps=1),
    )


def trajectory(snaps: list[Snapshot]) -> np.ndarray:
    """Every step's batch loss, in order, from all snapshots together."""
    return np.concatenate([s.step_losses for s in snaps])


def run_all(trainer: Trainer) -> list[Snapshot]:
    return list(trainer.run())


# -- seeding and settings --------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_same_seed_same_trajectory(optimizer: str) -> None:
    first = trajectory(run_all(make_trainer(optimizer=optimizer)))
    torch.manual_seed(999)  # global torch state must not leak in
    second = trajectory(run_all(make_trainer(optimizer=optimizer)))
    assert len(first) == 30 and np.isfinite(first).all()
    np.testing.assert_array_equal(first, second)
    other = trajectory(run_all(make_trainer(optimizer=optimizer, seed=4)))
    assert not np.array_equal(first, other)


def test_every_step_reported_once_with_time_based_snapshots() -> None:
    trainer = make_trainer(ProbeOptions(), epochs=30)  # default: at most 30 snapshots/s
    snaps = run_all(trainer)
    assert len(trajectory(snaps)) == trainer.total_steps == 90
    assert snaps[-1].status == "finished" and snaps[-1].step == 90
    assert snaps[-1].epoch == 30 and snaps[-1].epoch_fraction == 1.0
    assert [s.step for s in snaps] == sorted({s.step for s in snaps})


def test_last_step_report_is_the_final_snapshot() -> None:
    snaps = run_all(make_trainer(ProbeOptions(snapshot_every_steps=5, weights_every=100), epochs=5))
    assert [(s.step, s.status) for s in snaps] == [
        (5, "running"),
        (10, "running"),
        (15, "finished"),
    ]
    assert len(snaps[-1].step_losses) == 5 and np.isfinite(snaps[-1].batch_loss)
    assert snaps[-1].weights is not None and snaps[-1].grad_norms


def test_loss_goes_down_and_metrics_are_reported() -> None:
    snaps = run_all(make_trainer(epochs=60, learning_rate=0.05))
    first, last = snaps[0], snaps[-1]
    assert last.train_loss < first.train_loss
    assert 0.0 <= last.train_accuracy <= 1.0 and 0.0 <= last.val_accuracy <= 1.0
    assert last.learning_rate == pytest.approx(0.05)
    assert last.total_steps == 180
    assert last.batch_loss == pytest.approx(float(last.step_losses.mean()))


@pytest.mark.parametrize(("batch_size", "steps_per_epoch"), [(1, 30), (0, 1), (7, 5), (10_000, 1)])
def test_batch_sizes_from_one_to_full(batch_size: int, steps_per_epoch: int) -> None:
    trainer = make_trainer(batch_size=batch_size, epochs=2)
    assert trainer.steps_per_epoch == steps_per_epoch
    snaps = run_all(trainer)
    losses = trajectory(snaps)
    assert len(losses) == 2 * steps_per_epoch and np.isfinite(losses).all()
    assert snaps[-1].status == "finished"


def test_full_batch_uses_every_sample_each_step() -> None:
    trainer = make_trainer(batch_size=0, epochs=1)
    with torch.no_grad():
        expected = trainer.loss_fn(trainer.model(trainer.x_train), trainer.y_train).item()
    [loss] = trajectory(run_all(trainer))
    assert loss == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("change", [{"l1": 0.01}, {"l2": 0.01}, {"clip_norm": 0.01}])
def test_regularization_and_clipping_change_the_trajectory(change: dict[str, float]) -> None:
    base = trajectory(run_all(make_trainer()))
    changed = trajectory(run_all(make_trainer(**change)))
    assert base[0] == changed[0]  # the first batch loss is measured before any update
    assert not np.allclose(base[1:], changed[1:], rtol=1e-5, atol=0)


def test_penalties_shrink_weights() -> None:
    def weight_size(trainer: Trainer) -> float:
        return sum(float(p.detach().abs().sum()) for p in trainer.penalized)

    base, l2 = make_trainer(epochs=20), make_trainer(epochs=20, l2=0.05)
    run_all(base), run_all(l2)
    assert weight_size(l2) < weight_size(base)


def test_initial_state_is_loaded() -> None:
    first = make_trainer()
    run_all(first)
    state = {k: v.clone() for k, v in first.model.state_dict().items()}
    second = Trainer(mlp([8, 8], "tanh"), load_dataset(XOR), first.settings, initial_state=state)
    for key, value in second.model.state_dict().items():
        assert torch.equal(value, state[key])


def test_missing_cuda_is_a_device_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(DeviceError, match="CUDA was asked for, but this torch sees no CUDA GPU"):
        make_trainer(device="cuda")
    with pytest.raises(DeviceError, match="Unknown device 'tpu'"):
        make_trainer(device="tpu")


# -- divergence -------------------------------------------------------------------------------


@pytest.mark.parametrize("every", [1, 0])
def test_nan_ends_the_run_with_a_diverged_snapshot(every: int) -> None:
    trainer = make_trainer(
        ProbeOptions(snapshot_every_steps=every),
        dataset=PLANE,
        graph=mlp([8, 8], "tanh", task="regression", loss="mse"),
        optimizer="sgd",
        learning_rate=10.0,
        init_scale=10.0,
        epochs=50 if every else 10_000,  # time-based: long enough to outlast a snapshot interval
    )
    snaps = run_all(trainer)  # no exception
    last = snaps[-1]
    assert last.status == "diverged"
    assert all(s.status == "running" for s in snaps[:-1])
    losses = trajectory(snaps)
    first_bad = int(np.flatnonzero(~np.isfinite(losses))[0]) + 1
    assert np.isfinite(losses[: first_bad - 1]).all()
    assert f"at step {first_bad} " in last.message
    assert "lower the learning rate" in last.message
    assert last.step < trainer.total_steps
    if every == 1:
        assert last.step == first_bad


class PauseAfter(TrainingControl):
    """A control that pauses by itself after `n` steps, as a person might click Pause."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.remaining = n

    def may_step(self) -> bool:
        if self.remaining == 0:
            self.pause()
        self.remaining -= 1
        return super().may_step()


def test_divergence_seen_at_a_pause_still_ends_the_run() -> None:
    trainer = make_trainer(
        ProbeOptions(snapshot_every_steps=1000),
        dataset=PLANE,
        graph=mlp([8, 8], "tanh", task="regression", loss="mse"),
        optimizer="sgd",
        learning_rate=10.0,
        init_scale=10.0,
        epochs=50,
    )
    control = PauseAfter(40)
    gen = trainer.run(control)
    snap = next(gen)
    assert snap.status == "diverged" and snap.step == 40
    control.resume()
    assert list(gen) == []


# -- control: pause, step, resume, stop ---------------------------------------------------------


def test_control_without_threads() -> None:
    trainer = make_trainer(ProbeOptions(min_interval_s=1e9), epochs=1000)
    control = TrainingControl()
    control.pause()
    gen = trainer.run(control)
    snap = next(gen)
    assert (snap.status, snap.step) == ("paused", 0)
    for expected in (1, 2, 3):
        control.step()
        snap = next(gen)
        assert (snap.status, snap.step, len(snap.step_losses)) == ("paused", expected, 1)
        assert trainer.step_count == expected
        assert snap.grad_norms  # a single step is always a snapshot step
    control.resume()
    control.stop()
    snap = next(gen)
    assert snap.status == "stopped" and snap.step == 3
    with pytest.raises(StopIteration):
        next(gen)


def test_stop_before_start_trains_nothing() -> None:
    trainer = make_trainer()
    control = TrainingControl()
    control.stop()
    snaps = list(trainer.run(control))
    assert [(s.status, s.step) for s in snaps] == [("stopped", 0)]


class Driver:
    """Runs the trainer on a thread and hands its snapshots over through a queue."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.control = TrainingControl()
        self.snaps: queue.Queue[Snapshot] = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            for snap in self.trainer.run(self.control):
                self.snaps.put(snap)
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    def __enter__(self) -> Driver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.control.stop()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()
        assert self.error is None, self.error

    def until(self, status: str) -> Snapshot:
        deadline = time.monotonic() + TIMEOUT
        while True:
            snap = self.snaps.get(timeout=max(0.0, deadline - time.monotonic()))
            if snap.status == status:
                return snap

    def stream(self) -> Iterator[Snapshot]:
        while not self.snaps.empty():
            yield self.snaps.get_nowait()


def test_control_from_another_thread() -> None:
    trainer = make_trainer(ProbeOptions(), epochs=1_000_000)
    with Driver(trainer) as driver:
        driver.until("running")
        driver.control.pause()
        requested_at = trainer.step_count
        paused = driver.until("paused")
        assert paused.step <= requested_at + 1  # honoured within one step
        assert trainer.step_count == paused.step
        # While paused, nothing moves (an idle wait, not a spin that trains).
        time.sleep(0.3)
        assert trainer.step_count == paused.step
        assert list(driver.stream()) == []

        driver.control.step()
        stepped = driver.until("paused")
        assert stepped.step == paused.step + 1 and len(stepped.step_losses) == 1
        time.sleep(0.1)
        assert trainer.step_count == stepped.step

        driver.control.resume()
        running = driver.until("running")
        assert running.step > stepped.step
        driver.control.stop()
        stopped = driver.until("stopped")
        driver.thread.join(TIMEOUT)
        assert not driver.thread.is_alive()
        assert stopped.step == trainer.step_count
        assert list(driver.stream()) == []  # nothing after "stopped"


def test_stop_while_paused_from_another_thread() -> None:
    trainer = make_trainer(ProbeOptions(), epochs=1_000_000)
    with Driver(trainer) as driver:
        driver.control.pause()
        paused = driver.until("paused")
        driver.control.stop()
        stopped = driver.until("stopped")
        assert stopped.step == paused.step


# -- probes and cadence -------------------------------------------------------------------------


def _due(index: int, every: int, final: bool) -> bool:
    """Whether the index-th snapshot (1-based) carries a probe attached every `every`."""
    return every > 0 and (final or (index - 1) % every == 0)


@pytest.mark.parametrize(("weights_every", "boundary_every"), [(3, 2), (1, 1), (0, 0), (5, 0)])
def test_snapshot_cadence_and_attachments(weights_every: int, boundary_every: int) -> None:
    options = ProbeOptions(
        snapshot_every_steps=4,
        weights_every=weights_every,
        boundary_every=boundary_every,
        boundary_resolution=16,
    )
    trainer = make_trainer(options, epochs=14)  # 3 steps per epoch: 42 steps
    snaps = run_all(trainer)
    assert [s.step for s in snaps] == [*range(4, 41, 4), 42]
    assert [len(s.step_losses) for s in snaps] == [4] * 10 + [2]
    assert [s.status for s in snaps] == ["running"] * 10 + ["finished"]
    layer_ids = [nid for nid, _m in trainer.model.parametric_layers()]
    bounds = trainer.dataset.bounds()
    for index, snap in enumerate(snaps, start=1):
        final = snap.status == "finished"
        if _due(index, weights_every, final):
            assert snap.weights is not None and list(snap.weights) == layer_ids
        else:
            assert snap.weights is None, index
        if _due(index, boundary_every, final):
            assert snap.boundary is not None, index
            assert snap.boundary.values.shape == (16, 16)
            assert snap.boundary.extent == pytest.approx(bounds)
        else:
            assert snap.boundary is None, index


def test_weights_are_copies_of_the_current_weights() -> None:
    trainer = make_trainer(ProbeOptions(snapshot_every_steps=5, weights_every=1), epochs=4)
    snaps = run_all(trainer)
    final = snaps[-1].weights
    for node_id, module in trainer.model.parametric_layers():
        np.testing.assert_array_equal(final[node_id], module.weight.detach().numpy())
    # Training went on after the first snapshot, and its copy did not follow along.
    first_id = next(iter(final))
    assert not np.array_equal(snaps[0].weights[first_id], final[first_id])


def test_boundary_is_the_model_output_on_the_grid() -> None:
    res = 8
    options = ProbeOptions(snapshot_every_steps=5, boundary_every=1, boundary_resolution=res)
    trainer = make_trainer(options, epochs=4)
    boundary = run_all(trainer)[-1].boundary
    xmin, xmax, ymin, ymax = boundary.extent
    xs, ys = np.linspace(xmin, xmax, res), np.linspace(ymin, ymax, res)
    row, col = 2, 6  # row i is y, column j is x
    point = torch.tensor([[xs[col], ys[row]]], dtype=torch.float32)
    with torch.no_grad():
        expected = torch.sigmoid(trainer.model(point))[0, 0].item()
    assert boundary.values[row, col] == pytest.approx(expected, abs=1e-5)
    assert ((boundary.values >= 0) & (boundary.values <= 1)).all()


def test_regression_boundary_is_the_prediction() -> None:
    trainer = make_trainer(
        ProbeOptions(snapshot_every_steps=5, boundary_every=1, boundary_resolution=8),
        dataset=PLANE,
        graph=mlp([8], "tanh", task="regression", loss="mse"),
        epochs=2,
    )
    boundary = run_all(trainer)[-1].boundary
    xmin, _xmax, ymin, _ymax = boundary.extent
    with torch.no_grad():
        corner = trainer.model(torch.tensor([[xmin, ymin]], dtype=torch.float32))[0, 0].item()
    assert boundary.values[0, 0] == pytest.approx(corner, abs=1e-5)
    last = run_all(make_trainer(dataset=PLANE, graph=mlp([8], "tanh", "regression", "mse")))[-1]
    assert last.train_accuracy is None and np.isfinite(last.train_loss)


@pytest.fixture
def grad_norm_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = probes.grad_norms

    def counting(layers):
        calls.append(1)
        return real(layers)

    monkeypatch.setattr(probes, "grad_norms", counting)
    return calls


def test_grad_norms_only_on_snapshot_steps(grad_norm_calls: list[int]) -> None:
    trainer = make_trainer(ProbeOptions(snapshot_every_steps=5), epochs=20)  # 60 steps
    snaps = run_all(trainer)
    assert [s.step for s in snaps] == list(range(5, 61, 5))
    assert [s.status for s in snaps] == ["running"] * 11 + ["finished"]
    assert len(grad_norm_calls) == 12
    layer_ids = [nid for nid, _m in trainer.model.parametric_layers()]
    for snap in snaps:
        assert list(snap.grad_norms) == layer_ids
        assert all(np.isfinite(v) and v > 0 for v in snap.grad_norms.values())


def test_grad_norms_can_be_turned_off(grad_norm_calls: list[int]) -> None:
    snaps = run_all(make_trainer(ProbeOptions(snapshot_every_steps=1, grad_norms=False)))
    assert grad_norm_calls == [] and all(s.grad_norms == {} for s in snaps)


def test_time_based_cadence_extremes() -> None:
    rare = run_all(make_trainer(ProbeOptions(min_interval_s=1e9), epochs=5))
    assert [(s.status, s.step, len(s.step_losses)) for s in rare] == [("finished", 15, 15)]
    dense = run_all(make_trainer(ProbeOptions(min_interval_s=0.0, probe_share=1.0), epochs=5))
    assert [s.step for s in dense] == list(range(1, 16))
    assert [len(s.step_losses) for s in dense] == [1] * 15
    assert dense[-1].status == "finished"


def test_evaluate_scores_each_split() -> None:
    trainer = make_trainer(epochs=30)
    run_all(trainer)
    for split in ("train", "val", "test"):
        loss, accuracy = trainer.evaluate(split)
        assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    assert trainer.model.training  # evaluation leaves the model in training mode
