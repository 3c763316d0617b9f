"""`python -m nnstudio` paints its first window without importing torch."""

from __future__ import annotations

import os
import subprocess
import sys

from nnstudio.ui.app import seconds_since_process_start


def test_first_paint_happens_before_torch_is_imported(isolated_settings):
    env = dict(
        os.environ,
        NNSTUDIO_EXIT_AFTER_PAINT="1",
        NNSTUDIO_SETTINGS_DIR=str(isolated_settings),
        QT_QPA_PLATFORM="offscreen",
    )
    result = subprocess.run(
        [sys.executable, "-m", "nnstudio", "resources/examples/spiral.json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode == 0, result.stderr
    line = next(s for s in result.stdout.splitlines() if s.startswith("first_paint_s="))
    fields = dict(part.split("=") for part in line.split())
    assert fields["torch_imported"] == "False"
    assert 0 < float(fields["first_paint_s"]) < 30


def test_process_age_is_measured():
    assert 0 < seconds_since_process_start() < 24 * 3600
