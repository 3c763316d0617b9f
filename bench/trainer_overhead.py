"""How close the instrumented trainer runs to a bare PyTorch loop.

Spiral data, a 2-8-8-1 tanh MLP, Adam, at batch 10 and at full batch. Three contenders train
the same number of steps from the same initial weights on the same batches:

* bare     a hand-written loop over an `nn.Sequential` (the ideal);
* graph    the same hand-written loop over the compiled `GraphModule` (the graph's cost alone);
* trainer  `Trainer.run()` with default `ProbeOptions` (time-based snapshots at up to 30 Hz,
           each with train/val metrics, gradient norms, weights every 10th, boundary every 3rd).

Rounds alternate the contenders (order reversed every other round) so a busy machine slows
them alike; the medians over rounds are compared. Target: trainer / bare >= 0.9.

    python bench/trainer_overhead.py [--rounds 7] [--steps 1500] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnstudio.core.datasets import Dataset, DatasetConfig, load_dataset
from nnstudio.core.settings import TrainingSettings
from nnstudio.core.templates import mlp
from nnstudio.training import ProbeOptions, Trainer

SEED = 0
LEARNING_RATE = 0.01


def make_trainer(dataset: Dataset, batch_size: int, epochs: int) -> Trainer:
    settings = TrainingSettings(
        {
            "optimizer": "adam",
            "learning_rate": LEARNING_RATE,
            "batch_size": batch_size,
            "epochs": epochs,
            "seed": SEED,
            "device": "cpu",
        }
    )
    return Trainer(mlp([8, 8], "tanh"), dataset, settings, ProbeOptions())


def sequential_copy(trainer: Trainer) -> nn.Sequential:
    """The trainer's network as a plain nn.Sequential with the same starting weights."""
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    ours = [m for m in net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for mine, (_nid, theirs) in zip(ours, trainer.model.parametric_layers(), strict=True):
            mine.weight.copy_(theirs.weight)
            mine.bias.copy_(theirs.bias)
    return net


def bare_loop(trainer: Trainer, model: nn.Module, steps: int) -> float:
    """Seconds for `steps` plain steps: same batches as the trainer (per-epoch randperm)."""
    x, y = trainer.x_train, trainer.y_train
    n, batch = trainer.n_train, trainer.batch_size
    per_epoch = trainer.steps_per_epoch
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(SEED)
    perm = torch.randperm(n, generator=generator)
    start = time.perf_counter()
    for step in range(steps):
        if batch == n:
            xb, yb = x, y
        else:
            pos = step % per_epoch
            if pos == 0 and step > 0:
                perm = torch.randperm(n, generator=generator)
            idx = perm[pos * batch : (pos + 1) * batch]
            xb, yb = x[idx], y[idx]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def trainer_run(trainer: Trainer) -> tuple[float, int]:
    """Seconds for the whole run, and how many snapshots it yielded."""
    start = time.perf_counter()
    count = 0
    for _snap in trainer.run():
        count += 1
    return time.perf_counter() - start, count


def measure(dataset: Dataset, batch_size: int, steps: int, rounds: int) -> dict[str, object]:
    probe = make_trainer(dataset, batch_size, 1)
    epochs = max(1, round(steps / probe.steps_per_epoch))
    total = probe.steps_per_epoch * epochs

    def run_bare() -> float:
        trainer = make_trainer(dataset, batch_size, epochs)
        return total / bare_loop(trainer, sequential_copy(trainer), total)

    def run_graph() -> float:
        trainer = make_trainer(dataset, batch_size, epochs)
        return total / bare_loop(trainer, trainer.model, total)

    snapshots: list[int] = []

    def run_trainer() -> float:
        trainer = make_trainer(dataset, batch_size, epochs)
        seconds, count = trainer_run(trainer)
        snapshots.append(count)
        return total / seconds

    contenders: dict[str, Callable[[], float]] = {
        "bare": run_bare,
        "graph": run_graph,
        "trainer": run_trainer,
    }
    for run in contenders.values():  # warm-up: first-call costs do not count
        run()
    snapshots.clear()
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for index in range(rounds):
        order = list(contenders) if index % 2 == 0 else list(reversed(contenders))
        for name in order:
            rates[name].append(contenders[name]())
    medians = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "steps": total,
        "rates": rates,
        "medians": medians,
        "snapshots": statistics.median(snapshots),
        "ratio": medians["trainer"] / medians["bare"],
        "graph_ratio": medians["graph"] / medians["bare"],
        "loop_ratio": medians["trainer"] / medians["graph"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--steps", type=int, default=1500, help="steps per run (default 1500)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads for all contenders; 0 keeps torch's default (default 1: "
        "these tensors are too small to gain from threads, and on a busy machine idle-spinning "
        "OpenMP threads make every timing erratic)",
    )
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    dataset = load_dataset(DatasetConfig("spiral"))
    print(
        f"trainer_overhead: spiral ({len(dataset.x_train)} training samples), 2-8-8-1 tanh, "
        f"Adam, default ProbeOptions; {args.rounds} interleaved rounds; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(
        f"{'case':<11}{'steps':>7}{'bare/s':>10}{'graph/s':>10}{'trainer/s':>11}"
        f"{'snaps':>7}{'trainer/bare':>14}{'graph/bare':>12}{'trainer/graph':>15}"
    )
    worst = float("inf")
    for label, batch_size in (("batch 10", 10), ("full batch", 0)):
        result = measure(dataset, batch_size, args.steps, args.rounds)
        med = result["medians"]
        worst = min(worst, result["ratio"])
        print(
            f"{label:<11}{result['steps']:>7}{med['bare']:>10.0f}{med['graph']:>10.0f}"
            f"{med['trainer']:>11.0f}{result['snapshots']:>7.0f}{result['ratio']:>13.2f}x"
            f"{result['graph_ratio']:>11.2f}x{result['loop_ratio']:>14.2f}x",
            flush=True,
        )
    print(f"target trainer/bare >= 0.90x: {'met' if worst >= 0.9 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
