"""What a lesson is: a claim from the textbook, the comparison that shows it, and a check.

A lesson is declared once, here in the core, and read by the headless `nnstudio lesson`
command, the Lessons browser and the tests alike. Its comparison is a base project and a few
arms (each a handful of settings, or another network); all arms train together as variants.
When they end, the lesson's check reads the runs' own numbers (curves, scores, and what the
probes measured on snapshot steps) and says whether the claim held, with the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.core.graph import Graph
from nnstudio.core.project import Project
from nnstudio.core.registry import Registry
from nnstudio.core.run import Run
from nnstudio.core.variants import Variant, describe_changes, variant_from


@dataclass(frozen=True)
class Arm:
    """One side of a comparison: a name, the settings it changes, or a network of its own."""

    name: str
    settings: Mapping[str, str] = field(default_factory=dict)
    """Setting name -> value text, as a variant axis takes it (`activation` swaps them all)."""
    network: Callable[[], Graph] | None = None
    """A different network for this arm; None keeps the base project's."""


@dataclass
class Verdict:
    held: bool
    message: str


@dataclass
class ArmEvidence:
    """What one arm's run showed: its Run (curves, scores, status) plus probe readings."""

    arm: Arm
    run: Run
    first_grads: dict[str, float] = field(default_factory=dict)
    """Node id -> gradient norm at the first report that had them (close to the start)."""
    last_grads: dict[str, float] = field(default_factory=dict)
    dead: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    """ReLU-family node id -> (step, share of dead units), over time."""
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    """Node id -> the newest weight copy a report carried."""

    def observe(self, report: Any) -> None:
        """Take a snapshot's probe readings (read by attribute: the core knows no trainer)."""
        grads = getattr(report, "grad_norms", None) or {}
        if grads:
            if not self.first_grads:
                self.first_grads = dict(grads)
            self.last_grads = dict(grads)
        for node_id, share in (getattr(report, "dead_units", None) or {}).items():
            self.dead.setdefault(node_id, []).append((int(report.step), float(share)))
        weights = getattr(report, "weights", None)
        if weights:
            self.weights = dict(weights)

    # -- reading ----------------------------------------------------------------------------
    def metric(self, name: str) -> float:
        """The newest value of a curve (nan if none)."""
        series = self.run.history.get(name)
        last = series.last if series is not None else None
        return float("nan") if last is None else float(last[1])

    def best(self, name: str, lowest: bool = True) -> float:
        series = self.run.history.get(name)
        if series is None or not len(series):
            return float("nan")
        values = [v for v in series.points()[1] if math.isfinite(v)]
        if not values:
            return float("nan")
        return min(values) if lowest else max(values)

    def final_dead(self, node_id: str) -> float:
        points = self.dead.get(node_id)
        return points[-1][1] if points else float("nan")

    @property
    def diverged(self) -> bool:
        return self.run.status == "diverged"

    def layers(self, kind: str) -> list[str]:
        """Node ids of one layer type, input to output, in this arm's network."""
        graph = self.run.project.graph
        return [n for n in graph.topological_order() if graph.node(n).type == kind]


@dataclass
class Evidence:
    """Every arm's evidence, in the lesson's order."""

    arms: list[ArmEvidence]

    def __getitem__(self, name: str) -> ArmEvidence:
        return next(a for a in self.arms if a.arm.name == name)

    def observe(self, reports: Mapping[str, Any]) -> None:
        """Take one turn's reports (run id -> snapshot)."""
        for arm in self.arms:
            report = reports.get(arm.run.id)
            if report is not None:
                arm.observe(report)


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    text: str
    """What the lesson shows, in plain words."""
    steps: tuple[str, ...]
    look_at: str
    """Which panel (and which part of it) shows the claim."""
    base: Callable[[], Project]
    arms: tuple[Arm, ...]
    check: Callable[[Evidence], Verdict]
    panels: tuple[str, ...] = ()
    """Dashboard panels worth showing for this lesson."""

    def project(self) -> Project:
        project = self.base()
        project.title = project.title or self.title
        return project

    def variants(self) -> list[Variant]:
        """Each arm as a variant of the base project, ready to train side by side."""
        base = self.project()
        out = []
        for arm in self.arms:
            start = base
            if arm.network is not None:
                start = Project(arm.network(), base.dataset, base.training, base.title)
            variant = variant_from(start, dict(arm.settings))
            changes = describe_changes(base, variant.project)
            if arm.network is not None:
                changes["Network"] = arm.name
            variant.changes = changes or {"Arm": arm.name}
            out.append(variant)
        return out

    def evidence(self, runs: list[Run]) -> Evidence:
        """Fresh evidence for runs made from `variants()`, in the same order."""
        return Evidence([ArmEvidence(arm, run) for arm, run in zip(self.arms, runs, strict=True)])

    def judge(self, evidence: Evidence) -> Verdict:
        """Run the check; a run that failed to train makes the claim unchecked, not a crash."""
        failed = [a.arm.name for a in evidence.arms if a.run.status == "failed"]
        if failed:
            return Verdict(False, f"Not checked: {', '.join(failed)} failed to train.")
        unfinished = [a.arm.name for a in evidence.arms if a.run.status in ("stopped", "running")]
        if unfinished:
            return Verdict(False, f"Not checked: {', '.join(unfinished)} did not train to the end.")
        return self.check(evidence)


LESSONS: Registry[Lesson] = Registry("lesson")


def pct(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{100 * value:.0f} %"


def sci(value: float) -> str:
    """A number for a message: plain when moderate, as a·10^n when tiny or huge."""
    if not math.isfinite(value):
        return str(value)
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    digits = str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{mantissa:.1f}·10{digits}"
