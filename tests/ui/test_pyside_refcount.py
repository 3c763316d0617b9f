"""Regression guard for PySide6 6.12.0 on Python 3.11, which leaks references to None.

There, every void-returning Qt call drops one reference to None, and after a few hundred plot
updates the interpreter aborts with "none_dealloc". pyproject.toml excludes that release; this
test catches it (or a successor with the same bug) if it ever gets installed anyway.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg

FRAMES = 2000


def test_drawing_many_frames_does_not_drain_none_refcount(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    curve = widget.plot(pen="b")
    xs = np.linspace(0, 1, 200)
    widget.repaint()
    before = sys.getrefcount(None)
    for frame in range(FRAMES):
        curve.setData(xs, np.sin(xs * 10 + frame * 0.01))
        widget.repaint()
    after = sys.getrefcount(None)
    # Immortal None (3.12+) reports a huge constant; on 3.11 a leak shows as a fall.
    assert after >= before - 50, f"references to None fell by {before - after} over {FRAMES} frames"
