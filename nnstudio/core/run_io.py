"""Runs in a project file: `runs.json` for what they were, safetensors for kept weights.

The current run's weights stay in `weights.safetensors` (where format 2 kept them); pinned
runs' weights go to `runs.safetensors` under `<run id>/<key>`. A run stores only the
sections of its project that differ from the file's project, so fifty learning-rate variants
cost fifty small settings blocks, not fifty networks. Reading treats every field as
untrusted: any problem is a ProjectFileError naming it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from nnstudio.core.errors import NNStudioError, ProjectFileError
from nnstudio.core.history import MAX_SAVED_POINTS, History
from nnstudio.core.project import Project, project_from_dict, project_to_dict
from nnstudio.core.run import PALETTE, RUN_STATUSES, SCORE_NAMES, Run, RunBook

RUNS_VERSION = 1
MAX_RUNS = 500
OTHER_RUN_POINTS = 1000
"""Points per curve saved for runs other than the current one."""
MAX_TEXT = 2000
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_COUNT = 10**12
SECTIONS = ("graph", "dataset", "training")


# -- writing ------------------------------------------------------------------------------
def _differing_sections(base: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    return {key: doc[key] for key in SECTIONS if doc[key] != base[key]}


def runs_document(book: RunBook, project: Project) -> dict[str, Any]:
    """runs.json's content: every run with its differing sections and thinned curves."""
    base = project_to_dict(project)
    out = []
    for run in book.runs:
        points = MAX_SAVED_POINTS if run.id == book.current else OTHER_RUN_POINTS
        status = "stopped" if run.status in ("running", "paused") else run.status
        out.append(
            {
                "id": run.id,
                "label": run.label,
                "color": run.color,
                "changes": dict(run.changes),
                "status": status,
                "message": run.message,
                "steps_done": run.steps_done,
                "epochs_done": run.epochs_done,
                "total_steps": run.total_steps,
                "steps_per_epoch": run.steps_per_epoch,
                "plan_start": run.plan_start,
                "wall_time": round(run.wall_time, 3),
                "scores": {k: v for k, v in run.scores.items() if math.isfinite(v)},
                "pinned": run.pinned,
                "created": run.created,
                "variant_of": run.variant_of,
                "project": _differing_sections(base, project_to_dict(run.project)),
                "history": run.history.to_dict(points),
            }
        )
    return {
        "version": RUNS_VERSION,
        "current": book.current,
        "next_number": book.next_number,
        "runs": out,
    }


