"""Lessons: textbook claims, each with the comparison that shows it and a check on the numbers.

Importing the topic modules registers their lessons; the order here is the browser's order.
"""

from nnstudio.core.lessons import basics as _basics  # noqa: F401  (registers the lessons)
from nnstudio.core.lessons import sequences as _sequences  # noqa: F401
from nnstudio.core.lessons.spec import (
    LESSONS,
    Arm,
    ArmEvidence,
    Evidence,
    Lesson,
    Verdict,
)

__all__ = ["LESSONS", "Arm", "ArmEvidence", "Evidence", "Lesson", "Verdict"]
