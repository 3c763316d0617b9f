"""The `--self-test` the packaging script runs on every frozen build, run here from the source."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudio import cli, resources

ROOT = Path(__file__).resolve().parent.parent
PANEL_PICTURES = {
    "loss-curves.png",
    "decision-boundary.png",
    "gradient-magnitudes.png",
    "weights.png",
    "learning-rate.png",
    "predictions.png",
    "histograms.png",
    "main-window.png",
}
"""Every panel that has something to draw for the self-test's tanh MLP; Dead units (no ReLU
layers) and Inside a node (no node chosen) say so in words instead."""
MAY_SAY_WHY = {"dead-units.png", "inside-a-node.png"}
"""Panels that draw a picture when their data has arrived, and otherwise say why not."""


def run_self_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1", **env)
    return subprocess.run(
        [sys.executable, "-m", "nnstudio", "--self-test", "--output", str(tmp_path / "png")],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_self_test_passes_and_draws_every_panel(tmp_path):
    result = run_self_test(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "self-test passed" in result.stdout
    assert "FAIL" not in result.stdout
    assert result.stdout.count("\nok   ") + result.stdout.startswith("ok   ") == 7, output
    pictures = {p.name for p in (tmp_path / "png").iterdir()}
    assert PANEL_PICTURES <= pictures <= PANEL_PICTURES | MAY_SAY_WHY
    assert all((tmp_path / "png" / name).stat().st_size > 2000 for name in PANEL_PICTURES)


def test_self_test_fails_with_the_reason_when_the_examples_are_missing(tmp_path):
    empty = tmp_path / "no-resources"
    empty.mkdir()
    result = run_self_test(tmp_path, **{resources.RESOURCES_ENV: str(empty)})
    assert result.returncode == 1
    assert "FAIL open a bundled example" in result.stdout
    assert "resources/examples/spiral.json is missing" in result.stdout


def test_image_check_rejects_blank_and_unchanged_pictures(qapp):
    from PySide6.QtGui import QColor, QImage, QPainter

    from nnstudio.ui.selftest_gui import image_problem

    blank = QImage(200, 120, QImage.Format.Format_ARGB32)
    blank.fill(QColor("white"))
    assert "single colour" in image_problem(blank, None)
    assert "empty picture" in image_problem(QImage(), None)
    drawn = blank.copy()
    painter = QPainter(drawn)
    painter.fillRect(10, 10, 60, 40, QColor("#0877bd"))
    painter.fillRect(100, 50, 30, 30, QColor("#f59322"))
    painter.end()
    assert image_problem(drawn, blank) is None
    assert "shows no data" in image_problem(drawn, drawn.copy())


def test_cli_hands_self_test_arguments_over(monkeypatch):
    import nnstudio.selftest

    seen = []
    monkeypatch.setattr(nnstudio.selftest, "main", lambda argv: seen.append(argv) or 7)
    assert cli.main(["--self-test", "--output", "pics"]) == 7
    assert seen == [["--output", "pics"]]


def _code(statements: list[ast.stmt]) -> list[str]:
    """The statements as source, docstrings left out."""
    return [
        ast.unparse(s)
        for s in statements
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]


def test_freeze_support_runs_first_in_the_frozen_entry_point():
    entry = ast.parse((ROOT / "packaging" / "entry.py").read_text())
    assert _code(entry.body)[:2] == ["import multiprocessing", "multiprocessing.freeze_support()"]
    module = ast.parse(Path(cli.__file__).read_text())
    main = next(f for f in module.body if isinstance(f, ast.FunctionDef) and f.name == "main")
    assert _code(main.body)[0] == "multiprocessing.freeze_support()"


def test_resources_are_found_in_the_bundle_when_frozen(monkeypatch, tmp_path):
    monkeypatch.delenv(resources.RESOURCES_ENV, raising=False)
    assert resources.resource_path("examples/spiral.json").is_file()
    assert len(resources.example_projects()) >= 3
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    (tmp_path / "resources" / "examples").mkdir(parents=True)
    (tmp_path / "resources" / "examples" / "a.json").write_text("{}")
    assert resources.resources_root() == tmp_path / "resources"
    assert resources.example_projects() == [tmp_path / "resources" / "examples" / "a.json"]
    with pytest.raises(resources.NNStudioError, match="missing in this bundle"):
        resources.resource_path("icons/nnstudio.png")


@pytest.mark.parametrize(("name", "count"), [("nnstudio.ico", 7), ("nnstudio.icns", 11)])
def test_app_icon_containers_hold_every_size(qapp, name, count):
    from PySide6.QtGui import QImageReader

    reader = QImageReader(str(ROOT / "resources" / "icons" / name))
    assert reader.canRead(), name
    assert reader.imageCount() == count
