"""Every lesson's claim holds with its shipped settings and seed, on the numbers it prints
(`nnstudio lesson NAME`, as a teacher or CI runs it)."""

from __future__ import annotations

import re

import pytest

from nnstudio.cli import main as cli_main
from nnstudio.core.lessons import LESSONS
from nnstudio.core.lessons.spec import pct, sci
from nnstudio.core.run import Run


def printed_table(out: str) -> dict[str, dict[str, str]]:
    """The runs table `nnstudio lesson` prints: run name -> column -> text."""
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("run "))
    columns = re.split(r"\s{2,}", lines[head].strip())
    rows = {}
    for line in lines[head + 1 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = dict(zip(columns, cells, strict=True))
    return rows


def printed_verdict(out: str) -> str:
    """The check's message as printed, its wrapped lines joined again."""
    _head, _, message = out.partition("The claim held:\n")
    return " ".join(message.split())


def check_long_dependencies(table: dict[str, dict[str, str]], verdict: str) -> None:
    """The LSTM clearly learns and the plain RNN stays near a guess, on the printed figures."""
    lstm, rnn = float(table["LSTM"]["val acc"]), float(table["Plain RNN"]["val acc"])
    assert lstm >= 0.9 and rnn <= 0.4, (lstm, rnn)
    assert table["LSTM"]["steps"] == table["Plain RNN"]["steps"], "the same budget"
    assert f"for {pct(lstm)} of the validation" in verdict
    assert f"the plain RNN for {pct(rnn)}" in verdict


PRINTED_CHECKS = {"long_dependencies": check_long_dependencies}
"""Lessons whose printed figures are checked here as well as by the lesson itself."""


@pytest.mark.parametrize("name", [lesson.name for lesson in LESSONS])
def test_claim_holds_with_shipped_settings(name: str, capsys: pytest.CaptureFixture) -> None:
    lesson = LESSONS.get(name)
    assert cli_main(["lesson", name]) == 0
    out = capsys.readouterr().out
    table = printed_table(out)
    assert list(table) == [arm.name for arm in lesson.arms]
    assert all(row["status"] in ("finished", "diverged") for row in table.values())
    verdict = printed_verdict(out)
    assert verdict and any(ch.isdigit() for ch in verdict), out
    if name in PRINTED_CHECKS:
        PRINTED_CHECKS[name](table, verdict)


def test_every_lesson_is_complete() -> None:
    for lesson in LESSONS:
        assert lesson.text and lesson.steps and lesson.look_at, lesson.name
        variants = lesson.variants()
        assert len(variants) == len(lesson.arms) >= 2
        assert all(v.changes for v in variants), lesson.name


def test_a_failed_run_leaves_the_claim_unchecked() -> None:
    lesson = LESSONS.get("initialization")
    runs = [Run(v.project, id=f"r{i}") for i, v in enumerate(lesson.variants())]
    runs[0].status = "failed"
    for run in runs[1:]:
        run.status = "finished"
    verdict = lesson.judge(lesson.evidence(runs))
    assert not verdict.held and "Zeros failed" in verdict.message


def test_numbers_read_plainly() -> None:
    assert sci(1.2e-6) == "1.2·10⁻⁶"
    assert sci(0.6) == "0.6"
