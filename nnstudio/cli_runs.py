"""`nnstudio train` and `nnstudio runs`: training runs and variants without a window."""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import TYPE_CHECKING

from nnstudio.core.run import Run, RunBook, freeze
from nnstudio.core.variants import describe_changes, expand, needs_fresh_weights, parse_axis

if TYPE_CHECKING:
    from nnstudio.training.snapshot import Snapshot


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _eta(seconds: float) -> str:
    """The session's time left, from its pace so far (evaluation included)."""
    if not math.isfinite(seconds) or seconds <= 0:
        return ""
    whole = round(seconds)
    return f"  ~{whole // 60}:{whole % 60:02d} left"


def _scores(snap: Snapshot, losses: list[float], scored: tuple[int, str] | None) -> str:
    """A progress line's numbers. A report that evaluated the network gives its train and
    validation scores. Between such reports (a big model gets one every few seconds, a short
    run maybe none but the first and the last), the line gives the mean batch loss since
    the last line and the latest validation scores with the step they were measured at, so
    a number never looks fresher than it is."""
    if snap.scored:
        return f"train loss {_fmt(snap.train_loss)}  " + (scored[1] if scored else "")
    finite = [v for v in losses if math.isfinite(v)]
    text = f"batch loss {_fmt(sum(finite) / len(finite) if finite else None)}"
    if scored is not None:
        text += f"  {scored[1]} (at step {scored[0]})"
    return text


