"""What the self-test's steps share: their limits, their state and how a check fails.

A module of its own, so the GUI steps (in `nnstudio.ui.selftest_gui`) and the headless
steps (`nnstudio.selftest`) use one definition without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLE = "examples/spiral.json"
CORE_EPOCHS = 4
LIVE_EPOCHS = 2
LIVE_TIMEOUT_S = 120.0
MIN_CHANGED_PIXELS = 0.002
"""A rendered panel must differ from an untouched one in at least this share of its pixels."""
PANEL_SIZE = (640, 420)


class CheckFailed(Exception):
    """A self-test check did not hold; the message says which and why."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class State:
    """What one step hands to the next."""

    workdir: Path
    output: Path | None
    project: Any = None
    snapshots: list[Any] = field(default_factory=list)
    weights: dict[str, Any] | None = None
    history: Any = None
    runs: Any = None
    reopened: Any = None
    app: Any = None
    dashboard: Any = None
    host: Any = None