def kept_weights(book: RunBook) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(current run's weights, {"<id>/<key>": tensor} of pinned other runs)."""
    current = book.current_run
    others: dict[str, Any] = {}
    for run in book.runs:
        if run is current or not run.pinned or run.weights is None:
            continue
        for key, tensor in run.weights.items():
            others[f"{run.id}/{key}"] = tensor
    return (current.weights if current is not None else None), others


# -- reading ------------------------------------------------------------------------------
def _fail(why: str) -> ProjectFileError:
    return ProjectFileError(f"The saved runs are damaged: {why}")


def _text(item: dict[str, Any], key: str, default: str = "", limit: int = MAX_TEXT) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or len(value) > limit:
        raise _fail(f"'{key}' must be text of at most {limit} characters.")
    return value


def _count(item: dict[str, Any], key: str) -> int:
    value = item.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise _fail(f"'{key}' must be a whole number from 0 to {MAX_COUNT:,}.")
    return value


def _number(item: dict[str, Any], key: str) -> float:
    value = item.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(f"'{key}' must be a number.")
    try:
        value = float(value)
    except OverflowError:
        raise _fail(f"'{key}' is too large.") from None
    if not math.isfinite(value) or value < 0:
        raise _fail(f"'{key}' must be a finite number of at least 0.")
    return value


def _run_project(base: dict[str, Any], sections: Any) -> Project:
    if not isinstance(sections, dict) or set(sections) - set(SECTIONS):
        raise _fail("a run's 'project' must hold only graph, dataset and training sections.")
    doc = {**base, **sections}
    try:
        return project_from_dict(doc)
    except NNStudioError as exc:
        raise _fail(f"a run's project cannot be read ({exc})") from None


def _read_run(item: Any, base: dict[str, Any]) -> Run:
    if not isinstance(item, dict):
        raise _fail("a run is not an object.")
    run_id = item.get("id")
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        raise _fail("a run's id must be 1-32 letters, digits, '_' or '-'.")
    color = _text(item, "color", PALETTE[0], 7)
    if not COLOR.match(color):
        raise _fail(f"run {run_id}'s colour must look like #1f6fd1.")
    status = item.get("status", "finished")
    if status not in RUN_STATUSES:
        raise _fail(f"run {run_id} has the unknown status {status!r}.")
    changes = item.get("changes", {})
    if (
        not isinstance(changes, dict)
        or len(changes) > 64
        or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 200 and len(v) <= 200
            for k, v in changes.items()
        )
    ):
        raise _fail(f"run {run_id}'s 'changes' must map short texts to short texts.")
    scores = item.get("scores", {})
    if not isinstance(scores, dict) or not all(
        k in SCORE_NAMES
        and isinstance(v, (int, float))
        and not isinstance(v, bool)
        and math.isfinite(float(v))
        for k, v in scores.items()
    ):
        raise _fail(f"run {run_id}'s scores must be finite numbers with known names.")
    pinned = item.get("pinned", False)
    if not isinstance(pinned, bool):
        raise _fail(f"run {run_id}'s 'pinned' must be true or false.")
    try:
        history = History.from_dict(item.get("history", {"version": 1, "series": {}}))
    except ProjectFileError as exc:
        raise _fail(f"run {run_id}'s curves cannot be read ({exc})") from None
    run = Run(
        _run_project(base, item.get("project", {})),
        id=run_id,
        label=_text(item, "label", run_id, 200),
        color=color,
        changes=dict(changes),
        history=history,
        status=status,
        message=_text(item, "message"),
        steps_done=_count(item, "steps_done"),
        epochs_done=_count(item, "epochs_done"),
        total_steps=_count(item, "total_steps"),
        steps_per_epoch=_count(item, "steps_per_epoch"),
        plan_start=_count(item, "plan_start"),
        wall_time=_number(item, "wall_time"),
        scores={k: float(v) for k, v in scores.items()},
        pinned=pinned,
        created=_number(item, "created"),
        variant_of=_text(item, "variant_of", "", 32),
    )
    return run


def read_runs_document(data: Any, project: Project) -> RunBook:
    """A RunBook from runs.json's parsed content (untrusted)."""
    if not isinstance(data, dict):
        raise _fail("it is not a JSON object.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _fail("it has no whole-number 'version'.")
    if version > RUNS_VERSION:
        raise ProjectFileError(
            f"The saved runs are in version {version}, but this NN Studio reads up to "
            f"version {RUNS_VERSION}. Update NN Studio to see them."
        )
    items = data.get("runs")
    if not isinstance(items, list):
        raise _fail("'runs' must be a list.")
    if len(items) > MAX_RUNS:
        raise _fail(f"it holds {len(items):,} runs; at most {MAX_RUNS} are allowed.")
    base = project_to_dict(project)
    runs = [_read_run(item, base) for item in items]
    ids = [r.id for r in runs]
    if len(set(ids)) != len(ids):
        raise _fail("two runs share an id.")
    current = data.get("current")
    if current is not None and current not in ids:
        raise _fail("the current run is not among the runs.")
    next_number = data.get("next_number", len(runs) + 1)
    if not isinstance(next_number, int) or isinstance(next_number, bool):
        raise _fail("'next_number' must be a whole number.")
    next_number = min(max(next_number, 1), MAX_COUNT)
    return RunBook(runs, current, next_number)


def split_pinned_weights(tensors: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{"<id>/<key>": tensor} -> {id: {key: tensor}}."""
    out: dict[str, dict[str, Any]] = {}
    for name, tensor in tensors.items():
        run_id, sep, key = name.partition("/")
        if not sep or not RUN_ID.match(run_id) or not key:
            raise _fail(f"the kept weight {name[:80]!r} names no run.")
        out.setdefault(run_id, {})[key] = tensor
    return out


def single_run_book(project: Project, weights: Any, history: History | None) -> RunBook:
    """The book for a format-2 file: its one training, if it had any, as run r1."""
    book = RunBook()
    if weights is None and (history is None or not list(history)):
        return book
    history = history or History()
    run = Run(project_from_dict(project_to_dict(project)), history=history, weights=weights)
    run.steps_done = history.last_step
    run.status = "finished" if history.last_step else "new"
    book.add(run)
    return book