def train_project(args: argparse.Namespace) -> int:
    from nnstudio.core.project_files import load_project, nnstudio_path_for, save_project
    from nnstudio.training import ProbeOptions
    from nnstudio.training.session import TrainingSession

    loaded = load_project(args.project)
    project = freeze(loaded.project)  # --epochs and --device change this run, not the file
    settings = project.training
    changes = {}
    if args.epochs is not None:
        changes["epochs"] = args.epochs
    if args.device is not None:
        changes["device"] = args.device
    if changes:
        settings = settings.replace(**changes)
        project.training = settings
    book: RunBook = loaded.runs
    # Reports come as often as in the window (so the thread tuner can time its windows
    # within a second); lines are printed every `--report-every` seconds.
    options = ProbeOptions(
        weights_every=0,
        boundary_every=0,
        predictions_every=0,
        views_every=0,  # the command line prints none of the views
    )
    if args.vary:
        axes = [parse_axis(project, text) for text in args.vary]
        variants = expand(project, axes)
        runs = [book.add(Run(v.project, changes=v.changes), make_current=False) for v in variants]
        for run in runs:
            run.variant_of = runs[0].id
        book.current = runs[0].id
        print(
            f"Training {len(runs)} variants of {args.project} "
            f"({', '.join(a.setting for a in axes)})."
        )
    else:
        current = book.current_run
        resume = current is not None and current.weights is not None and not args.fresh
        if resume and current is not None and not needs_fresh_weights(current.project, project):
            run = current
            run.project = freeze(project)
            start = "continuing from its saved weights"
        else:
            changes_from = current.project if current is not None else project
            run = book.add(Run(freeze(project), changes=describe_changes(changes_from, project)))
            start = "from fresh weights"
        runs = [run]
        print(f"Training {args.project} ({start}), run {run.label}.")
    import os

    import torch

    from nnstudio.training.thread_tuning import ThreadTuner

    cores = os.cpu_count() or 1
    tuner = (
        None
        if "OMP_NUM_THREADS" in os.environ
        else ThreadTuner([max(1, cores - 1), cores], torch.set_num_threads)
    )
    session = TrainingSession(runs, options, tuner=tuner)
    session.prepare()
    first = session.engines[0][0]
    print(
        f"{runs[0].project.dataset.name} on {first.device}: {first.n_train} training samples, "  # type: ignore[attr-defined]
        f"{settings['epochs']} epochs, {session.total_steps} steps each."
    )
    started = time.perf_counter()
    diverged = False
    printed: dict[str, float] = {}
    scores_of: dict[str, tuple[int, str]] = {}
    losses_of: dict[str, list[float]] = {}
    for reports in session.run():
        for run_id, snap in reports.items():
            run = next(r for r in runs if r.id == run_id)
            name = f"{run.label:<10} " if len(runs) > 1 else ""
            losses_of.setdefault(run_id, []).extend(snap.step_losses.tolist())
            if snap.scored:
                scores_of[run_id] = (
                    snap.step,
                    f"val loss {_fmt(snap.val_loss)}  val acc {_fmt(snap.val_accuracy, 3)}",
                )
            now = time.perf_counter()
            due = now - printed.get(run_id, started) >= args.report_every
            if snap.status == "running" and not due:
                continue
            printed[run_id] = now
            print(f"{name}epoch {snap.epoch:>5}/{snap.total_epochs}  step {snap.step:>7}  "
                  f"{_scores(snap, losses_of.pop(run_id, []), scores_of.get(run_id))}"
                  f"{_eta(snap.eta_seconds)}", flush=True)  # fmt: skip
            if snap.status == "diverged":
                diverged = True
                print(f"{name}{snap.message}", file=sys.stderr)
    session.adopt_final_weights()
    elapsed = time.perf_counter() - started
    threads = f" on {tuner.describe()}" if tuner is not None else ""
    print(f"Done in {elapsed:.1f} s{threads}.")
    for run in runs:
        trainer = session.trainer_of(run)
        if trainer is not None and run.status != "diverged":
            for split in ("train", "val", "test"):
                loss, acc = trainer.evaluate(split)
                run.scores[f"{split}_loss"] = loss
                if acc is not None:
                    run.scores[f"{split}_accuracy"] = acc
    if len(runs) > 1:
        print_table(runs)
    else:
        run = runs[0]
        for split in ("train", "val", "test"):
            loss = run.scores.get(f"{split}_loss")
            acc = run.scores.get(f"{split}_accuracy")
            print(f"{split:>5}: loss {_fmt(loss)}  accuracy {_fmt(acc, 3)}")
    if args.save:
        if diverged and len(runs) == 1 and runs[0].weights is None:
            print("Nothing was saved: the weights are no longer numbers.", file=sys.stderr)
            return 3
        target = nnstudio_path_for(loaded.path)
        save_project(target, loaded.project, book)
        if target != loaded.path:
            print(
                f"Saved the project with its runs to {target} ({loaded.path} is unchanged: "
                "plain JSON projects cannot hold weights)."
            )
        else:
            print(f"Saved the runs into {target}.")
    return 3 if diverged and len(runs) == 1 else 0


def print_table(runs: list[Run]) -> None:
    """One line per run: what differs, its best validation numbers, steps, time, status."""
    headers = ["run", "differs", "best val loss", "best val acc", "steps", "time", "status"]
    rows = []
    for run in runs:
        differs = ", ".join(f"{k} {v}" for k, v in run.changes.items()) or "—"
        status = run.status
        if status == "diverged":
            status = f"diverged ({run.message.split(' so ')[0].removeprefix('The loss became ')})"
        rows.append(
            [
                run.label,
                differs,
                _fmt(run.score("best_val_loss")),
                _fmt(run.score("best_val_accuracy"), 3),
                f"{run.steps_done:,}",
                f"{run.wall_time:.1f} s",
                status,
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def list_runs(args: argparse.Namespace) -> int:
    from nnstudio.core.project_files import load_project

    loaded = load_project(args.project)
    for note in loaded.notes:
        print(note, file=sys.stderr)
    book = loaded.runs
    if not book.runs:
        print(f"{args.project} holds no runs yet: train it first.")
        return 0
    print(f"{len(book.runs)} runs in {args.project} (current: {book.current}):")
    print_table(book.runs)
    return 0
