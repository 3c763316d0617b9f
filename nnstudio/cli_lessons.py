"""`nnstudio lessons` and `nnstudio lesson NAME`: the lessons without a window.

A teacher can run a lesson before class, and CI runs every one: the exit status is 0 only when
the lesson's claim held on the numbers its runs produced.
"""

from __future__ import annotations

import argparse
import math
import textwrap

from nnstudio.core.errors import NNStudioError


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def list_lessons(_args: argparse.Namespace) -> int:
    from nnstudio.core.lessons import LESSONS

    lessons = list(LESSONS)
    width = max(len(lesson.name) for lesson in lessons)
    for lesson in lessons:
        print(f"{lesson.name.ljust(width)}  {lesson.title}")
    print(f"\nRun one with: nnstudio lesson NAME ({len(lessons)} lessons).")
    return 0


def run_one(args: argparse.Namespace) -> int:
    from nnstudio.core.lessons import LESSONS
    from nnstudio.training.lessons import run_lesson

    if args.name not in LESSONS:
        known = ", ".join(lesson.name for lesson in LESSONS)
        raise NNStudioError(f"There is no lesson {args.name!r}; the lessons are: {known}.")
    lesson = LESSONS.get(args.name)
    print(lesson.title)
    print(textwrap.fill(lesson.text, 90))
    print(f"\nTraining {len(lesson.arms)} runs side by side: "
          f"{', '.join(arm.name for arm in lesson.arms)}.", flush=True)  # fmt: skip
    result = run_lesson(lesson)
    print(f"Done in {result.seconds:.1f} s.\n")
    headers = ["run", "status", "train loss", "val loss", "val acc", "steps"]
    rows = []
    for arm in result.evidence.arms:
        run = arm.run
        rows.append([
            arm.arm.name, run.status, _fmt(arm.metric("train_loss")),
            _fmt(arm.metric("val_loss")), _fmt(arm.metric("val_accuracy"), 3),
            f"{run.steps_done:,}",
        ])  # fmt: skip
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    verdict = result.verdict
    print(f"\n{'The claim held' if verdict.held else 'The claim did not hold'}:")
    print(textwrap.fill(verdict.message, 90))
    return 0 if verdict.held else 1


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register both subcommands on the `nnstudio` parser."""
    lessons = sub.add_parser("lessons", help="list the built-in lessons")
    lessons.set_defaults(func=list_lessons)
    lesson = sub.add_parser(
        "lesson", help="run one lesson without a window; exit 0 only if its claim held"
    )
    lesson.add_argument("name", help="the lesson's name, as `nnstudio lessons` lists it")
    lesson.set_defaults(func=run_one)
