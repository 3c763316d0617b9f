"""House rules that a test keeps: a Qt-free core, a torch-free GUI start, a clean lint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT_FREE = ("nnstudio.core", "nnstudio.training", "nnstudio.export")
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")


def run_python(code: str) -> str:
    """Run `code` in a fresh interpreter at the repository root; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


WALK_AND_REPORT = """
import importlib, json, pkgutil, sys
imported = []
for package_name in {packages!r}:
    package = importlib.import_module(package_name)
    imported.append(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
loaded = sorted({{name.split(".")[0] for name in sys.modules}})
print(json.dumps({{"imported": imported, "loaded": loaded}}))
"""


def test_core_and_training_never_import_qt() -> None:
    report = json.loads(run_python(WALK_AND_REPORT.format(packages=QT_FREE)))
    # The walk really covered the packages (so an empty walk cannot pass).
    assert "nnstudio.core.graph" in report["imported"]
    assert "nnstudio.training.trainer" in report["imported"]
    assert "torch" in report["loaded"]
    leaked = sorted(set(report["loaded"]) & set(QT_MODULES))
    assert leaked == [], f"Qt-free packages imported {leaked}"


QT_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(?:" + "|".join(QT_MODULES) + r")\b|importlib\.import_module\(\s*"
    r"['\"](?:" + "|".join(QT_MODULES) + r")",
    re.MULTILINE,
)


def test_no_qt_import_statements_in_qt_free_sources() -> None:
    sources = [
        path for package in QT_FREE for path in (ROOT / package.replace(".", "/")).rglob("*.py")
    ]
    assert len(sources) > 10
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in sources
        for match in QT_IMPORT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_qt_import_pattern_catches_the_forms_it_should() -> None:
    for line in ("from PySide6.QtCore import Qt", "import pyqtgraph as pg", "    import shiboken6"):
        assert QT_IMPORT.search(line), line
    assert not QT_IMPORT.search("# the GUI uses PySide6 for this")


# The modules the GUI imports before its first window shows: they must not drag in torch.
TORCH_FREE = (
    "nnstudio.core.layers",
    "nnstudio.core.project",
    "nnstudio.core.graph",
    "nnstudio.core.validation",
    "nnstudio.core.settings",
    "nnstudio.core.templates",
)


@pytest.mark.parametrize("module", TORCH_FREE)
def test_gui_start_modules_do_not_import_torch(module: str) -> None:
    code = f"import sys, {module}; print('torch' in sys.modules)"
    assert run_python(code).strip() == "False"


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [ruff, "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers_hold() -> None:
    """The import-linter contracts in pyproject.toml: core below training below ui, Qt only
    in the GUI, no import circles."""
    exe = shutil.which("lint-imports")
    assert exe is not None, "install the dev extras: import-linter provides lint-imports"
    result = subprocess.run(
        [exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
