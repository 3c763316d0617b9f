"""Running a lesson without a window: train its arms as variants, then check its claim.

The CLI, the tests and CI use this; the GUI trains the same variants through its controller
and feeds the same Evidence from its reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from nnstudio.core.lessons import Evidence, Lesson, Verdict
from nnstudio.core.run import Run
from nnstudio.training.session import Reports, TrainingSession
from nnstudio.training.trainer import ProbeOptions

LESSON_PROBES = ProbeOptions(
    snapshot_every_steps=10,
    weights_every=1_000_000,  # the first and the final report carry weights
    boundary_every=0,
    predictions_every=0,
    views_every=2,
    eval_max_samples=512,
)
"""A fixed report cadence, so a lesson prints the same numbers on every machine."""


@dataclass
class LessonResult:
    runs: list[Run]
    evidence: Evidence
    verdict: Verdict
    seconds: float


def run_lesson(
    lesson: Lesson,
    options: ProbeOptions | None = None,
    on_reports: Callable[[Reports], None] | None = None,
) -> LessonResult:
    """Train every arm of `lesson` together and judge the claim on what they did."""
    runs = []
    for i, variant in enumerate(lesson.variants()):
        run = Run(variant.project, id=f"{lesson.name}-{i + 1}", label=lesson.arms[i].name)
        run.changes = variant.changes
        runs.append(run)
    for run in runs:
        run.variant_of = runs[0].id
    evidence = lesson.evidence(runs)
    session = TrainingSession(runs, options or LESSON_PROBES)
    started = time.perf_counter()
    for reports in session.run():
        evidence.observe(reports)
        if on_reports is not None:
            on_reports(reports)
    session.adopt_final_weights()
    seconds = time.perf_counter() - started
    return LessonResult(runs, evidence, lesson.judge(evidence), seconds)
