"""`nnstudio lessons` and `nnstudio lesson NAME`: listed, run, and judged by the exit status."""

from __future__ import annotations

from nnstudio.cli import main
from nnstudio.core.lessons import LESSONS


def test_lessons_lists_every_lesson(capsys) -> None:
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    for lesson in LESSONS:
        assert lesson.name in out and lesson.title in out


def test_a_lesson_prints_its_runs_and_exits_0_when_the_claim_held(capsys) -> None:
    assert main(["lesson", "initialization"]) == 0
    out = capsys.readouterr().out
    assert "Zeros" in out and "Xavier" in out and "He" in out
    assert "The claim held:" in out and "validation accuracy stayed at" in out


def test_an_unknown_lesson_is_refused_with_the_names(capsys) -> None:
    assert main(["lesson", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no lesson 'nope'" in err and "dead_relu" in err
