"""Cheap checks on a history.json's raw bytes, before the JSON parser builds millions of floats.

Parsing 15 million points takes seconds and hundreds of megabytes before `History.from_dict`
can count them. Every value in a JSON list but the last is followed by a comma, so counting
commas (a C-speed scan of the bytes) bounds the number of values from above, and a file
that holds far more than a saved history ever does is refused before it is parsed.
"""

from __future__ import annotations

import math

from nnstudio.core.errors import ProjectFileError

MAX_HISTORY_VALUES = 1_000_000
"""Numbers a history.json may hold in all; NN Studio saves at most 5,000 points per curve."""
MAX_RUNS_VALUES = 4_000_000
"""Numbers a runs.json may hold: up to 500 runs' curves, the older ones thinned."""
MAX_STEP = 2**53
"""Steps are whole numbers a float64 holds exactly; anything larger is damage."""
MAX_VALUE = 1e300
"""Curve values beyond this are treated as missing, so axis ranges stay finite."""


def check_history_bytes(raw: bytes, limit: int = MAX_HISTORY_VALUES) -> None:
    """ProjectFileError when `raw` holds far more values than saved curves ever do."""
    values = raw.count(b",")
    if values > limit:
        raise ProjectFileError(
            f"The training history holds about {values:,} values, more than the "
            f"{limit:,} saved curves ever have; the file is damaged or hostile."
        )


def checked_step(value: float) -> float:
    """A step read from a file: finite, at least 0 and at most MAX_STEP, else ValueError."""
    if not (math.isfinite(value) and 0 <= value <= MAX_STEP):
        raise ValueError("step out of range")
    return value


def checked_value(value: float) -> float:
    """A curve value read from a file: values beyond ±MAX_VALUE become NaN (a gap)."""
    return value if abs(value) <= MAX_VALUE else math.nan
